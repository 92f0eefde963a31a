"""What `aiinv drift` counts as drift in a refresh-only plan: changes to what the configuration sets, not the values
a refresh fills in after every apply (seen with the real AWS provider on the six stacks)."""

from __future__ import annotations

from cli.plans.drift_rule import drifted

CONFIG = {"resource": {
    "aws_iam_policy": {"Grants": {"name": "grants", "policy": '{"Statement": []}', "//": {"metadata": {}}}},
    "aws_s3_bucket": {"Data": {"bucket": "data", "force_destroy": False, "lifecycle": {"prevent_destroy": True}}},
    "aws_s3_bucket_lifecycle_configuration": {"Rules": {"bucket": "data", "rule": [
        {"id": "tiering", "status": "Enabled", "transition": [{"days": 30, "storage_class": "GLACIER"}]}]}},
}}


def plan(*drift: dict, outputs: dict | None = None) -> dict:
    return {"resource_drift": list(drift), "output_changes": outputs or {}}


def change(address: str, before: dict | None, after: dict | None, actions: tuple[str, ...] = ("update",)) -> dict:
    return {"address": address, "mode": "managed", "change": {"actions": list(actions), "before": before,
                                                              "after": after}}


def test_what_a_refresh_fills_in_after_an_apply_is_not_drift() -> None:
    policy = {"name": "grants", "policy": '{"Statement": []}'}
    bucket = {"bucket": "data", "force_destroy": False}
    found = drifted(plan(
        change("aws_iam_policy.Grants", {**policy, "attachment_count": 0, "tags": None},
               {**policy, "attachment_count": 1, "tags": {}}),
        change("aws_s3_bucket.Data", {**bucket, "versioning": [], "policy": ""},
               {**bucket, "versioning": [{"enabled": True, "mfa_delete": False}], "policy": '{"Statement": []}'}),
        change("aws_s3_bucket_lifecycle_configuration.Rules",
               {"bucket": "data", "rule": [{"id": "tiering", "status": "Enabled", "filter": [],
                                           "transition": [{"days": 30, "storage_class": "GLACIER", "date": None}]}]},
               {"bucket": "data", "rule": [{"id": "tiering", "status": "Enabled", "filter": [{"prefix": ""}],
                                           "transition": [{"days": 30, "storage_class": "GLACIER", "date": ""}]}]}),
    ), CONFIG)
    assert found == []


def test_a_configured_argument_changed_outside_terraform_is_drift() -> None:
    found = drifted(plan(
        change("aws_iam_policy.Grants", {"name": "grants", "policy": '{"Statement": []}'},
               {"name": "grants", "policy": '{"Statement": [{"Effect": "Allow"}]}'}),
        change("aws_s3_bucket_lifecycle_configuration.Rules",
               {"bucket": "data", "rule": [{"id": "tiering", "status": "Enabled",
                                           "transition": [{"days": 30, "storage_class": "GLACIER"}]}]},
               {"bucket": "data", "rule": [{"id": "tiering", "status": "Disabled",
                                           "transition": [{"days": 30, "storage_class": "GLACIER"}]}]}),
    ), CONFIG)
    assert found == ["aws_iam_policy.Grants", "aws_s3_bucket_lifecycle_configuration.Rules"]


def test_a_resource_deleted_outside_terraform_or_unknown_to_the_configuration_is_drift() -> None:
    found = drifted(plan(
        change("aws_s3_bucket.Data", {"bucket": "data"}, None, ("delete",)),
        change("aws_sqs_queue.Stray", {"name": "a"}, {"name": "b"}),
    ), CONFIG)
    assert found == ["aws_s3_bucket.Data", "aws_sqs_queue.Stray"]


def test_an_output_whose_recorded_value_changes_is_drift_and_data_sources_are_not() -> None:
    read = {"address": "data.aws_caller_identity.me", "mode": "data",
            "change": {"actions": ["read"], "before": None, "after": {}}}
    found = drifted(plan(read, outputs={"name": {"actions": ["update"]}, "same": {"actions": ["no-op"]}}), CONFIG)
    assert found == ["output.name"]
