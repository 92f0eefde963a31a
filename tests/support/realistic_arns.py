"""Terraform expressions in synthesized stacks replaced by the values they will have in the account: table,
bucket, queue, secret, key, log-group and API ARNs built from the names in the stacks (following cross-stack
reads)."""

from __future__ import annotations

import re
from typing import Any

from modules.config import load_environment
from tests.support.api_calls import SECRET_SUFFIX
from tests.support.references import REMOTE_READ, upstream_stack_name

_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
_REFERENCE = re.compile(r"^(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$")
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
API_ID = "a1b2c3d4e5"
STREAM_LABEL = "2026-12-01T00:00:00.000"


class Realistic:
    """Replaces Terraform expressions in a policy with the values they will have in the account."""

    def __init__(self, stacks: dict[str, dict[str, Any]], env_name: str) -> None:
        config = load_environment(env_name, env={})
        self.stacks, self.region, self.account = stacks, config.region, config.account_id

    def text(self, stack: str, text: str) -> str:
        return _EXPRESSION.sub(lambda m: self.value(stack, m.group(1)), text)

    def value(self, stack: str, expression: str) -> str:
        remote = re.fullmatch(REMOTE_READ.pattern, expression)
        if remote:
            upstream = upstream_stack_name(self.stacks[stack], remote.group(1))
            return self.text(upstream, self.stacks[upstream]["output"][remote.group(2)]["value"])
        reference = _REFERENCE.match(expression)
        if not reference:
            return "x" * 64
        rtype, name, attribute = reference.groups()
        body = self.stacks[stack]["resource"][rtype][name]
        return self.attribute(stack, rtype, body, attribute)

    def attribute(self, stack: str, rtype: str, body: dict[str, Any], attribute: str) -> str:
        r, a = self.region, self.account
        named = self.text(stack, str(body.get("name") or body.get("bucket") or body.get("table_name") or "x" * 40))
        if attribute in ("name", "bucket") or (attribute == "id" and rtype == "aws_s3_bucket"):
            return named  # a bucket's id is its name
        if attribute == "stream_arn":
            return f"arn:aws:dynamodb:{r}:{a}:table/{named}/stream/{STREAM_LABEL}"
        if attribute == "execution_arn":
            return f"arn:aws:execute-api:{r}:{a}:{API_ID}"
        if attribute == "url" and rtype == "aws_sqs_queue":
            return f"https://sqs.{r}.amazonaws.com/{a}/{named}"
        arns = {
            "aws_dynamodb_table": f"arn:aws:dynamodb:{r}:{a}:table/{named}",
            "aws_s3_bucket": f"arn:aws:s3:::{named}",
            "aws_sqs_queue": f"arn:aws:sqs:{r}:{a}:{named}",
            "aws_kms_key": f"arn:aws:kms:{r}:{a}:key/{KEY_ID}",
            "aws_secretsmanager_secret": f"arn:aws:secretsmanager:{r}:{a}:secret:{named}-{SECRET_SUFFIX}",
            "aws_cloudwatch_log_group": f"arn:aws:logs:{r}:{a}:log-group:{named}",
            "aws_timestreamwrite_table": f"arn:aws:timestream:{r}:{a}:database/{'x' * 40}/table/{named}",
        }
        return arns.get(rtype, f"arn:aws:{'x' * 120}")
