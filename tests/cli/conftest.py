"""A moto_server on 127.0.0.1 for the session (`tests/support/emulator.py`), and a per-test workspace that drives
the real `aiinv` against the fixture app (built-in Terraform resources only) with its state on that server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from modules.config import Naming, load_environment
from tests.support import emulator

REPO = Path(__file__).resolve().parents[2]
FIXTURE_APP = REPO / "tests" / "fixtures" / "fixture_app.py"
AIINV = [sys.executable, "-m", "cli.main"]


def fake_synth(root: Path, env: str, names: dict[str, list[str]]) -> None:
    """A synthesized tree as cdktf writes it (manifest + one config per stack)."""
    stacks = {}
    for name, deps in names.items():
        (root / "cdktf.out" / env / "stacks" / name).mkdir(parents=True)
        (root / "cdktf.out" / env / "stacks" / name / "cdk.tf.json").write_text("{}")
        stacks[name] = {"name": name, "dependencies": deps, "workingDirectory": f"stacks/{name}"}
    (root / "cdktf.out" / env / "manifest.json").write_text(json.dumps({"stacks": stacks}))


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "w") as out:
        try:
            proc, endpoint = emulator.start(out)
        except RuntimeError as exc:
            pytest.fail(f"{exc}: {log.read_text()}")
    yield endpoint
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def plugin_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plugin-cache")


@dataclass
class Workspace:
    """A directory, an environment and a unique project name (so tests never share state)."""

    root: Path
    env: dict[str, str]
    project: str
    extra: list[str] = field(default_factory=list)

    def args(self, *args: str) -> list[str]:
        takes_project = args[0] not in ("list", "doctor")
        return [*args, *(["--project-name", self.project] if takes_project else [])]

    def popen(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen([*AIINV, *self.args(*args)], cwd=self.root, env={**self.env, **env}, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def run(self, *args: str, timeout: float = 240, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([*AIINV, *self.args(*args)], cwd=self.root, env={**self.env, **env}, text=True,
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout, check=False)

    @property
    def naming(self) -> Naming:
        """Names of this workspace's dev environment (state bucket, lock table, state keys)."""
        return Naming(load_environment("dev", project_name=self.project, env={}))

    def lock_items(self) -> list[dict]:
        """Terraform state locks (items with `Info`) and environment locks in the lock table."""
        table = self.naming.state_lock_table()
        items = self.boto("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
        return [i for i in items if "Info" in i or i["LockID"]["S"].startswith("aiinv-environment")]

    def state(self, kind: str) -> dict:
        """The state object of one stack (by short name), as the backend holds it."""
        body = self.boto("s3").get_object(Bucket=self.naming.state_bucket(), Key=self.naming.state_key(kind))["Body"]
        return json.loads(body.read())

    def state_addresses(self, kind: str) -> set[str]:
        return {f"{r['type']}.{r['name']}" for r in self.state(kind)["resources"] if r["mode"] == "managed"
                and r["instances"]}

    def logged(self, text: str) -> list[str]:
        """Lines containing `text` in the Terraform logs aiinv kept for this workspace's runs."""
        return [line for path in sorted((self.root / ".aiinv" / "logs").rglob("*.out"))
                for line in path.read_text().splitlines() if text in line]

    def boto(self, service: str):
        import boto3

        return boto3.client(service, region_name="eu-central-1", endpoint_url=self.env["AWS_ENDPOINT_URL"],
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def workspace(tmp_path: Path, moto_endpoint: str, plugin_cache: Path) -> Workspace:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIINV_", "CDK_"))}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ENDPOINT_URL": moto_endpoint, "AIINV_FIXTURE_ENDPOINT": moto_endpoint,
        "AIINV_APP": f"{FIXTURE_APP}:build_app", "AIINV_PLUGIN_CACHE": str(plugin_cache), "CI": "true",
        "PYTHONPATH": str(REPO), "AIINV_RUNS_DIR": str(tmp_path / "live-runs"),
    })
    return Workspace(tmp_path, env, f"t{uuid.uuid4().hex[:10]}")
