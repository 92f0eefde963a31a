"""What the deployment packages contain, judged from outside the packaging code: each function starts from its
own zip alone, and the layer holds exactly the locked distributions, every file of each."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from modules.catalog.functions import FUNCTION_NAMES
from tests.support.synthesized import stack_json, synthesized

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "functions" / "requirements.lock"
# The Lambda Python runtime provides these; a layer that ships them would shadow the runtime's copies.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "urllib3", "python_dateutil", "six"}


def _compute() -> tuple[Path, dict]:
    stack = next(p for p in (synthesized("dev") / "stacks").iterdir() if "-compute-" in p.name)
    return stack, stack_json("dev", "compute")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _locked() -> dict[str, str]:
    pins = (line.split("==") for line in LOCK.read_text().splitlines() if "==" in line and not line.startswith("#"))
    return {_normalized(name.strip()): version.split()[0].strip() for name, version in pins}


def test_the_layer_holds_exactly_the_locked_distributions_and_their_code() -> None:
    stack, config = _compute()
    (layer,) = config["resource"]["aws_lambda_layer_version"].values()
    with zipfile.ZipFile(stack / layer["filename"]) as archive:
        names = set(archive.namelist())
        assert all(name.startswith("python/") for name in names)  # where the runtime looks for a layer's code
        dists = {m.group(1): m.group(2) for n in names
                 if (m := re.fullmatch(r"python/([^/]+)-([^-/]+)\.dist-info/METADATA", n))}
        assert {_normalized(d): v for d, v in dists.items()} == _locked()
        assert not {_normalized(d) for d in dists} & RUNTIME_PROVIDED
        for dist, version in dists.items():
            metadata = archive.read(f"python/{dist}-{version}.dist-info/METADATA").decode()
            assert f"\nVersion: {version}\n" in metadata, dist
            top_level = f"python/{dist}-{version}.dist-info/top_level.txt"
            for module in archive.read(top_level).decode().split() if top_level in names else ():
                assert any(n.startswith((f"python/{module}/", f"python/{module}.")) for n in names), (dist, module)
            # Where this machine has the same release installed, each of its Python files is in the layer too.
            try:
                installed = importlib.metadata.distribution(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
            if installed.version == version:
                sources = {str(f) for f in installed.files or () if str(f).endswith(".py") and ".." not in str(f)}
                assert {f for f in sources if f"python/{f}" not in names} == set(), dist


def _function(name: str) -> dict:
    _, config = _compute()
    (resource,) = [r for key, r in config["resource"]["aws_lambda_function"].items()
                   if key.startswith(f"Function-{name}_")]
    return resource


# Importing a handler in a process that sees only its zip and the dependencies (never the repository): which
# files under functions/ did it load, and from where.
_IMPORT = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m.__file__ for n, m in list(sys.modules.items())
                        if n.split(".")[0] == "functions" and getattr(m, "__file__", None))))
"""


@pytest.mark.parametrize("function", FUNCTION_NAMES)
def test_a_function_starts_from_its_own_zip_alone(function: str, tmp_path: Path) -> None:
    stack, _ = _compute()
    resource = _function(function)
    with zipfile.ZipFile(stack / resource["filename"]) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "code")
    handler_module = resource["handler"].rsplit(".", 1)[0]
    package = handler_module.split(".")[1]
    assert all(n.startswith("functions/") for n in names), names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/tests/" in n]
    assert f"{handler_module.replace('.', '/')}.py" in names
    others = {n.split("/")[1] for n in names if n.count("/") >= 2} - {package, "shared"}
    assert others == set(), f"{function} ships other functions' code: {others}"

    # Settings as deployed; references to other resources stand in as plain names.
    variables = {k: re.sub(r"\$\{[^}]*\}", "placeholder", v)
                 for k, v in resource.get("environment", {}).get("variables", {}).items()}
    env = {"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "none",
           "AWS_SECRET_ACCESS_KEY": "none", "PYTHONPATH": os.pathsep.join(
               [str(tmp_path / "code"), sysconfig.get_paths()["purelib"]]), **variables}
    # -S: no site processing, so not even the editable install of this repository is on the path.
    done = subprocess.run([sys.executable, "-S", "-c", _IMPORT, handler_module], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout)
    assert loaded and all(Path(f).is_relative_to(tmp_path / "code") for f in loaded), loaded
