"""The synth cache: a synth is skipped only when nothing it is made from changed, and a hit imports no cdktf.

Keys are computed over a small project tree (so edits never touch the real sources); the command is run
for real against the fixture app, in fresh processes where an import matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.synth import snapshots
from cli.synth.inputs import input_key
from modules.config import load_environment

REPO = Path(__file__).resolve().parents[2]
FIXTURE_APP = f"{REPO / 'tests' / 'fixtures' / 'fixture_app.py'}:build_app"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for relative, text in {
        "modules/constructs/secure_bucket.py": "VERSIONING = True\n",
        "modules/stacks/data.py": "TABLES = ('signals',)\n",
        "functions/score/handler.py": "def handler(event, context):\n    return 1\n",
        "functions/requirements.lock": "vadersentiment==3.3.2\n",
        "main.py": "print('app')\n",
        "cdktf.json": '{"app": "python main.py"}\n',
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def _key(project: Path, *, env: dict[str, str] | None = None, project_name: str | None = None,
         app: str = "modules.app:build_app", name: str = "dev") -> str:
    env = {} if env is None else env
    config = load_environment(name, project_name=project_name, env=env)
    return input_key(config, app_reference=app, env=env, root=project)


@pytest.mark.parametrize("edit", [
    "modules/constructs/secure_bucket.py",  # a construct
    "modules/stacks/data.py",  # a stack
    "functions/score/handler.py",  # a function's code
    "functions/requirements.lock",  # the layer's pinned closure
    "main.py",
    "cdktf.json",
])
def test_an_edited_source_file_changes_the_key(project: Path, edit: str) -> None:
    before = _key(project)
    path = project / edit
    path.write_text(path.read_text() + "# edited\n")
    assert _key(project) != before


def test_a_new_or_removed_source_file_changes_the_key(project: Path) -> None:
    before = _key(project)
    (project / "functions/score/extra.py").write_text("")
    added = _key(project)
    (project / "functions/score/extra.py").unlink()
    assert before != added and _key(project) == before


def test_settings_project_name_app_and_variables_change_the_key(project: Path) -> None:
    base = _key(project)
    assert _key(project) == base, "the key must be stable for unchanged inputs"
    assert _key(project, name="staging") != base  # another environment's settings
    assert _key(project, env={"CDK_DEFAULT_REGION": "eu-west-1"}) != base  # resolved settings
    assert _key(project, env={"CDK_DEFAULT_ACCOUNT": "210987654321"}) != base
    assert _key(project, project_name="other-project") != base
    assert _key(project, app="tests.fixtures.fixture_app:build_app") != base
    assert _key(project, env={"AIINV_FIXTURE_REVISION": "2"}) != base  # a variable the app may read
    assert _key(project, env={"CDKTF_CONTEXT_JSON": "{}"}) != base


def test_bytecode_caches_and_terraform_only_variables_do_not_change_the_key(project: Path) -> None:
    base = _key(project)
    cache = project / "modules/constructs/__pycache__"
    cache.mkdir()
    (cache / "secure_bucket.cpython-311.pyc").write_bytes(b"\0\1")
    assert _key(project, env={"AIINV_TERRAFORM": "/opt/terraform", "AWS_PROFILE": "ops"}) == base


def _aiinv(cwd: Path, *args: str, shadow: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join([*([str(shadow)] if shadow else []), str(REPO)])
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AIINV_", "CDK_", "AWS_"))}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=cwd, capture_output=True, text=True,
                          env={**clean, "PYTHONPATH": path, "AIINV_APP": FIXTURE_APP, **env}, check=False,
                          timeout=180)


@pytest.fixture
def no_cdktf(tmp_path: Path) -> Path:
    """A directory that, first on the path, makes any import of cdktf fail."""
    shadow = tmp_path / "shadow"
    for package in ("cdktf", "cdktf_cdktf_provider_aws", "jsii"):
        (shadow / package).mkdir(parents=True)
        (shadow / package / "__init__.py").write_text(f"raise ImportError('{package} was imported')\n")
    return shadow


def test_a_hit_reuses_the_output_without_importing_cdktf(tmp_path: Path, no_cdktf: Path) -> None:
    first = _aiinv(tmp_path, "synth", "--env", "dev")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "synthesized dev into cdktf.out/dev"
    before = (tmp_path / "cdktf.out/dev").resolve()

    again = _aiinv(tmp_path, "synth", "--env", "dev", shadow=no_cdktf)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "reused cdktf.out/dev for dev (inputs unchanged since its synth)"
    assert (tmp_path / "cdktf.out/dev").resolve() == before

    # A command that synthesizes first takes the same path: it gets as far as Terraform without cdktf.
    listed = _aiinv(tmp_path, "plan", "--env", "dev", shadow=no_cdktf, AIINV_TERRAFORM="/bin/false")
    assert "was imported" not in listed.stdout + listed.stderr


@pytest.mark.parametrize("change", [
    {"AIINV_FIXTURE_REVISION": "2"},  # an input the app reads from the environment
    {"CDK_DEFAULT_REGION": "eu-west-1"},  # a resolved setting
])
def test_a_changed_input_reruns_the_synth(tmp_path: Path, change: dict[str, str]) -> None:
    assert _aiinv(tmp_path, "synth", "--env", "dev").returncode == 0
    rerun = _aiinv(tmp_path, "synth", "--env", "dev", **change)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith("synthesized dev"), rerun.stdout


def test_another_project_name_and_force_synth_rerun(tmp_path: Path) -> None:
    assert _aiinv(tmp_path, "synth", "--env", "dev").returncode == 0
    renamed = _aiinv(tmp_path, "synth", "--env", "dev", "--project-name", "other-project")
    assert renamed.stdout.startswith("synthesized dev"), renamed.stdout + renamed.stderr
    data = tmp_path / "cdktf.out/dev/stacks/other-project-data-dev/cdk.tf.json"
    assert data.is_file()
    forced = _aiinv(tmp_path, "synth", "--env", "dev", "--project-name", "other-project", "--force-synth")
    assert forced.stdout.startswith("synthesized dev"), forced.stdout + forced.stderr


@pytest.mark.parametrize("damage", ["edit", "truncate", "delete", "extra", "record", "no-record"])
def test_a_damaged_or_partial_entry_reruns_the_synth_and_restores_the_output(tmp_path: Path, damage: str,
                                                                              no_cdktf: Path) -> None:
    assert _aiinv(tmp_path, "synth", "--env", "dev").returncode == 0
    out = (tmp_path / "cdktf.out/dev").resolve()
    stack = out / "stacks/ai-investment-data-dev"
    pristine = (stack / "cdk.tf.json").read_bytes()
    if damage == "edit":
        (stack / "cdk.tf.json").write_text(json.dumps({"resource": {}}))
    elif damage == "truncate":
        (stack / "cdk.tf.json").write_bytes(pristine[: len(pristine) // 2])
    elif damage == "delete":
        (stack / "cdk.tf.json").unlink()
    elif damage == "extra":  # Terraform would load it with the stack
        (stack / "override.tf.json").write_text("{}")
    elif damage == "record":
        (out / snapshots.RECORD).write_text('{"format": 1, "inputs": ')
    else:
        (out / snapshots.RECORD).unlink()

    # Damage is never reused: a hit would succeed without cdktf, a rerun cannot.
    assert _aiinv(tmp_path, "synth", "--env", "dev", shadow=no_cdktf).returncode == 1
    rerun = _aiinv(tmp_path, "synth", "--env", "dev")
    assert rerun.stdout.startswith("synthesized dev"), rerun.stdout + rerun.stderr
    fresh = tmp_path / "cdktf.out/dev/stacks/ai-investment-data-dev"
    assert (fresh / "cdk.tf.json").read_bytes() == pristine
    assert not (fresh / "override.tf.json").exists()


def test_several_environments_in_one_call_match_each_synthesized_alone(tmp_path: Path) -> None:
    together, alone = tmp_path / "together", tmp_path / "alone"
    together.mkdir()
    alone.mkdir()
    both = _aiinv(together, "synth", "--env", "dev", "--env", "staging", "--env", "prod")
    assert both.returncode == 0, both.stderr
    assert [line.split()[1] for line in both.stdout.splitlines()] == ["dev", "staging", "prod"]
    for env in ("dev", "staging", "prod"):
        assert _aiinv(alone, "synth", "--env", env).returncode == 0
        assert snapshots.file_digests((together / "cdktf.out" / env).resolve()) == snapshots.file_digests(
            (alone / "cdktf.out" / env).resolve()), env
    again = _aiinv(together, "synth", "--env", "dev", "--env", "prod")
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["reused", "reused"]


def test_a_held_snapshot_survives_a_new_synth_and_is_removed_once_released(tmp_path: Path) -> None:
    assert _aiinv(tmp_path, "synth", "--env", "dev").returncode == 0
    link = tmp_path / "cdktf.out/dev"
    held = snapshots.current(link)
    assert held is not None
    files = snapshots.file_digests(held.path)

    changed = _aiinv(tmp_path, "synth", "--env", "dev", AIINV_FIXTURE_REVISION="2")
    assert changed.returncode == 0, changed.stderr
    assert link.resolve() != held.path
    assert snapshots.file_digests(held.path) == files, "a run's snapshot changed under it"

    held.close()
    assert _aiinv(tmp_path, "synth", "--env", "dev", AIINV_FIXTURE_REVISION="3").returncode == 0
    assert not held.path.exists()
    assert sorted(p.name for p in (tmp_path / "cdktf.out").iterdir()) == [link.resolve().name, "dev"]


def test_a_killed_synth_leaves_no_staging_directory_behind_the_next_synth(tmp_path: Path) -> None:
    """SIGKILL cannot be handled: its staging directory stays until a later synth sees nobody holds it."""
    root = tmp_path / "cdktf.out"
    started = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from cli.synth import snapshots; "
         "held = snapshots.staging_dir(Path(sys.argv[1]), 'dev'); print(held.path, flush=True); time.sleep(60)",
         str(root)], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    staging = Path(started.stdout.readline().strip())
    assert staging.is_dir()
    assert _aiinv(tmp_path, "synth", "--env", "dev").returncode == 0
    assert staging.is_dir(), "a synth in progress was deleted"
    started.kill()
    started.wait()
    assert _aiinv(tmp_path, "synth", "--env", "dev").returncode == 0
    assert not staging.exists()
    assert not list(root.glob(".dev.staging-*"))
