"""Settings that exist once per AWS account (and region), whatever the environment: owned by `aiinv bootstrap`.

- API Gateway's CloudWatch Logs role (`aws_api_gateway_account`): stage logging needs it, and it is one
  value per account and region. If every environment's stack managed it, each apply would repoint it and
  the other environments' plans and drift would show a change forever. Bootstrap creates one role for
  the account (`<project>-apigateway-cloudwatch`) and sets it where no role is set yet or where one of
  the per-environment roles of earlier versions (`<project>-apigateway-logs-role-<env>`) is set, so the
  next apply can delete those; a role that someone else set is kept.
- Cost-allocation activation of the `environment` tag, which every resource carries and every
  environment's budget filters on. AWS lists a tag key for activation only after resources carry it
  (up to 24 hours after the first apply); until then bootstrap reports it as pending.

All calls are idempotent: running bootstrap again repairs and reports, never duplicates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modules.config.environments import ENVIRONMENT_NAMES
from modules.config.naming import COST_ALLOCATION_TAG, Naming
from modules.constructs.perms import APIGATEWAY_PUSH_TO_LOGS_POLICY

APIGATEWAY_LOGGING_ROLE = "apigateway-cloudwatch"
FORMER_ENVIRONMENT_ROLE = "apigateway-logs-role"


@dataclass(frozen=True)
class Setting:
    resource: str
    name: str
    state: str
    """created, already existed (settings ensured), kept (set by someone else), pending: <why>."""


def ensure_account_settings(config: Any, session: Any) -> list[Setting]:
    """Apply the account-level settings through `session` (a boto3 session); report each."""
    naming = Naming(config)
    return [
        _apigateway_logging(naming, session.client("iam"), session.client("apigateway", region_name=config.region)),
        _cost_allocation_tag(session.client("ce", region_name="us-east-1")),
    ]


def apigateway_logging_role_arn(apigateway: Any) -> str:
    """The CloudWatch role API Gateway uses in this account and region ('' when none is set)."""
    return apigateway.get_account().get("cloudwatchRoleArn", "") or ""


def _apigateway_logging(naming: Naming, iam: Any, apigateway: Any) -> Setting:
    role_name = naming.account_resource(APIGATEWAY_LOGGING_ROLE)
    current = apigateway_logging_role_arn(apigateway)
    ours = {role_name, *(f"{naming.config.project_name}-{FORMER_ENVIRONMENT_ROLE}-{env}" for env in ENVIRONMENT_NAMES)}
    if current and current.rsplit("/", 1)[-1] not in ours:
        return Setting("API Gateway logging role", current, "kept (set before, by someone else)")
    existed = True
    try:
        arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        existed = False
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole",
        }]}
        arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust),
                              Description="API Gateway writes execution and access logs to CloudWatch Logs "
                                          "(account-level, owned by aiinv bootstrap)")["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=APIGATEWAY_PUSH_TO_LOGS_POLICY)
    if current != arn:
        apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}])
    return Setting("API Gateway logging role", arn, "already existed (settings ensured)" if existed else "created")


def _cost_allocation_tag(ce: Any) -> Setting:
    from botocore.exceptions import ClientError

    try:
        answer = ce.update_cost_allocation_tags_status(
            CostAllocationTagsStatus=[{"TagKey": COST_ALLOCATION_TAG, "Status": "Active"}])
    except ClientError as exc:
        return Setting("cost-allocation tag", COST_ALLOCATION_TAG, f"pending: {exc.response['Error'].get('Code')}; "
                       "run bootstrap again once resources carry the tag")
    if answer.get("Errors"):
        code = answer["Errors"][0].get("Code", "error")
        return Setting("cost-allocation tag", COST_ALLOCATION_TAG,
                       f"pending: {code} (AWS lists the tag up to 24 h after resources carry it; "
                       "run bootstrap again then)")
    return Setting("cost-allocation tag", COST_ALLOCATION_TAG, "active")
