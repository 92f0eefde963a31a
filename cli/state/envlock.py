"""The environment lock: one writer per environment, across checkouts and machines.

plan, apply, destroy and drift take it before touching any stack. It is one item of the environment's
lock table (`LockID = aiinv-environment`) that says who holds it: run ID, command, who (user@host),
process id, since, and an expiry that the holder renews while it runs. A second run fails fast with
that information, or waits under `--lock-timeout`. A holder that died stops renewing: its lock
expires after `TTL_SECONDS`, or `aiinv unlock --env ENV RUN_ID` removes it sooner (refused while that
run is alive on this machine). A holder on this machine whose process is provably gone (pid and start
time) is taken over at once, with a warning.

The same first call tells a missing lock table or state bucket apart from a lock: both are reported
with `aiinv bootstrap` as the fix, before any Terraform runs.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from cli.core.errors import AiinvError, RefusedError
from cli.state import liveruns
from cli.state.statelocks import Backend, LockTableMissing

ITEM_ID = "aiinv-environment"
TTL_SECONDS = 300
RENEW_SECONDS = 60
POLL_SECONDS = 1.0


class StateBucketMissing(AiinvError):
    def __init__(self, backend: Backend, env: str, account: str) -> None:
        super().__init__(
            f"the state bucket {backend.bucket} does not exist (region {backend.region}, account {account}); "
            f"run `aiinv bootstrap --env {env}`, or check the region (CDK_DEFAULT_REGION) and that your "
            "credentials are for that account (CDK_DEFAULT_ACCOUNT)"
        )


@dataclass(frozen=True)
class Holder:
    run_id: str
    command: str
    who: str
    host: str
    pid: int
    since: str
    expires: int
    started: str = ""

    @classmethod
    def from_item(cls, item: dict) -> Holder:
        def text(key: str) -> str:
            return item.get(key, {}).get("S", "?")

        def number(key: str) -> int:
            try:
                return int(item.get(key, {}).get("N", "0"))
            except ValueError:
                return 0

        return cls(text("RunID"), text("Command"), text("Who"), text("Host"), number("Pid"), text("Since"),
                   number("Expires"), item.get("Started", {}).get("S", ""))

    def describe(self) -> str:
        expires = datetime.fromtimestamp(self.expires, UTC).isoformat(timespec="seconds")
        return (
            f"run {self.run_id} ({self.command} by {self.who}, pid {self.pid} on {self.host}, since {self.since}, "
            f"expires {expires} unless renewed)"
        )

    def alive_here(self) -> bool:
        return self.host == liveruns.host() and (
            liveruns.is_alive(self.pid, self.started) or bool(liveruns.terraform_of(self.pid))
        )

    def dead_here(self) -> bool:
        """Its aiinv is gone from this machine, and so is every Terraform it started."""
        return (
            self.host == liveruns.host()
            and not liveruns.is_alive(self.pid, self.started)
            and not liveruns.terraform_of(self.pid)
        )


class EnvironmentLock:
    def __init__(self, backend: Backend, env: str, account: str) -> None:
        self.backend = backend
        self.env = env
        self.account = account
        self.run_id = uuid.uuid4().hex[:12]
        self._client = backend.client("dynamodb")
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def current(self) -> Holder | None:
        item = self._call("get_item", TableName=self.backend.table, Key=_key(), ConsistentRead=True).get("Item")
        return Holder.from_item(item) if item else None

    def acquire(self, command: str, timeout_seconds: float, *, say: Callable[[str], None] = print) -> None:
        self._check_bucket()
        deadline = time.monotonic() + timeout_seconds
        waiting = False
        while True:
            holder = self._try_put(command)
            if holder is None:
                break
            if holder.dead_here() and self._take_over(holder, command):
                say(f"took over the environment lock of {holder.describe()}: that process is gone")
                break
            if time.monotonic() >= deadline:
                raise RefusedError(
                    f"environment {self.env} is locked by {holder.describe()}; wait for it, pass --lock-timeout, "
                    f"or if that run is gone: aiinv unlock --env {self.env} {holder.run_id}"
                )
            if not waiting:
                say(f"waiting up to {timeout_seconds:g}s for the environment lock of {holder.describe()}")
                waiting = True
            time.sleep(POLL_SECONDS)
        self._renewer = threading.Thread(target=self._renew, name="env-lock", daemon=True)
        self._renewer.start()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        from botocore.exceptions import BotoCoreError, ClientError

        # Taken over after expiry, or the backend is gone: then the lock expires by itself.
        with contextlib.suppress(BotoCoreError, ClientError):
            self._client.delete_item(TableName=self.backend.table, Key=_key(), ConditionExpression="RunID = :me",
                                     ExpressionAttributeValues={":me": {"S": self.run_id}})

    def _take_over(self, holder: Holder, command: str) -> bool:
        try:
            self._call("put_item", TableName=self.backend.table, Item=self._item(command),
                       ConditionExpression="RunID = :dead", ExpressionAttributeValues={":dead": {"S": holder.run_id}},
                       conditional=True)
            return True
        except _Conflict:
            return False

    def _item(self, command: str) -> dict:
        now = int(time.time())
        return {
            **_key(),
            "RunID": {"S": self.run_id},
            "Command": {"S": command},
            "Who": {"S": f"{_user()}@{liveruns.host()}"},
            "Host": {"S": liveruns.host()},
            "Pid": {"N": str(os.getpid())},
            "Since": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
            "Expires": {"N": str(now + TTL_SECONDS)},
            "Started": {"S": liveruns.start_time(os.getpid())},
        }

    def _try_put(self, command: str) -> Holder | None:
        """None when the lock is ours now, else its holder."""
        item = self._item(command)
        now = int(time.time())
        try:
            self._call("put_item", TableName=self.backend.table, Item=item,
                       ConditionExpression="attribute_not_exists(LockID) OR Expires < :now",
                       ExpressionAttributeValues={":now": {"N": str(now)}}, conditional=True)
            return None
        except _Conflict:
            holder = self.current()
            return holder if holder is not None else self._try_put(command)

    def _renew(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        while not self._stop.wait(RENEW_SECONDS):
            try:
                self._client.update_item(
                    TableName=self.backend.table, Key=_key(), UpdateExpression="SET Expires = :until",
                    ConditionExpression="RunID = :me",
                    ExpressionAttributeValues={":me": {"S": self.run_id},
                                               ":until": {"N": str(int(time.time()) + TTL_SECONDS)}})
            except (BotoCoreError, ClientError):
                continue  # a backend hiccup; the next renewal tries again before the expiry

    def _check_bucket(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.backend.client("s3").head_bucket(Bucket=self.backend.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
                raise StateBucketMissing(self.backend, self.env, self.account) from None
            raise AiinvError(f"cannot reach the state bucket {self.backend.bucket}: {exc}") from None
        except BotoCoreError as exc:
            raise AiinvError(f"cannot reach the state bucket {self.backend.bucket}: {exc}") from None

    def _call(self, operation: str, *, conditional: bool = False, **kwargs: object) -> dict:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                raise LockTableMissing(self.backend, self.env) from None
            if conditional and code == "ConditionalCheckFailedException":
                raise _Conflict from None
            raise AiinvError(f"the environment lock in {self.backend.table} failed: {exc}") from None
        except BotoCoreError as exc:
            raise AiinvError(f"the environment lock in {self.backend.table} failed: {exc}") from None


def remove(lock: EnvironmentLock, run_id: str) -> Holder:
    """`aiinv unlock --env ENV RUN_ID`: remove a dead run's environment lock; the removed holder."""
    holder = lock.current()
    if holder is None:
        raise RefusedError(f"environment {lock.env} is not locked; nothing to unlock")
    if holder.run_id != run_id:
        raise RefusedError(f"environment {lock.env} is locked by run {holder.run_id}, not {run_id}; nothing removed")
    if holder.alive_here():
        raise RefusedError(
            f"run {run_id} is still alive on this machine (pid {holder.pid}); stop it (Ctrl-C) instead of unlocking"
        )
    try:
        lock._call("delete_item", TableName=lock.backend.table, Key=_key(), ConditionExpression="RunID = :it",
                   ExpressionAttributeValues={":it": {"S": run_id}}, conditional=True)
    except _Conflict:
        raise RefusedError(f"the environment lock of {lock.env} changed meanwhile; nothing removed") from None
    return holder


@contextmanager
def held(
    backend: Backend | None,
    env: str,
    account: str,
    command: str,
    timeout_seconds: float,
    say: Callable[[str], None] = print,
) -> Iterator[None]:
    """Hold the environment lock for the block (no lock for stacks without a locking backend)."""
    if backend is None:
        yield
        return
    lock = EnvironmentLock(backend, env, account)
    lock.acquire(command, timeout_seconds, say=say)
    try:
        yield
    finally:
        lock.release()


class _Conflict(Exception):
    pass


def _key() -> dict:
    return {"LockID": {"S": ITEM_ID}}


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
