"""The dependency layer, built for the Lambda platform without Docker.

pip installs manylinux wheels for the runtime's CPython on x86_64 (`--platform`, `--only-binary`) into
`python/`, with `--no-deps` from the pinned closure in functions/requirements.lock, and the result is
zipped reproducibly. The zip is cached by the lock file's hash, so only a changed lock downloads.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from modules.packaging.function_package import FUNCTIONS_ROOT, REPO_ROOT
from modules.packaging.zipping import write_zip

LOCK_FILE = FUNCTIONS_ROOT / "requirements.lock"
# The newest Python runtime the pinned AWS provider (6.25) accepts.
LAMBDA_PYTHON = "3.14"
LAMBDA_RUNTIME = f"python{LAMBDA_PYTHON}"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
CACHE_DIR = REPO_ROOT / "build" / "layers"
# Bumped whenever what goes into the zip changes, so stale caches are not reused.
_FORMAT = "2"


class LayerBuildError(RuntimeError):
    """pip could not install the layer's wheels."""


def layer_zip() -> Path:
    """Path of the layer zip for the current lock file, building it on first use."""
    # Everything that decides the content is in the key: the lock, the Python version, the platform.
    key = LOCK_FILE.read_bytes() + f"\0{LAMBDA_PYTHON}\0{LAMBDA_PLATFORM}\0{_FORMAT}".encode()
    digest = hashlib.sha256(key).hexdigest()[:16]
    target = CACHE_DIR / f"layer-py{LAMBDA_PYTHON}-{digest}.zip"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(prefix="aiinv-layer-") as tmp:
        site = Path(tmp) / "python"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
            "--no-compile", "--only-binary=:all:", "--platform", LAMBDA_PLATFORM, "--implementation", "cp",
            "--python-version", LAMBDA_PYTHON, "--target", str(site), "-r", str(LOCK_FILE),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise LayerBuildError(f"building the Lambda layer failed: {last}")
        # Left out: console scripts (bin/, their shebang names the building interpreter), RECORD (install
        # paths) and INSTALLER; none is used at run time, and each would make the zip machine-specific.
        files = [(f"python/{p.relative_to(site)}", p) for p in site.rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts and p.relative_to(site).parts[0] != "bin"
                 and p.name not in ("RECORD", "INSTALLER")]
        write_zip(target, files)
    return target
