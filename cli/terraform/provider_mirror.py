"""Where Terraform gets the AWS provider: a filesystem mirror on this machine, or the registry.

The mirror uses Terraform's unpacked layout,
`<mirror>/registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/terraform-provider-aws_v<version>_x5`,
and lives outside any clone (`${XDG_CACHE_HOME:-~/.cache}/aiinv/providers`), so every checkout on the
machine shares one copy. `make providers` (`aiinv providers`) fills it (`cli/terraform/provider_build.py`).

Precedence, first match wins:
1. the user's own `TF_CLI_CONFIG_FILE` (when that file exists): aiinv adds nothing;
2. `AIINV_PROVIDER_MIRROR`: that mirror, for hashicorp/aws only;
3. the default cache directory, when it holds the pinned version;
4. otherwise Terraform's default: the registry.

A mirror may hold a test stand-in (`cli/terraform/provider_standin.py`): another build under the pinned version's name.
`source()` names it then, so no report passes it off as the pinned release.
"""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cli.core import layout

if TYPE_CHECKING:
    from cli.terraform.provider_standin import StandIn

MIRROR_ENV = "AIINV_PROVIDER_MIRROR"
CLI_CONFIG_ENV = "TF_CLI_CONFIG_FILE"


@dataclass(frozen=True)
class ProviderPin:
    hostname: str
    namespace: str
    type: str
    version: str

    @property
    def address(self) -> str:
        return f"{self.hostname}/{self.namespace}/{self.type}"

    @property
    def short(self) -> str:
        return f"{self.namespace}/{self.type} {self.version}"


# The version the pinned bindings (cdktf-cdktf-provider-aws 21.22.1) write into every stack's
# required_providers; a test compares it with the synthesized JSON.
AWS = ProviderPin("registry.terraform.io", "hashicorp", "aws", "6.25.0")


def target_platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{platform.system().lower()}_{arch}"


def default_mirror() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aiinv" / "providers"


def mirror_dir() -> Path:
    explicit = os.environ.get(MIRROR_ENV)
    return Path(explicit).expanduser() if explicit else default_mirror()


def binary_path(mirror: Path, pin: ProviderPin = AWS) -> Path:
    return (mirror / pin.address / pin.version / target_platform()
            / f"terraform-provider-{pin.type}_v{pin.version}_x5")


def holds(mirror: Path, pin: ProviderPin = AWS) -> bool:
    path = binary_path(mirror, pin)
    return path.is_file() and os.access(path, os.X_OK)


@dataclass(frozen=True)
class Source:
    """Where `terraform init` will take the provider from, in words and as a CLI configuration."""

    kind: str  # "user config", "mirror" or "registry"
    detail: str
    mirror: Path | None = None
    standin: StandIn | None = None  # the mirror holds a test build under the pinned version's name


def source(pin: ProviderPin = AWS) -> Source:
    user = os.environ.get(CLI_CONFIG_ENV)
    # A named file that does not exist configures nothing (`aiinv doctor` says so).
    if user and Path(user).expanduser().is_file():
        return Source("user config", f"{CLI_CONFIG_ENV}={user} decides (aiinv adds no mirror)")
    if os.environ.get(MIRROR_ENV):
        mirror = mirror_dir()
        if not holds(mirror, pin):
            return Source("mirror", f"{MIRROR_ENV}={mirror} (does not hold {pin.short})", mirror)
        if standin := _standin(mirror, pin):
            return Source("mirror", f"{standin.detail} in {MIRROR_ENV}={mirror}", mirror, standin)
        return Source("mirror", f"{MIRROR_ENV}={mirror} (holds it)", mirror)
    mirror = default_mirror()
    if holds(mirror, pin):
        if standin := _standin(mirror, pin):
            return Source("mirror", f"{standin.detail} in {mirror}", mirror, standin)
        return Source("mirror", f"{mirror}", mirror)
    return Source("registry", f"{pin.hostname} (no mirror holds {pin.short})")


def _standin(mirror: Path, pin: ProviderPin) -> StandIn | None:
    """The test build standing in for `pin` in `mirror`, per the mirror's marker."""
    from cli.terraform.provider_standin import standin_of  # it imports this module

    standin = standin_of(mirror)
    return standin if standin is not None and standin.stands_in_for == pin else None


def cli_config_text(mirror: Path, plugin_cache: Path, pin: ProviderPin = AWS) -> str:
    return (
        f'plugin_cache_dir = "{_hcl(plugin_cache)}"\n'
        # Link the cached provider even where a stack's lock file has no checksum for it yet (every fresh synth):
        # otherwise each init installs it into the cache again, and a Terraform of another stack that is running
        # at that moment finds its link dangling ("fork/exec ...: no such file or directory").
        "plugin_cache_may_break_dependency_lock_file = true\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{_hcl(mirror)}"\n'
        f'    include = ["{pin.address}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{pin.address}"]\n'
        "  }\n"
        "}\n"
    )


def terraform_env(pin: ProviderPin = AWS) -> dict[str, str]:
    """Variables that make Terraform install the provider from the mirror; empty when it should not."""
    where = source(pin)
    if where.kind != "mirror" or where.mirror is None:
        return {}
    cache = layout.plugin_cache_dir().resolve()
    text = cli_config_text(where.mirror.resolve(), cache, pin)
    # Named by content: concurrent runs write the same bytes, and a changed mirror gets its own file.
    path = cache.parent / f"terraformrc-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}")
        temporary.write_text(text)
        temporary.replace(path)
    return {CLI_CONFIG_ENV: str(path)}


def _hcl(path: Path) -> str:
    return str(path).replace("\\", "\\\\").replace('"', '\\"')
