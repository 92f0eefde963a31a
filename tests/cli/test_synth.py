"""`aiinv synth` into cdktf.out/ENV: per environment, atomic, and unchanged by a failed synth."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fixture_app.py"


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AIINV_FIXTURE_FAIL", "AIINV_FIXTURE_SLEEP"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AIINV_APP", f"{FIXTURE}:build_app")
    return lambda *args: CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_environments_do_not_overwrite_each_other_and_a_failed_synth_keeps_the_previous_output(
        invoke, tmp_path, monkeypatch) -> None:
    assert invoke("synth", "--env", "dev").exit_code == 0
    assert invoke("synth", "--env", "staging").exit_code == 0
    dev = tmp_path / "cdktf.out/dev/stacks/ai-investment-data-dev/cdk.tf.json"
    staging = tmp_path / "cdktf.out/staging/stacks/ai-investment-data-dev/cdk.tf.json"
    assert not staging.exists()
    assert (tmp_path / "cdktf.out/staging/stacks/ai-investment-data-staging/cdk.tf.json").is_file()
    before = dev.read_bytes()

    broken = tmp_path / "broken_app.py"
    broken.write_text("def build_app(config, *, outdir):\n    raise RuntimeError('construct error')\n")
    monkeypatch.setenv("AIINV_APP", f"{broken}:build_app")
    result = invoke("synth", "--env", "dev")
    assert result.exit_code == 1
    assert result.output.strip() == ("error: synth of 'dev' failed: construct error; "
                                     "the previous output is unchanged")
    assert dev.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "cdktf.out").iterdir() if not p.name.startswith(".")) == [
        "dev", "staging"]
    assert len([p for p in (tmp_path / "cdktf.out").iterdir() if p.name.startswith(".")]) == 2


def test_identical_synth_keeps_the_initialised_directory(invoke, tmp_path, monkeypatch) -> None:
    result = invoke("synth", "--env", "dev")
    assert result.exit_code == 0, result.output
    first = (tmp_path / "cdktf.out/dev").resolve()
    assert invoke("synth", "--env", "dev").exit_code == 0
    assert (tmp_path / "cdktf.out/dev").resolve() == first
    monkeypatch.setenv("AIINV_FIXTURE_REVISION", "2")
    assert invoke("synth", "--env", "dev").exit_code == 0
    assert (tmp_path / "cdktf.out/dev").resolve() != first
    assert not first.exists()


def test_fixture_app_has_the_dependency_graph_of_the_real_app(invoke, tmp_path) -> None:
    import json

    from tests.support.synthesized import synthesized

    def graph(manifest: Path) -> dict[str, set[str]]:
        stacks = json.loads(manifest.read_text())["stacks"]
        kind = lambda name: name.split("-")[-2]  # noqa: E731 - <project>-<kind>-<env>
        return {kind(n): {kind(d) for d in e["dependencies"]} for n, e in stacks.items()}

    assert invoke("synth", "--env", "dev").exit_code == 0
    real = graph(synthesized("dev") / "manifest.json")
    assert graph(tmp_path / "cdktf.out/dev/manifest.json") == real
    assert real["security"] == real["auth"] == set()  # two roots, independent of each other
