"""Every AWS API call the functions make, as the IAM request it becomes: action and resource ARN.

A botocore `before-call` hook (registered for every session, as moto registers its own stubber) sees each
request a boto3 client sends, with the parameters the caller gave (kept at `before-parameter-build`) and the
endpoint it goes to. The function it belongs to is the handler running at the time: handlers are invoked one at
a time, so calls from a handler's worker threads belong to it too.

The IAM request of an API call is `<signing name>:<operation>` on the resource the parameters name, with the
exceptions the Service Authorization Reference documents (`EXCEPTIONS` below and the per-service functions).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

SECRET_SUFFIX = "AbCdEf"
"""Secrets Manager appends six random characters to a secret's name in its ARN; recorded calls and the realistic
ARNs of the synthesized policies use this same stand-in."""


@dataclass(frozen=True)
class Call:
    action: str
    resource: str


@dataclass(frozen=True)
class Where:
    region: str
    account: str


# Operations whose IAM action is not `<signing name>:<operation>` (Service Authorization Reference, Amazon S3 and
# Amazon SQS "Actions defined by"; S3 versions: a VersionId makes GetObject the GetObjectVersion action, and a
# delete of a version needs s3:DeleteObjectVersion besides s3:DeleteObject, which the S3 API Reference says a
# delete "must always" have (DeleteObject and DeleteObjects, "Permissions")).
EXCEPTIONS = {
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "CreateMultipartUpload"): "s3:PutObject",
    ("s3", "UploadPart"): "s3:PutObject",
    ("s3", "CompleteMultipartUpload"): "s3:PutObject",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("timestream", "Query"): "timestream:Select",
}
# TransactWriteItems/TransactGetItems have no action of their own: each item is authorised as the single-item
# action it performs (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions").
TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                         "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def table_arn(where: Where, name: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{where.region}:{where.account}:table/{name}"


def queue_arn(where: Where, url: str) -> str:
    account, name = urlparse(url).path.strip("/").split("/")[-2:]
    return f"arn:aws:sqs:{where.region}:{account}:{name}"


def secret_arn(where: Where, secret_id: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id
    return f"arn:aws:secretsmanager:{where.region}:{where.account}:secret:{secret_id}-{SECRET_SUFFIX}"


def _dynamodb(where: Where, operation: str, params: dict[str, Any]) -> list[Call]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [Call(f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}", table_arn(where, body["TableName"]))
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [Call(f"dynamodb:{operation}", table_arn(where, name)) for name in params["RequestItems"]]
    if operation == "ListStreams":
        return [Call("dynamodb:ListStreams", "*")]
    if "StreamArn" in params:
        return [Call(f"dynamodb:{operation}", params["StreamArn"])]
    arn = table_arn(where, params["TableName"])
    if params.get("IndexName"):
        arn = f"{arn}/index/{params['IndexName']}"
    return [Call(f"dynamodb:{operation}", arn)]


def _s3(operation: str, params: dict[str, Any]) -> list[Call]:
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    action = EXCEPTIONS.get(("s3", operation), f"s3:{operation}")
    if operation == "DeleteObjects":
        return [Call(a, f"{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]
                for a in _delete_actions(bool(o.get("VersionId")))]
    if "Key" not in params:
        return [Call(action, bucket)]
    if action == "s3:DeleteObject":
        return [Call(a, f"{bucket}/{params['Key']}") for a in _delete_actions(bool(params.get("VersionId")))]
    if params.get("VersionId") and action == "s3:GetObject":
        action += "Version"
    return [Call(action, f"{bucket}/{params['Key']}")]


def _delete_actions(versioned: bool) -> tuple[str, ...]:
    return ("s3:DeleteObject", "s3:DeleteObjectVersion") if versioned else ("s3:DeleteObject",)


def _sqs(where: Where, operation: str, params: dict[str, Any]) -> list[Call]:
    action = EXCEPTIONS.get(("sqs", operation), f"sqs:{operation}")
    if operation == "GetQueueUrl":
        account = params.get("QueueOwnerAWSAccountId", where.account)
        return [Call(action, f"arn:aws:sqs:{where.region}:{account}:{params['QueueName']}")]
    return [Call(action, queue_arn(where, params["QueueUrl"]))]


# The WebSocket management API authorises every operation as execute-api:ManageConnections on
# `<api>/<stage>/<method>/@connections/<id>` (API Gateway Developer Guide, "Use @connections commands").
MANAGEMENT_METHODS = {"PostToConnection": "POST", "GetConnection": "GET", "DeleteConnection": "DELETE"}


def _execute_api(where: Where, operation: str, params: dict[str, Any], url: str) -> list[Call]:
    parsed = urlparse(url)
    api = parsed.hostname.split(".")[0] if parsed.hostname else ""
    stage = parsed.path.strip("/").split("/")[0]
    return [Call("execute-api:ManageConnections", f"arn:aws:execute-api:{where.region}:{where.account}:{api}/"
                 f"{stage}/{MANAGEMENT_METHODS[operation]}/@connections/{params['ConnectionId']}")]


def iam_requests(service: str, operation: str, params: dict[str, Any], where: Where, url: str) -> list[Call]:
    """The IAM requests of one API call (`service`: the signing name)."""
    if service == "dynamodb":
        return _dynamodb(where, operation, params)
    if service == "s3":
        return _s3(operation, params)
    if service == "sqs":
        return _sqs(where, operation, params)
    if service == "secretsmanager":
        return [Call(f"secretsmanager:{operation}", secret_arn(where, params["SecretId"]))]
    if service == "execute-api":
        return _execute_api(where, operation, params, url)
    raise NotImplementedError(f"no IAM mapping for {service}:{operation}: add it to tests/support/api_calls.py")


class Recorder:
    """Collects (function, Call) while installed; `invoking(function)` names the function running."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.calls: dict[str, set[Call]] = {}
        self.unmapped: list[str] = []
        self._running: str | None = None
        self._lock = threading.Lock()

    @contextmanager
    def invoking(self, function: str) -> Iterator[None]:
        previous, self._running = self._running, function
        try:
            yield
        finally:
            self._running = previous

    def wrap(self, function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        def invoke(event: Any, context: Any) -> Any:
            with self.invoking(function):
                return handler(event, context)

        return invoke

    def add(self, function: str, calls: list[Call]) -> None:
        with self._lock:
            self.calls.setdefault(function, set()).update(calls)

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["recorded_params"] = dict(params)

    def _on_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        function = self._running
        if function is None:
            return  # the driver's own calls (provisioning, delivering queue messages)
        service = model.service_model.signing_name
        where = Where(context.get("client_region") or "", self.account)
        try:
            calls = iam_requests(service, model.name, context.get("recorded_params", {}), where, params["url"])
        except NotImplementedError as missing:
            with self._lock:
                self.unmapped.append(str(missing))
            return
        self.add(function, calls)

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        """Every botocore session created meanwhile reports to this recorder."""
        import boto3
        from botocore.handlers import BUILTIN_HANDLERS

        hooks = [("before-parameter-build", self._keep_params), ("before-call", self._on_call)]
        BUILTIN_HANDLERS.extend(hooks)
        saved, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, None
        try:
            yield self
        finally:
            for hook in hooks:
                BUILTIN_HANDLERS.remove(hook)
            boto3.DEFAULT_SESSION = saved
