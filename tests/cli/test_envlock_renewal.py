"""The environment lock's renewal: a run longer than the lock's expiry keeps it; a run whose renewal stopped
(a frozen machine) loses it to the next run once it expires. Expiry and renewal are shortened here; the
lock table is moto's, in process."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import boto3
import pytest
from moto import mock_aws

from cli.core.errors import RefusedError
from cli.state import envlock
from cli.state.statelocks import Backend

TTL, RENEW = 3, 0.2
BACKEND = Backend(bucket="state-bucket-of-test", key="unused", table="lock-table-of-test", region="eu-central-1")


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    monkeypatch.setattr(envlock, "TTL_SECONDS", TTL)
    monkeypatch.setattr(envlock, "RENEW_SECONDS", RENEW)
    monkeypatch.setattr(envlock, "POLL_SECONDS", 0.05)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name=BACKEND.region).create_bucket(
            Bucket=BACKEND.bucket, CreateBucketConfiguration={"LocationConstraint": BACKEND.region})
        boto3.client("dynamodb", region_name=BACKEND.region).create_table(
            TableName=BACKEND.table, KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield BACKEND


def _until(condition: Callable[[], bool], deadline: float) -> bool:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def test_a_run_longer_than_the_expiry_keeps_its_lock(backend: Backend) -> None:
    first = envlock.EnvironmentLock(backend, "dev", "123456789012")
    first.acquire("apply", 0, say=lambda _: None)
    try:
        taken = first.current()
        assert taken is not None and taken.run_id == first.run_id
        # Wait past the first expiry (by the lock's own clock): the renewals moved it on.
        assert _until(lambda: time.time() > taken.expires + 1, deadline=TTL + 10)
        kept = first.current()
        assert kept is not None and kept.run_id == first.run_id and kept.expires > taken.expires
        second = envlock.EnvironmentLock(backend, "dev", "123456789012")
        with pytest.raises(RefusedError, match=f"environment dev is locked by run {first.run_id}"):
            second.acquire("destroy", 0, say=lambda _: None)
    finally:
        first.release()
    assert first.current() is None


def test_a_run_whose_renewal_stopped_loses_the_lock_to_the_next_once_it_expires(backend: Backend) -> None:
    frozen = envlock.EnvironmentLock(backend, "dev", "123456789012")
    frozen.acquire("apply", 0, say=lambda _: None)
    frozen._stop.set()  # its renewal stops, as on a frozen machine; the process itself (this one) is alive
    frozen._renewer.join(10)
    held = frozen.current()
    assert held is not None
    said: list[str] = []
    second = envlock.EnvironmentLock(backend, "dev", "123456789012")
    second.acquire("apply", TTL + 30, say=said.append)  # waits, then takes the expired lock
    try:
        now = second.current()
        assert now is not None and now.run_id == second.run_id
        assert time.time() >= held.expires  # not a moment before it expired
        assert said == [f"waiting up to {TTL + 30}s for the environment lock of {held.describe()}"]
    finally:
        second.release()
    frozen.release()  # finds the lock taken over: removes nothing of the new holder's
    assert second.current() is None
