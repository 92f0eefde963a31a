"""Entry point for `cdktf synth` (see cdktf.json). `aiinv synth --env ENV` is the everyday path.

The environment comes from the cdktf context `environment` (default dev) and the project name from
`projectName`, as in the seed: `cdktf synth --context environment=prod`.
"""

from __future__ import annotations

import json
import os
import sys

from modules.config import ConfigError, load_environment


def main() -> int:
    context = json.loads(os.environ.get("CDKTF_CONTEXT_JSON") or "{}")
    try:
        config = load_environment(context.get("environment", "dev"), project_name=context.get("projectName"))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    from modules.app import build_app

    build_app(config).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
