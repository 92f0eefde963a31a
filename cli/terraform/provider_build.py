"""Fill the provider mirror (`cli/terraform/provider_mirror.py`): from the registry where it is reachable, else by
building the provider from its Go module.

The registry path is `terraform providers mirror` (what users with internet access or a company mirror
get), unpacked into the mirror's layout. The Go path downloads `github.com/hashicorp/terraform-provider-aws`
through the Go module proxy and builds it in the module's own directory (its go.mod has replace
directives, so `go install module@version` refuses). The module path has no `/v6` suffix, so a proxy
can serve the release only under a pseudo-version of the tag's commit: `AIINV_PROVIDER_GO_REF` names it
(a commit, a pseudo-version or a tag; default `v<version>`). The built provider must report the pinned
version in its `version/VERSION` file, or nothing is installed. Two fills on one machine take turns.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cli.core.errors import AiinvError
from cli.terraform.diagnostics import error_messages, plain_lines
from cli.terraform.provider_mirror import AWS, ProviderPin, binary_path, holds, target_platform

GO_MODULE = "github.com/hashicorp/terraform-provider-aws"
GO_REF_ENV = "AIINV_PROVIDER_GO_REF"
Say = Callable[[str], None]


@dataclass(frozen=True)
class Filled:
    how: str  # "present", "registry" or "go build"
    path: Path
    seconds: float = 0.0


def fill(mirror: Path, terraform: list[str], *, say: Say, pin: ProviderPin = AWS) -> Filled:
    """Make `mirror` hold `pin`, unless it does already."""
    mirror.mkdir(parents=True, exist_ok=True)
    with open(mirror / ".fill.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another clone may be building the same provider
        if holds(mirror, pin):
            return Filled("present", binary_path(mirror, pin))
        start = time.monotonic()
        registry_error = _from_registry(mirror, terraform, pin, say=say)
        if registry_error is None:
            return Filled("registry", binary_path(mirror, pin), time.monotonic() - start)
        say(f"registry not reachable ({registry_error}); building {pin.short} from its Go module")
        _from_go_module(mirror, pin, say=say)
        return Filled("go build", binary_path(mirror, pin), time.monotonic() - start)


def _from_registry(mirror: Path, terraform: list[str], pin: ProviderPin, *, say: Say) -> str | None:
    """None on success, else the first line of Terraform's error."""
    with tempfile.TemporaryDirectory(prefix="aiinv-mirror-") as work:
        config = {"terraform": {"required_providers": {pin.type: {"source": f"{pin.namespace}/{pin.type}",
                                                                  "version": pin.version}}}}
        (Path(work) / "main.tf.json").write_text(json.dumps(config))
        packed = Path(work) / "packed"
        say(f"terraform providers mirror {pin.short}")
        done = subprocess.run([*terraform, "providers", "mirror", f"-platform={target_platform()}", str(packed)],
                              cwd=work, capture_output=True, text=True, check=False, timeout=1800,
                              env={**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"})
        if done.returncode != 0:
            return _first_error_line(done.stderr + done.stdout)
        archive = next((packed / pin.address).glob(f"terraform-provider-{pin.type}_{pin.version}_*.zip"), None)
        if archive is None:
            return "terraform providers mirror wrote no archive"
        with zipfile.ZipFile(archive) as bundle:
            member = next(n for n in bundle.namelist() if n.startswith(f"terraform-provider-{pin.type}"))
            _install(mirror, pin, lambda out: out.write_bytes(bundle.read(member)))
    return None


def _from_go_module(mirror: Path, pin: ProviderPin, *, say: Say) -> None:
    go = shutil.which("go")
    if go is None:
        raise AiinvError(f"neither the registry nor a Go toolchain is available to get {pin.short}; "
                         f"install Go or set AIINV_PROVIDER_MIRROR to a mirror filled elsewhere")
    ref = os.environ.get(GO_REF_ENV) or f"v{pin.version}"
    with tempfile.TemporaryDirectory(prefix="aiinv-go-") as work:
        done = subprocess.run([go, "mod", "download", "-json", f"{GO_MODULE}@{ref}"], cwd=work,
                              capture_output=True, text=True, check=False, timeout=1800,
                              env={**os.environ, "GO111MODULE": "on", "GOFLAGS": "-mod=mod"})
    try:
        info = json.loads(done.stdout)
    except ValueError:
        info = {"Error": _first_error_line(done.stderr) or f"go mod download exited {done.returncode}"}
    if info.get("Error") or done.returncode != 0:
        reason = _first_error_line(str(info.get("Error", done.stderr)))
        raise AiinvError(
            f"the Go module proxy does not serve {GO_MODULE}@{ref} ({reason}); set {GO_REF_ENV} to the "
            f"commit of tag v{pin.version} (`git ls-remote https://{GO_MODULE} refs/tags/v{pin.version}`), "
            f"or set AIINV_PROVIDER_MIRROR to a mirror filled where the registry is reachable")
    source = Path(info["Dir"])
    built_version = (source / "version" / "VERSION").read_text().strip() if (
        source / "version" / "VERSION").is_file() else "unknown"
    if built_version != pin.version:
        raise AiinvError(f"{GO_MODULE}@{ref} ({info.get('Version')}) is provider {built_version}, not the "
                         f"pinned {pin.version}; set {GO_REF_ENV} to the commit of tag v{pin.version}")
    say(f"go build {GO_MODULE}@{info.get('Version')} (tens of minutes on 2 cores)")

    def build(out: Path) -> None:
        result = subprocess.run([go, "build", "-trimpath", "-ldflags", "-s -w", "-o", str(out), "."], cwd=source,
                                stdout=sys.stderr, stderr=subprocess.STDOUT, check=False,
                                env={**os.environ, "GOFLAGS": "-mod=readonly", "CGO_ENABLED": "0"})
        if result.returncode != 0:
            raise AiinvError(f"go build of {GO_MODULE}@{info.get('Version')} failed (exit {result.returncode}); "
                             "its output is above")

    _install(mirror, pin, build)


def _install(mirror: Path, pin: ProviderPin, write: Callable[[Path], None]) -> None:
    """Write the binary beside its final place and rename it in: a partial binary is never installed."""
    target = binary_path(mirror, pin)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        write(temporary)
        temporary.chmod(0o755)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _first_error_line(text: str) -> str:
    """Terraform's first `Error:` message, else the first line with words (the Go tool's own errors)."""
    return next((line for line in error_messages(text) + plain_lines(text) if line), "")
