"""A stack is initialised at most once per run, even when the scheduler inits it ahead of its turn:
a second caller gets the first one's result, success or failure, without another `terraform init`.
The output of an init ahead appears only when the stack's own step asks for the init.

Runs a real Terraform through a wrapper that records each subcommand it is asked to run.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from cli.core.console import Console
from cli.engine.stackops import Context, ensure_init
from cli.synth.manifest import Stack
from cli.terraform import argv as tf
from cli.terraform.diagnostics import StackFailed
from cli.terraform.runner import ProcessRunner
from cli.terraform.tfbin import terraform_command

LOCAL = {"terraform": {"backend": {"local": {}}}, "resource": {"terraform_data": {"main": {"input": "x"}}}}
BROKEN = {"terraform": {"backend": {"s3": {"bucket": "", "key": "k", "region": "eu-central-1"}}}}


def _context(tmp_path: Path, config: dict, monkeypatch: pytest.MonkeyPatch) -> tuple[Context, Path, io.StringIO]:
    monkeypatch.setenv("AIINV_PLUGIN_CACHE", str(tmp_path / "cache"))
    directory = tmp_path / "stack"
    directory.mkdir()
    (directory / "cdk.tf.json").write_text(json.dumps(config))
    calls = tmp_path / "calls"
    recording = ["bash", "-c", f'echo "$1" >> {calls}; exec "$0" "$@"', *terraform_command()]
    shown = io.StringIO()
    ctx = Context("dev", {"s": Stack("s", directory, ())}, ProcessRunner(recording),
                  Console(color=False, out=shown, err=io.StringIO()), tf.Flags(), tool_id="t")
    return ctx, calls, shown


def test_concurrent_callers_share_one_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, calls, _ = _context(tmp_path, LOCAL, monkeypatch)
    callers = [threading.Thread(target=ensure_init, args=(ctx, "s")) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    ensure_init(ctx, "s")
    assert calls.read_text().split() == ["init"]
    assert (tmp_path / "stack" / ".terraform" / "aiinv-init").is_file()


def test_a_failed_init_is_reported_again_without_running_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, calls, _ = _context(tmp_path, BROKEN, monkeypatch)
    with pytest.raises(StackFailed) as first:
        ensure_init(ctx, "s")
    with pytest.raises(StackFailed) as second:
        ensure_init(ctx, "s")
    assert first.value.message.startswith("init failed") and second.value is first.value
    assert calls.read_text().split() == ["init"]


def test_output_of_an_init_ahead_is_shown_when_the_stack_takes_its_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, calls, shown = _context(tmp_path, BROKEN, monkeypatch)
    with pytest.raises(StackFailed):
        ensure_init(ctx, "s", ahead=True)
    assert shown.getvalue() == ""  # a stack later skipped or blocked would print nothing
    with pytest.raises(StackFailed):
        ensure_init(ctx, "s")
    lines = shown.getvalue().splitlines()
    assert lines and all(line.startswith("[s] ") for line in lines)
    assert any("Error:" in line for line in lines)
    assert calls.read_text().split() == ["init"]
