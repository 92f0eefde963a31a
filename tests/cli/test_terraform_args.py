from __future__ import annotations

from pathlib import Path

from cli.terraform import argv as tf


def test_plan_argv_is_non_interactive_plain_and_detailed() -> None:
    argv = tf.plan(tf.Flags(color=False, lock_timeout="30s"), out=Path("/p/tfplan"))
    assert argv == ["plan", "-input=false", "-no-color", "-lock-timeout=30s", "-detailed-exitcode", "-out=/p/tfplan"]


def test_color_drops_no_color_only() -> None:
    assert "-no-color" not in tf.init(tf.Flags(color=True))
    assert "-input=false" in tf.init(tf.Flags(color=True))


def test_refresh_only_and_saved_apply() -> None:
    assert "-refresh-only" in tf.plan(tf.Flags(), refresh_only=True)
    assert tf.apply_saved(tf.Flags(), Path("/p/tfplan"))[-1] == "/p/tfplan"


def test_state_rm_takes_every_address_in_one_call() -> None:
    assert tf.state_rm(tf.Flags(), ["a.b", "c.d"]) == ["state", "rm", "-lock-timeout=0s", "a.b", "c.d"]


def test_destroy_never_prompts() -> None:
    assert {"-auto-approve", "-input=false"} <= set(tf.destroy(tf.Flags()))
