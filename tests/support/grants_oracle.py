"""What each function's role must allow, worked out from what the function does, not from `modules/constructs/perms`:

- the calls its code makes (recorded, `tests.support.recorded_run`);
- the calls Lambda makes with the function's role, from the function's synthesized configuration and the Lambda
  Developer Guide: its log stream (logs:CreateLogStream, logs:PutLogEvents: "AWSLambdaBasicExecutionRole"), active
  tracing (xray:PutTraceSegments, xray:PutTelemetryRecords: "Visualize Lambda function invocations using X-Ray"),
  an SQS event source (sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes: "Using Lambda with Amazon
  SQS", execution role permissions), a DynamoDB stream (dynamodb:DescribeStream, dynamodb:GetRecords,
  dynamodb:GetShardIterator, and dynamodb:ListStreams on "*": "Using Lambda with DynamoDB"), an SQS dead-letter queue
  or on-failure destination (sqs:SendMessage), environment variables encrypted with a customer key (kms:Decrypt
  through Lambda: "Securing Lambda environment variables"), a VPC (the network interface actions);
- the KMS requests a service makes on the caller's behalf when the resource is encrypted with the customer key
  (`KMS_ON_BEHALF`), each through that service (`kms:ViaService`).

`check` evaluates the synthesized policies with realistic ARNs (cross-stack references resolved): action and
resource wildcards as IAM matches them, `kms:ViaService` conditions as StringEquals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from modules.config import Naming, load_environment
from tests.support.api_calls import SECRET_SUFFIX, Call
from tests.support.iam import as_list, role_policies
from tests.support.realistic_arns import Realistic
from tests.support.references import References
from tests.support.synthesized import resources


@dataclass(frozen=True)
class Request:
    """One IAM request: action on resource, through a service for KMS (`via`, else None)."""

    action: str
    resource: str
    via: str | None = None


@dataclass(frozen=True)
class Grant:
    """One action on one resource pattern of one synthesized statement."""

    action: str
    resource: str
    via: str | None
    sid: str


# KMS requests a service makes with the caller's permissions for a resource under a customer key:
# S3 (User Guide, "Using server-side encryption with AWS KMS keys", permissions): uploads need
# kms:GenerateDataKey, reads kms:Decrypt. SQS (Developer Guide, "Key management": producers need
# kms:GenerateDataKey and kms:Decrypt, consumers kms:Decrypt). Secrets Manager ("Secret encryption and
# decryption": GetSecretValue needs kms:Decrypt). DynamoDB (KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS":
# the table key is decrypted with the caller's authorisation whenever the table is used).
KMS_ON_BEHALF: dict[str, tuple[str, ...]] = {
    "s3:PutObject": ("kms:GenerateDataKey",),
    "s3:GetObject": ("kms:Decrypt",),
    "s3:GetObjectVersion": ("kms:Decrypt",),
    "sqs:SendMessage": ("kms:GenerateDataKey", "kms:Decrypt"),
    "sqs:ReceiveMessage": ("kms:Decrypt",),
    "secretsmanager:GetSecretValue": ("kms:Decrypt",),
}
DYNAMODB_ITEM_ACCESS = ("kms:Decrypt",)
# A function in a VPC: Lambda manages its network interfaces with the role ("AWSLambdaVPCAccessExecutionRole").
VPC_ENI_CALLS = ("CreateNetworkInterface", "DescribeNetworkInterfaces", "DeleteNetworkInterface",
                 "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses")


def _pattern(text: str, *, case: bool) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters, `?` one."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(body, 0 if case else re.IGNORECASE)


def covers(pattern: str, arn: str) -> bool:
    """Whether an IAM resource pattern covers `arn` (ARNs are case-sensitive)."""
    return _pattern(pattern, case=True).fullmatch(arn) is not None


def matches(grant: Grant, request: Request) -> bool:
    """Whether the grant allows the request (actions are case-insensitive)."""
    return (grant.via == request.via and _pattern(grant.action, case=False).fullmatch(request.action) is not None
            and covers(grant.resource, request.resource))


class Deployment:
    """One environment's synthesized stacks, read as the account will see them."""

    def __init__(self, stacks: dict[str, dict[str, Any]], env_name: str) -> None:
        self.stacks, self.env_name = stacks, env_name
        self.config = load_environment(env_name, env={})
        self.naming = Naming(self.config)
        self.realistic = Realistic(stacks, env_name)
        self.refs = References(stacks)
        self.compute = self.naming.stack("compute")

    def via(self, service: str) -> str:
        return f"{service}.{self.config.region}.amazonaws.com"

    def function(self, name: str) -> tuple[str, dict[str, Any]]:
        physical = self.naming.function(name)
        (found,) = [(a, f) for a, f in resources(self.stacks[self.compute], "aws_lambda_function").items()
                    if f["function_name"] == physical]
        return found

    def role_name(self, name: str) -> str:
        _, function = self.function(name)
        (role,) = self.refs.resolve(self.compute, function["role"])
        rtype, address = role.resource.split(".", 1)
        return self.value(role.stack, self.stacks[role.stack]["resource"][rtype][address]["name"])

    def value(self, stack: str, text: str) -> str:
        return self.realistic.text(stack, text)

    def grants(self, name: str) -> list[Grant]:
        role = self.role_name(name)
        found = []
        for policy in role_policies(self.stacks):
            if self.value(policy.stack, policy.role) != role:
                continue  # attachments name the role by reference or, across stacks, by its name
            for statement in policy.document["Statement"]:
                assert statement["Effect"] == "Allow" and set(statement) <= {
                    "Sid", "Effect", "Action", "Resource", "Condition"}, statement
                condition = statement.get("Condition", {})
                assert set(condition) <= {"StringEquals"} and set(condition.get("StringEquals", {})) <= {
                    "kms:ViaService"}, f"{statement['Sid']}: a condition this oracle does not evaluate"
                via = condition.get("StringEquals", {}).get("kms:ViaService")
                for action in as_list(statement["Action"]):
                    for resource in as_list(statement["Resource"]):
                        found.append(Grant(action, self.value(policy.stack, resource), via, statement["Sid"]))
        return found

    @cached_property
    def customer_key_of(self) -> dict[str, str]:
        """Resource ARN (tables, buckets, queues, secrets) -> the customer key that encrypts it."""
        keyed: dict[str, str] = {}
        for stack_name, stack in self.stacks.items():
            encrypted = [
                *[("aws_dynamodb_table", t, (t.get("server_side_encryption") or {}).get("kms_key_arn"))
                  for t in resources(stack, "aws_dynamodb_table").values()],
                *[("aws_sqs_queue", q, q.get("kms_master_key_id")) for q in resources(stack, "aws_sqs_queue").values()],
                *[("aws_secretsmanager_secret", s, s.get("kms_key_id"))
                  for s in resources(stack, "aws_secretsmanager_secret").values()],
            ]
            for rtype, body, key in encrypted:
                if key:
                    keyed[self.realistic.attribute(stack_name, rtype, body, "arn")] = self.value(stack_name, key)
            for sse in resources(stack, "aws_s3_bucket_server_side_encryption_configuration").values():
                key = sse["rule"][0]["apply_server_side_encryption_by_default"].get("kms_master_key_id")
                if key:
                    keyed[f"arn:aws:s3:::{self.value(stack_name, sse['bucket'])}"] = self.value(stack_name, key)
        return keyed

    def platform_requests(self, name: str) -> set[Request]:
        """What Lambda does with the function's role (see the module's docstring)."""
        address, function = self.function(name)
        me = f"${{aws_lambda_function.{address}.function_name}}"
        found: set[Request] = set()
        group = self.value(self.compute, function["logging_config"]["log_group"])
        stream = f"arn:aws:logs:{self.config.region}:{self.config.account_id}:log-group:{group}:log-stream:2026/12/01"
        found |= {Request("logs:CreateLogStream", stream), Request("logs:PutLogEvents", stream)}
        if function.get("tracing_config", {}).get("mode") == "Active":
            found |= {Request("xray:PutTraceSegments", "*"), Request("xray:PutTelemetryRecords", "*")}
        if (function.get("vpc_config") or {}).get("subnet_ids"):
            found |= {Request(f"ec2:{a}", "*") for a in VPC_ENI_CALLS}
        if function.get("kms_key_arn"):
            found.add(Request("kms:Decrypt", self.value(self.compute, function["kms_key_arn"]), self.via("lambda")))
        failures = [function.get("dead_letter_config", {}).get("target_arn")]
        for mapping in resources(self.stacks[self.compute], "aws_lambda_event_source_mapping").values():
            if mapping["function_name"] != me:
                continue
            source = self.value(self.compute, mapping["event_source_arn"])
            if source.startswith("arn:aws:sqs:"):
                found |= {Request(f"sqs:{a}", source) for a in ("ReceiveMessage", "DeleteMessage",
                                                                "GetQueueAttributes")}
                found |= self.kms_requests([Request("sqs:ReceiveMessage", source)])
            else:
                found |= {Request(f"dynamodb:{a}", source) for a in ("DescribeStream", "GetRecords",
                                                                     "GetShardIterator")}
                found.add(Request("dynamodb:ListStreams", "*"))
                table = source.split("/stream/")[0]
                key = self.customer_key_of.get(table)
                if key:
                    found |= {Request(a, key, self.via("dynamodb")) for a in DYNAMODB_ITEM_ACCESS}
            failures.append(((mapping.get("destination_config") or {}).get("on_failure") or {}).get(
                "destination_arn"))
        for target in filter(None, failures):
            arn = self.value(self.compute, target)
            found.add(Request("sqs:SendMessage", arn))
            found |= self.kms_requests([Request("sqs:SendMessage", arn)])
        return found

    def kms_requests(self, requests: Iterable[Request]) -> set[Request]:
        """The KMS requests services make on the caller's behalf for `requests` (`KMS_ON_BEHALF`)."""
        keys = self.customer_key_of
        found: set[Request] = set()
        for request in requests:
            service = request.action.split(":")[0]
            if service == "dynamodb":
                holder, actions = _table_of(request.resource), DYNAMODB_ITEM_ACCESS
            elif service == "s3":
                holder, actions = request.resource.split("/")[0], KMS_ON_BEHALF.get(request.action, ())
            else:
                holder, actions = request.resource, KMS_ON_BEHALF.get(request.action, ())
            key = keys.get(holder)
            if key:
                found |= {Request(action, key, self.via(service)) for action in actions}
        return found

    def required(self, name: str, calls: Iterable[Call]) -> set[Request]:
        """Every request the function's role must allow: its recorded calls, Lambda's, and KMS's for both."""
        recorded = {Request(c.action, self.deployed(c.resource)) for c in calls}
        return recorded | self.kms_requests(recorded) | self.platform_requests(name)

    def deployed(self, arn: str) -> str:
        """A recorded ARN (the local run names things as dev, in its own account and region) with the names,
        account, region and WebSocket stage of this deployment. The local run names secrets
        `<project>-<name>-<env>`, the stacks `Naming.secret`."""
        service, region, account, resource = arn.split(":", 5)[2:]
        names = self._deployed_names
        if region:
            region, account = self.config.region, self.config.account_id
        tokens = re.split(r"([/:])", resource)
        if service == "execute-api" and len(tokens) > 2:
            tokens[2] = self.config.name  # <api>/<stage>/...: the stage is the environment's name
        for index, token in enumerate(tokens):
            base = token.removesuffix(f"-{SECRET_SUFFIX}")
            if base in names:
                tokens[index] = names[base] + token[len(base):]
        return f"arn:aws:{service}:{region}:{account}:{''.join(tokens)}"

    @cached_property
    def _deployed_names(self) -> dict[str, str]:
        """The local run's physical names -> this deployment's."""
        from cli.local.account import ACCOUNT, PROJECT, REGION, table_name
        from modules.catalog.buckets import BUCKETS
        from modules.catalog.functions import QUEUES
        from modules.catalog.secrets import SECRETS
        from modules.catalog.tables import CORE_TABLES, MARKET_DATA

        names = {table_name(t.name): self.naming.resource(t.name) for t in (*CORE_TABLES, MARKET_DATA)}
        names |= {f"{PROJECT}-{q}-dev": self.naming.resource(q) for q in QUEUES}
        names |= {f"{PROJECT}-{b.name}-dev-{ACCOUNT}-{REGION}": self.naming.bucket(b.name) for b in BUCKETS}
        names |= {f"{PROJECT}-{secret.name}-dev": self.naming.secret(secret.name) for secret in SECRETS}
        return names


def _table_of(arn: str) -> str:
    return "/".join(arn.split("/")[:2])




def unallowed(grants: list[Grant], required: Iterable[Request]) -> list[Request]:
    return sorted((r for r in required if not any(matches(g, r) for g in grants)),
                  key=lambda r: (r.action, r.resource))


def unexercised(grants: list[Grant], required: Iterable[Request]) -> list[Grant]:
    """Grants that no required request uses: a wildcard grant is used when some request falls under it."""
    required = list(required)
    return [g for g in grants if not any(matches(g, r) for r in required)]
