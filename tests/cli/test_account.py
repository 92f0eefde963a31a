"""`aiinv bootstrap` owns the settings that exist once per account and region, whatever the environment."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from cli.main import app
from modules.config.naming import COST_ALLOCATION_TAG

REGION = "eu-central-1"
ROLE = "ai-investment-apigateway-cloudwatch"


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # AWS-managed policies exist in every account; moto loads them on request.
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        yield


def _bootstrap(env: str) -> dict[str, str]:
    result = CliRunner().invoke(app, ["bootstrap", "--env", env], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(line.split(": ", 1) for line in result.output.splitlines())


def _logging_role() -> str:
    return boto3.client("apigateway", region_name=REGION).get_account().get("cloudwatchRoleArn", "")


def test_the_first_environment_sets_up_the_account_and_the_next_ones_find_it(account) -> None:
    first = _bootstrap("dev")
    arn = f"arn:aws:iam::123456789012:role/{ROLE}"
    assert first[f"API Gateway logging role {arn}"] == "created"
    # AWS has not yet noticed the tag on the state bucket and lock table: it refuses to activate it, and bootstrap
    # says when to retry; the next bootstrap activates it.
    assert first[f"cost-allocation tag {COST_ALLOCATION_TAG}"] == (
        "pending: TagKeyNotFound (AWS lists the tag up to 24 h after resources carry it; run bootstrap again then)")
    assert boto3.client("ce", region_name="us-east-1").list_cost_allocation_tags()["CostAllocationTags"] == []
    assert _bootstrap("dev")[f"cost-allocation tag {COST_ALLOCATION_TAG}"] == "active"
    expected = {"project": "ai-investment", "environment": "dev", "stack": "bootstrap", "managed-by": "aiinv"}
    bucket = "ai-investment-tfstate-dev-123456789012-eu-central-1"
    assert {t["Key"]: t["Value"] for t in boto3.client("s3", region_name=REGION).get_bucket_tagging(
        Bucket=bucket)["TagSet"]} == expected
    ddb = boto3.client("dynamodb", region_name=REGION)
    table = ddb.describe_table(TableName="ai-investment-tflock-dev")["Table"]["TableArn"]
    assert {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table)["Tags"]} == expected
    assert _logging_role() == arn
    iam = boto3.client("iam")
    trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "apigateway.amazonaws.com"}]
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    tags = boto3.client("ce", region_name="us-east-1").list_cost_allocation_tags()["CostAllocationTags"]
    assert [(t["TagKey"], t["Status"]) for t in tags] == [(COST_ALLOCATION_TAG, "Active")]

    for env in ("staging", "prod", "dev"):
        again = _bootstrap(env)
        assert again[f"API Gateway logging role {arn}"] == "already existed (settings ensured)"
    # One role for the whole account, however many environments it holds.
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if "apigateway" in r["RoleName"]]
    assert roles == [ROLE] and _logging_role() == arn


def test_a_logging_role_that_someone_else_set_is_kept(account) -> None:
    theirs = boto3.client("iam").create_role(RoleName="platform-team-apigw-logs", AssumeRolePolicyDocument="{}")
    arn = theirs["Role"]["Arn"]
    boto3.client("apigateway", region_name=REGION).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    report = _bootstrap("dev")
    assert report[f"API Gateway logging role {arn}"] == "kept (set before, by someone else)"
    assert _logging_role() == arn


def test_the_per_environment_role_of_earlier_versions_is_replaced_by_the_account_role(account) -> None:
    former = boto3.client("iam").create_role(RoleName="ai-investment-apigateway-logs-role-staging",
                                             AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("apigateway", region_name=REGION).update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": former}])
    _bootstrap("dev")
    assert _logging_role() == f"arn:aws:iam::123456789012:role/{ROLE}"
