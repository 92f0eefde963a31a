"""Races on one proposal, against an emulator whose conditional writes are atomic (dynalite, see
tests/support/dynalite.py): concurrent decisions through the orchestrator's own Decider, on tables built
from the synthesized data stack. On moto these tests could not fail: its conditional writes are not atomic.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from fn_events import json_body, rest

from functions.orchestrator.decision import Decider
from functions.orchestrator.routes import proposal_router
from functions.shared import aws
from functions.shared.errors import Conflict
from functions.shared.http import RETRY_AFTER_SECONDS, build_resolver
from functions.shared.marks import CreatorMarks
from functions.shared.proposals import ProposalsTable
from functions.shared.states import ProposalState
from modules.catalog.routes import CORS_ORIGINS_VARIABLE
from modules.config import load_environment
from tests.support import dynalite
from tests.support.synthesized import dynamodb_create_table_kwargs, table_env_vars

THREADS = 8
TRIALS = 10
CREATOR = "11111111-1111-4111-8111-111111111111"
MARKS = CreatorMarks(lambda: b"a test key of the creator marks, 32 bytes or more")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dynalite.running(tmp_path_factory.mktemp("dynalite") / "dynalite.log") as url:
        yield url


@pytest.fixture
def tables(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The proposals and idempotency tables on dynalite, created as the data stack defines them (env var ->
    name); the functions' shared boto3 client points there for the test."""
    for name, value in {"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-central-1"}.items():
        monkeypatch.setenv(name, value)
    aws.client.cache_clear()
    names = {var: table_env_vars("dev")[var] for var in ("PROPOSALS_TABLE", "IDEMPOTENCY_TABLE")}
    ddb = boto3.client("dynamodb")
    existing = set(ddb.list_tables()["TableNames"])
    for kwargs in dynamodb_create_table_kwargs("dev"):
        if kwargs["TableName"] in set(names.values()) - existing:
            ddb.create_table(**kwargs)
            # dynalite makes a table ACTIVE half a second after CreateTable; the waiter's own delay is 20 s.
            ddb.get_waiter("table_exists").wait(TableName=kwargs["TableName"], WaiterConfig={"Delay": 0.2})
    yield names
    aws.client.cache_clear()


@pytest.fixture
def proposals(tables: dict[str, str]) -> ProposalsTable:
    return ProposalsTable(tables["PROPOSALS_TABLE"])


def _id(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()[:32]


def _risk_passed(table: ProposalsTable, proposal_id: str) -> None:
    assert table.put_new({
        "proposal_id": proposal_id, "entity_id": "AAPL", "state": ProposalState.RISK_PASSED.value,
        "created_at": "2026-11-30T10:00:00+00:00", "created_by": CREATOR, "direction": "long",
        "confidence": "0.7", "history": [], "version": 2,
    })


def _race(calls: list[Callable[[], dict[str, Any]]]) -> tuple[list[int], list[Exception]]:
    """Run every call at the same instant; the indexes that won and what the others raised."""
    barrier = threading.Barrier(len(calls))
    won: list[int] = []
    refused: list[Exception] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            calls[i]()
            with lock:
                won.append(i)
        except Exception as exc:  # collected and judged by the test
            with lock:
                refused.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return won, refused


def _approver(i: int) -> str:
    return f"22222222-2222-4222-8222-{i:012d}"


@pytest.mark.parametrize("trial", range(TRIALS))
def test_of_concurrent_approvals_exactly_one_wins(proposals: ProposalsTable, trial: int) -> None:
    proposal_id = _id(f"race-approve-{trial}")
    _risk_passed(proposals, proposal_id)
    decider = Decider(proposals, MARKS)
    calls = [lambda i=i: decider.decide(proposal_id, "approve", None, _approver(i)) for i in range(THREADS)]
    won, refused = _race(calls)

    assert len(won) == 1, f"{len(won)} approvals won"
    assert len(refused) == THREADS - 1 and all(isinstance(e, Conflict) for e in refused), refused
    final = proposals.get(proposal_id)
    assert final["state"] == "approved" and final["decided_by"] == _approver(won[0])
    assert [(h["from"], h["to"], h["by"]) for h in final["history"]] == [
        ("risk_passed", "approved", _approver(won[0]))]
    assert final["version"] == 3


@pytest.mark.parametrize("trial", range(TRIALS))
def test_approve_against_reject_leaves_one_decision_and_its_own_audit_entry(proposals: ProposalsTable,
                                                                            trial: int) -> None:
    proposal_id = _id(f"race-decide-{trial}")
    _risk_passed(proposals, proposal_id)
    decider = Decider(proposals, MARKS)
    decisions = ["approve" if i % 2 else "reject" for i in range(THREADS)]
    calls = [lambda i=i: decider.decide(proposal_id, decisions[i], None, _approver(i)) for i in range(THREADS)]
    won, refused = _race(calls)

    assert len(won) == 1, f"{len(won)} decisions won"
    assert all(isinstance(e, Conflict) for e in refused), refused
    winner = won[0]
    final = proposals.get(proposal_id)
    assert final["decision"] == decisions[winner] and final["decided_by"] == _approver(winner)
    assert final["state"] == {"approve": "approved", "reject": "rejected"}[decisions[winner]]
    assert len(final["history"]) == 1 and final["history"][0]["by"] == _approver(winner)



@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_decision_retried_at_once_is_carried_out_once(tables: dict[str, str], proposals: ProposalsTable,
                                                        trial: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same approver's identical request, sent again while the first is still running (a double click,
    a client retry): one decision, the others get its result or 409 with Retry-After, never a 5xx."""
    monkeypatch.setenv(CORS_ORIGINS_VARIABLE, ",".join(load_environment("dev", env={}).cors_origins))
    proposal_id = _id(f"race-retry-{trial}")
    _risk_passed(proposals, proposal_id)
    persistence = DynamoDBPersistenceLayer(table_name=tables["IDEMPOTENCY_TABLE"], boto3_client=aws.client("dynamodb"))
    config = IdempotencyConfig(event_key_jmespath="[proposal_id, decision, actor]", expires_after_seconds=3600)
    app = build_resolver(proposal_router(None, None, Decider(proposals, MARKS), proposals, persistence, config, 65536))
    approver = _approver(trial)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def post() -> dict[str, Any]:
        event = rest("POST", "/decision", {"proposal_id": proposal_id, "decision": "approve"}, groups="approver",
                     sub=approver)
        answer = app.resolve(event, _Context())
        with lock:
            answers.append(answer)
        return answer

    _race([post] * THREADS)
    statuses = sorted(a["statusCode"] for a in answers)
    assert len(answers) == THREADS and all(code in (200, 409) for code in statuses), statuses
    assert 200 in statuses
    assert all(a["multiValueHeaders"]["Retry-After"] == [str(RETRY_AFTER_SECONDS)] for a in answers
               if a["statusCode"] == 409)
    assert all(json_body(a)["state"] == "approved" for a in answers if a["statusCode"] == 200)
    final = proposals.get(proposal_id)
    assert [(h["to"], h["by"]) for h in final["history"]] == [("approved", approver)]
    assert final["version"] == 3


class _Context:
    function_name = "ai-investment-orchestrator-dev"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:ai-investment-orchestrator-dev"
    aws_request_id = "race"

    def get_remaining_time_in_millis(self) -> int:
        return 28_000
