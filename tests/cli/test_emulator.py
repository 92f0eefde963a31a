"""The e2e emulator answers a retried request it already carried out with its first answer, and only that."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from moto import mock_aws
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from tests.support.emulator import ReplayRetries

# Terraform's state lock: a conditional PutItem.
LOCK = {"TableName": "locks",
        "Item": {"LockID": {"S": "state/x"}}, "ConditionExpression": "attribute_not_exists(LockID)"}


def _call(client: Client, operation: str, body: dict, invocation: str | None = None, attempt: int = 1):
    headers = {
        "X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": "application/x-amz-json-1.0",
        # The emulator routes by the signature's credential scope (service and region), not the signature.
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261127/eu-central-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=unchecked",
    }
    if invocation:
        headers |= {"Amz-Sdk-Invocation-Id": invocation, "Amz-Sdk-Request": f"attempt={attempt}; max=5"}
    return client.post("/", data=json.dumps(body), headers=headers)


@pytest.fixture(autouse=True)
def _fresh_backend() -> Iterator[None]:
    with mock_aws():  # the emulator's in-process state starts and ends empty
        yield


def _emulator() -> tuple[Client, list[str]]:
    log: list[str] = []
    client = Client(ReplayRetries(DomainDispatcherApplication(create_backend_app), log.append))
    created = _call(client, "CreateTable", {
        "TableName": "locks", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "LockID", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "LockID", "AttributeType": "S"}],
    })
    assert created.status_code == 200, created.text
    return client, log


def test_a_retry_of_an_applied_conditional_put_gets_the_first_answer() -> None:
    client, log = _emulator()
    first = _call(client, "PutItem", LOCK, "inv-1")
    assert first.status_code == 200

    retry = _call(client, "PutItem", LOCK, "inv-1", attempt=2)

    assert retry.status_code == 200 and retry.data == first.data
    assert len(log) == 1 and log[0].startswith("replayed DynamoDB_20120810.PutItem attempt=2; max=5: 200 OK")


def test_another_operation_is_carried_out_and_fails_its_condition() -> None:
    client, log = _emulator()
    assert _call(client, "PutItem", LOCK, "inv-1").status_code == 200

    other = _call(client, "PutItem", LOCK, "inv-2")
    retried = _call(client, "PutItem", LOCK, "inv-2", attempt=2)  # failures are not remembered: it runs again

    for answer in (other, retried):
        assert answer.status_code == 400 and "ConditionalCheckFailedException" in answer.text
    assert log == []


def test_requests_without_an_invocation_id_pass_through() -> None:
    client, log = _emulator()
    assert _call(client, "PutItem", LOCK).status_code == 200
    assert _call(client, "PutItem", LOCK).status_code == 400
    assert log == []
