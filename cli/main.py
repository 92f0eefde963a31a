"""Entry point of `aiinv` (`aiinv = "cli.main:main"`, `python -m cli.main`); the app is built in `cli.commands.app`."""

import sys

from cli.commands.app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    sys.exit(main())
