"""Terraform's state locks in the environment's lock table: which stack is locked, by whom, since when.

Where a stack's state and lock live comes from its own synthesized S3 backend (bucket, key, table,
region, endpoints): the lock of a stack is the table item `LockID = <bucket>/<key>`, whose `Info` is the
JSON Terraform writes (ID, Operation, Who, Created).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cli.core.errors import AiinvError
from cli.synth.manifest import Stack


@dataclass(frozen=True)
class Backend:
    bucket: str
    key: str
    table: str
    region: str
    s3_endpoint: str | None = None
    dynamodb_endpoint: str | None = None

    @property
    def lock_id(self) -> str:
        return f"{self.bucket}/{self.key}"

    def client(self, service: str):  # noqa: ANN201 - a boto3 client
        """A client with short timeouts: a frozen backend is reported, not waited for."""
        import boto3
        from botocore.config import Config

        endpoint = self.s3_endpoint if service == "s3" else self.dynamodb_endpoint
        config = Config(connect_timeout=5, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
        return boto3.client(service, region_name=self.region, endpoint_url=endpoint or None, config=config)


@dataclass(frozen=True)
class StateLock:
    stack: str
    lock_id: str
    who: str
    operation: str
    created: str

    def describe(self, env: str) -> str:
        return (
            f"the state of {self.stack} is still locked (lock {self.lock_id}, {self.operation} by {self.who} "
            f"since {self.created}); once no run holds it: aiinv unlock --env {env} --stack {self.stack} "
            f"{self.lock_id}"
        )


class LockTableMissing(AiinvError):
    def __init__(self, backend: Backend, env: str) -> None:
        super().__init__(
            f"the lock table {backend.table} does not exist in {backend.region}; "
            f"run `aiinv bootstrap --env {env}` (or check the region and account)"
        )


def backend_of(stack: Stack) -> Backend | None:
    s3 = stack.config().get("terraform", {}).get("backend", {}).get("s3")
    if not s3 or not s3.get("dynamodb_table"):
        return None
    endpoints = s3.get("endpoints", {})
    return Backend(
        bucket=s3["bucket"],
        key=s3["key"],
        table=s3["dynamodb_table"],
        region=s3.get("region", ""),
        s3_endpoint=endpoints.get("s3"),
        dynamodb_endpoint=endpoints.get("dynamodb"),
    )


def lock_of(name: str, backend: Backend, env: str) -> StateLock | None:
    """The lock Terraform holds on the stack's state, or None."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        item = backend.client("dynamodb").get_item(
            TableName=backend.table, Key={"LockID": {"S": backend.lock_id}}, ConsistentRead=True
        ).get("Item")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise LockTableMissing(backend, env) from None
        raise AiinvError(f"cannot read the lock of {name} from {backend.table}: {exc}") from None
    except BotoCoreError as exc:
        raise AiinvError(f"cannot read the lock of {name} from {backend.table}: {exc}") from None
    if not item or "Info" not in item:
        return None
    try:
        info = json.loads(item["Info"]["S"])
    except (KeyError, ValueError):
        info = {}
    return StateLock(
        stack=name,
        lock_id=str(info.get("ID", "?")),
        who=str(info.get("Who", "?")),
        operation=str(info.get("Operation", "?")).removeprefix("OperationType").lower(),
        created=str(info.get("Created", "?")),
    )


def held(stacks: Mapping[str, Stack], names: Iterable[str], env: str) -> list[StateLock]:
    """Locks still held on the given stacks' states (stacks without a locking backend are skipped)."""
    found = []
    for name in names:
        backend = backend_of(stacks[name])
        if backend is not None:
            lock = lock_of(name, backend, env)
            if lock is not None:
                found.append(lock)
    return found
