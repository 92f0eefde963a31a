"""Terraform's logs of the last runs are kept, the older ones removed (README: the last 20 runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.engine.session import new_log_dir

KEPT = 20  # as the README states it


def test_a_new_run_keeps_the_last_runs_logs_and_removes_the_older_ones(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    logs = tmp_path / ".aiinv" / "logs" / "dev"
    earlier = [logs / f"20261201T{index:06d}-{100 + index}" for index in range(KEPT + 5)]
    for run in earlier:
        run.mkdir(parents=True)
        (run / "security.out").write_text("terraform output")
    (tmp_path / ".aiinv" / "logs" / "prod" / "20261130T000000-1").mkdir(parents=True)

    fresh = new_log_dir("dev")

    kept = sorted(p.name for p in logs.iterdir())
    assert kept == [run.name for run in earlier[-(KEPT - 1):]]  # with the new run's own, twenty
    assert fresh.parent == Path(".aiinv/logs/dev") and fresh.name not in kept
    assert (tmp_path / ".aiinv" / "logs" / "prod" / "20261130T000000-1").is_dir()  # other environments untouched


def test_the_first_run_of_an_environment_needs_no_log_directory_yet(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert new_log_dir("staging").parent == Path(".aiinv/logs/staging")
