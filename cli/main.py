"""Entry point of `aiinv` (`aiinv = "cli.main:main"`, `python -m cli.main`); the app is built in `cli.commands.app`."""

import sys

try:
    from cli.commands.app import app, main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing, before aiinv's stop handlers are in place
    print("error: interrupted; nothing was started", file=sys.stderr)
    raise SystemExit(130) from None

__all__ = ["app", "main"]

if __name__ == "__main__":
    sys.exit(main())
