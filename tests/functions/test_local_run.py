"""`aiinv local run`: the whole pipeline on moto with the shipped samples, as a person would run it."""

from __future__ import annotations

import json

from conftest import handler_module
from typer.testing import CliRunner

from cli.commands.local import local_app

PACKAGES = ("ingest_news", "ingest_social", "score", "orchestrator", "evaluation")


def test_local_run_prints_the_pipeline_figures(environment):
    for package in PACKAGES:  # loaded once under the test environment, as the other tests expect
        handler_module(package)

    result = CliRunner().invoke(local_app, ["run"])

    assert result.exit_code == 0, result.output
    # stdout holds only the figures; what the functions print (their log stream) goes to stderr.
    lines = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())
    assert lines["signals ingested"] == "13"
    assert lines["duplicates skipped"] == "1"
    assert lines["signals scored"] == "13 (0 failed)"
    assert lines["proposal AAPL"].startswith("long")
    assert lines["proposal TSLA"].startswith("short")
    assert lines["risk check"] == "3 passed, 0 rejected"
    assert lines["approved"] == "3"
    assert lines["hit rate"] == "100%"
    assert lines["outcome AAPL"].endswith("hit")


def test_local_run_json_figures_agree(environment):
    for package in PACKAGES:
        handler_module(package)

    result = CliRunner().invoke(local_app, ["run", "--json"])

    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)  # stdout is exactly one JSON document
    assert figures["signals_stored"] == figures["signals_ingested"] == 13
    assert len(figures["outcomes"]) == figures["approved"] == 3
    returns = [o["return"] for o in figures["outcomes"]]
    assert abs(figures["average_return"] - sum(returns) / len(returns)) < 1e-6
