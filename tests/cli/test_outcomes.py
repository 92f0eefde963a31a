"""Exit-code aggregation, plan summaries, the review Markdown and the retained-resource marker."""

from __future__ import annotations

import pytest

from cli.core.errors import ExitCode, aggregate
from cli.plans.changes import Changes, summarize
from cli.plans.report import GITHUB_COMMENT_LIMIT, markdown
from cli.synth.manifest import retained_addresses
from cli.terraform.diagnostics import failure, first_error
from cli.terraform.runner import Result


@pytest.mark.parametrize(("statuses", "code"), [
    (["no changes", "no changes"], ExitCode.OK),
    (["no changes", "changes"], ExitCode.CHANGES),
    (["changes", "blocked"], ExitCode.BLOCKED),
    (["blocked", "failed"], ExitCode.ERROR),
    (["skipped", "changes"], ExitCode.ERROR),
    (["failed", "interrupted"], ExitCode.INTERRUPTED),
    (["applied", "destroyed"], ExitCode.OK),
    (["drift"], ExitCode.CHANGES),
])
def test_aggregate_precedence(statuses, code) -> None:
    assert aggregate(statuses) is code


def test_exit_codes_are_distinct() -> None:
    assert len({int(c) for c in ExitCode}) == len(ExitCode)
    assert (ExitCode.OK, ExitCode.ERROR, ExitCode.CHANGES, ExitCode.BLOCKED, ExitCode.INTERRUPTED) == (0, 1, 2, 3, 130)


def test_summarize_classifies_actions_and_output_changes() -> None:
    plan = {"resource_changes": [
        {"address": "a.new", "mode": "managed", "change": {"actions": ["create"]}},
        {"address": "a.gone", "mode": "managed", "change": {"actions": ["delete"]}},
        {"address": "a.swap", "mode": "managed", "change": {"actions": ["delete", "create"]}},
        {"address": "a.edit", "mode": "managed", "change": {"actions": ["update"]}},
        {"address": "a.same", "mode": "managed", "change": {"actions": ["no-op"]}},
        {"address": "data.x", "mode": "data", "change": {"actions": ["read"]}},
    ], "output_changes": {"o1": {"actions": ["update"]}, "o2": {"actions": ["no-op"]}}}
    c = summarize(plan)
    assert (c.add, c.destroy, c.replace, c.change, c.outputs) == (["a.new"], ["a.gone"], ["a.swap"], ["a.edit"], ["o1"])
    assert c.destructive == ["destroy a.gone", "replace a.swap"]


def test_markdown_puts_destructive_changes_first_and_fits_a_comment() -> None:
    many = Changes(add=[f"terraform_data.r{i:05d}" for i in range(5000)], destroy=["aws_s3_bucket.raw"])
    report = {"exit_code": 2, "stacks": {
        "p-data-dev": {"status": "changes", "detail": "", "changes": many.to_json()},
        "p-api-dev": {"status": "blocked", "detail": "blocked by p-data-dev", "changes": Changes().to_json()},
    }}
    text = markdown("dev", report)
    assert text.splitlines()[0] == "<!-- aiinv-plan:dev -->"  # CI finds this environment's PR comment by it
    assert text.index("Destructive changes") < text.index("| stack |")
    assert "`p-data-dev`: destroy aws_s3_bucket.raw" in text
    assert "blocked (blocked by p-data-dev)" in text
    assert len(text) < GITHUB_COMMENT_LIMIT and "Truncated" in text


def test_retained_addresses_come_from_the_comment_marker() -> None:
    config = {"resource": {
        "aws_s3_bucket": {"raw": {"//": {"metadata": {}, "retain_on_destroy": True}}, "tmp": {"//": {}}},
        "aws_dynamodb_table": {"signals": {"//": {"retain_on_destroy": True}}},
    }}
    assert retained_addresses(config) == ["aws_dynamodb_table.signals", "aws_s3_bucket.raw"]


def test_lock_failure_becomes_one_clear_line() -> None:
    text = ("Error: Error acquiring the state lock\n\nLock Info:\n  ID:        abc-123\n  Path:      b/k\n"
            "  Operation: OperationTypeApply\n  Who:       ci@runner\n  Created:   2026-01-01\n")
    message = failure("p-data-dev", "apply", Result(1, "", text), env="dev").message
    assert message == ("apply: the state of p-data-dev is locked by another run (lock abc-123, apply "
                       "by ci@runner since 2026-01-01); wait for it to finish or raise --lock-timeout; "
                       "if that run is gone: aiinv unlock --env dev --stack p-data-dev abc-123")
    assert "\n" not in message


def test_a_missing_lock_table_is_reported_as_missing_not_as_a_lock() -> None:
    text = ("Error: Error acquiring the state lock\n\nError message: operation error DynamoDB: PutItem, "
            "ResourceNotFoundException: Requested resource not found\n")
    message = failure("p-data-dev", "plan", Result(1, "", text), env="dev").message
    assert message == ("plan: the lock table of p-data-dev does not exist; run `aiinv bootstrap --env dev` "
                       "(or check the region and account)")


def test_blocked_names_the_upstream_of_the_error_block_not_the_first_remote_state_in_the_output() -> None:
    text = ("data.terraform_remote_state.cross-stack-reference-input-p-auth-dev: Reading...\n"
            "data.terraform_remote_state.cross-stack-reference-input-p-auth-dev: Read complete after 0s\n"
            "Warning: something about cross-stack-reference-input-p-security-dev\n\n"
            "Error: Unable to find remote state\n\n  with data.terraform_remote_state."
            "cross-stack-reference-input-p-compute-dev,\n  on cdk.tf.json line 9\n")
    error = failure("p-api-dev", "plan", Result(1, "", text))
    assert error.blocked_by == "p-compute-dev" and error.message.startswith("blocked by p-compute-dev:")


def test_missing_remote_state_is_reported_as_blocked() -> None:
    text = ("│ Error: Unable to find remote state\n│ \n│   with data.terraform_remote_state."
            "cross-stack-reference-input-p-security-dev,\n")
    error = failure("p-data-dev", "plan", Result(1, "", text))
    assert error.blocked_by == "p-security-dev"


def test_first_error_strips_diagnostic_box() -> None:
    assert first_error("x\n│ Error: Resource precondition failed\n│ more") == "Resource precondition failed"
