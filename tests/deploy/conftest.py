"""The six real stacks, deployed by the real `aiinv` and Terraform with the real AWS provider on a fresh emulator.

Each test gets a copy of the project (`main.py`, `cdktf.json`, `modules/`, `functions/`; the layer cache under
`build/` is shared), so a test may edit a function as a user would, and its own emulator
(`tests/support/emulator.py`, gaps closed in `tests/support/aws_gaps.py`). The provider comes from the mirror
in `AIINV_PROVIDER_MIRROR`; without one that holds the pinned version the tests skip and say why (`make test`
installs the test stand-in from `AIINV_PROVIDER_STANDIN_ARCHIVE`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.terraform import provider_mirror, provider_standin
from modules.config import Naming, load_environment
from tests.support import aws_gaps, emulator

REPO = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("main.py", "cdktf.json", "modules", "functions")
AIINV = [sys.executable, "-m", "cli.main"]
# The AWS provider builds its whole schema at every start, and these tests start it a few hundred times: a laxer
# Go collector (GOGC=400, ~640 MiB instead of ~490 MiB a process) takes about a fifth off each start's CPU, which
# the suite is short of on two cores. It changes no behaviour; a value set by the caller is kept.
os.environ.setdefault("GOGC", "400")
# Terraform runs at most 10 operations of a stack at once. Against the emulator most of an apply or destroy is the
# provider's fixed waits (25 s for each SQS queue, policy and redrive setting to read back the same six times, 2 min
# 10 s for each queue to stay deleted, 55 s for each bucket lifecycle), which then queue behind each other: with room
# for all of them they overlap. Only these tests' emulated account sees it; a caller's value is kept.
for command in ("plan", "apply", "destroy"):
    os.environ.setdefault(f"TF_CLI_ARGS_{command}", "-parallelism=32")
# "with aws_s3_bucket.Name," in Terraform's diagnostics names the resource an error belongs to.
FAILED_RESOURCE = re.compile(r"with ([a-z0-9_]+)\.([A-Za-z0-9_-]+)")


@pytest.fixture(scope="session")
def real_provider() -> str:
    """Which AWS provider build the real-stack tests run with, in words; skips without one."""
    mirror = os.environ.get(provider_mirror.MIRROR_ENV)
    pin = provider_mirror.AWS
    if not mirror or not provider_mirror.holds(Path(mirror)):
        pytest.skip(f"needs {provider_mirror.MIRROR_ENV} naming a mirror that holds {pin.short} (make test installs "
                    f"the test stand-in when {provider_standin.ARCHIVE_ENV} names its archive)")
    standin = provider_standin.standin_of(Path(mirror))
    return standin.label if standin else f"{pin.short} from {mirror}"


@dataclass
class Deployment:
    """A copy of the project, the environment `aiinv` runs with, and the emulator it deploys to."""

    root: Path
    env: dict[str, str]
    endpoint: str
    emulator_log: Path

    def run(self, *args: str, timeout: float = 900, input_tty: str | None = None) -> subprocess.CompletedProcess:
        if input_tty is not None:
            return self._run_with_terminal(list(args), input_tty, timeout)
        done = subprocess.run([*AIINV, *args], cwd=self.root, env=self.env, text=True, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False)
        print(f"$ aiinv {' '.join(args)} -> {done.returncode}", flush=True)
        return done

    def popen(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen([*AIINV, *args], cwd=self.root, env={**self.env, **env}, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def _run_with_terminal(self, args: list[str], answer: str, timeout: float) -> subprocess.CompletedProcess:
        """As a person at a terminal: stdin is a pseudo-terminal that receives `answer` (CI unset)."""
        import pty

        controller, terminal = pty.openpty()
        env = {k: v for k, v in self.env.items() if k != "CI"}
        try:
            proc = subprocess.Popen([*AIINV, *args], cwd=self.root, env=env, text=True, stdin=terminal,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            os.write(controller, f"{answer}\n".encode())
            out, err = proc.communicate(timeout=timeout)
        finally:
            os.close(terminal)
            os.close(controller)
        print(f"$ aiinv {' '.join(args)} (typed {answer!r}) -> {proc.returncode}", flush=True)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def naming(self, env: str) -> Naming:
        return Naming(load_environment(env, env={}))

    def boto(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name="eu-central-1", endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def lock_items(self, env: str) -> list[dict]:
        """Terraform state locks (items with `Info`) and the environment lock, as the lock table holds them."""
        items = self.boto("dynamodb").scan(TableName=self.naming(env).state_lock_table(), ConsistentRead=True)
        return [i for i in items["Items"] if "Info" in i or i["LockID"]["S"].startswith("aiinv-environment")]

    def state(self, env: str, kind: str) -> dict:
        naming = self.naming(env)
        body = self.boto("s3").get_object(Bucket=naming.state_bucket(), Key=naming.state_key(kind))["Body"]
        return json.loads(body.read())

    def managed_in_state(self, env: str, kind: str) -> set[str]:
        return {f"{r['type']}.{r['name']}" for r in self.state(env, kind)["resources"]
                if r["mode"] == "managed" and r["instances"]}

    def synthesized(self, env: str) -> dict[str, dict]:
        """Stack name -> the synthesized JSON the last run of this copy used."""
        out = self.root / "cdktf.out" / env
        manifest = json.loads((out / "manifest.json").read_text())
        return {name: json.loads((out / entry["synthesizedStackPath"]).read_text())
                for name, entry in manifest["stacks"].items()}


def configured_resources(stack: dict) -> set[str]:
    return {f"{kind}.{name}" for kind, named in stack.get("resource", {}).items() for name in named}


def failed_resources(output: str) -> set[str]:
    """`type.name` of every resource Terraform reported an error (not a warning) for."""
    failed, in_error = set(), False
    for line in output.splitlines():
        if "Error: " in line or "Warning: " in line:
            in_error = "Error: " in line
        elif in_error and (match := FAILED_RESOURCE.search(line)):
            failed.add(f"{match.group(1)}.{match.group(2)}")
    return failed


def check_failures_are_known(output: str) -> None:
    """Fail on a resource error outside the gap register's known failures (naming the emulator's errors)."""
    unknown = sorted(r for r in failed_resources(output) if r.split(".")[0] not in aws_gaps.KNOWN_FAILURES)
    assert not unknown, f"resources failed outside aws_gaps.KNOWN_FAILURES: {unknown}\n{output[-4000:]}"


def copy_project(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "cdktf.out", ".aiinv")
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    (REPO / "build").mkdir(exist_ok=True)
    (target / "build").symlink_to(REPO / "build")  # the Lambda layer is built once per machine


@pytest.fixture
def deployment(tmp_path: Path, real_provider: str) -> Iterator[Deployment]:
    root = tmp_path / "project"
    root.mkdir()
    copy_project(root)
    log = tmp_path / "emulator.log"
    with open(log, "w") as out:
        proc, endpoint = emulator.start(out)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIINV_", "CDK_", "TF_"))}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-central-1",
        **aws_gaps.client_env(endpoint),
        provider_mirror.MIRROR_ENV: os.environ[provider_mirror.MIRROR_ENV],
        # A plugin cache per test: an init that reinstalls a shared cache's entry leaves another process's link to
        # it dangling for a moment ("could not read package directory"), and the tests run side by side.
        "AIINV_PLUGIN_CACHE": str(tmp_path / "plugin-cache"), "AIINV_RUNS_DIR": str(tmp_path / "live-runs"),
        "PYTHONPATH": str(root), "CI": "true",
    })
    print(f"real stacks with {real_provider}", flush=True)
    try:
        yield Deployment(root, env, endpoint, log)
    finally:
        proc.terminate()
        proc.wait(10)
