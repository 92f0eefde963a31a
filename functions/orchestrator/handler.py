"""orchestrator: scheduled proposal runs, the proposal, risk, decision and GDPR routes, erasure jobs."""

from __future__ import annotations

# First: the garbage collector is held off until the end of this module (functions/shared/cold_start.py).
from functions.shared import cold_start  # isort: split

from typing import Any

# Imported ahead of everything that imports pydantic: Powertools' batch module loads its parser's pydantic
# models (tens of ms at cold start) when pydantic is already imported; the job queue's batches use the
# data classes only (functions/shared/jobs.py). tests/functions/test_cold_imports.py keeps it so.
import aws_lambda_powertools.utilities.batch  # noqa: F401
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.orchestrator.decision import Decider
from functions.orchestrator.gdpr import Eraser
from functions.orchestrator.gdpr_routes import gdpr_router
from functions.orchestrator.propose import Proposer
from functions.orchestrator.risk import RiskChecker
from functions.orchestrator.routes import proposal_router
from functions.orchestrator.settings import load
from functions.shared import health
from functions.shared.agents import AgentsTable
from functions.shared.auth import SYSTEM_ACTOR
from functions.shared.aws import client
from functions.shared.clock import utc_now
from functions.shared.connections import ConnectionsTable
from functions.shared.entities import EntitiesTable
from functions.shared.events import CORRELATION_ID_PATH, is_scheduled
from functions.shared.http import build_resolver
from functions.shared.jobs import Jobs, JobsTable, jobs_router
from functions.shared.marks import CreatorMarks, secret_key
from functions.shared.proposals import ProposalsTable
from functions.shared.signals import SignalsTable
from functions.shared.tracing import AWS_AND_HTTP

logger = Logger()
tracer = Tracer(patch_modules=AWS_AND_HTTP)
metrics = Metrics()

SETTINGS = load()
MARKS = CreatorMarks(secret_key(SETTINGS.creator_mark_secret_arn))
PROPOSALS = ProposalsTable(SETTINGS.proposals_table)
SIGNALS = SignalsTable(SETTINGS.signals_table)
AGENTS = AgentsTable(SETTINGS.agents_table)
ENTITIES = EntitiesTable(SETTINGS.entities_table)
PROPOSER = Proposer(signals=SIGNALS, proposals=PROPOSALS, agents=AGENTS, entities=ENTITIES, marks=MARKS)
CHECKER = RiskChecker(proposals=PROPOSALS, agents=AGENTS, entities=ENTITIES)
JOBS_TABLE = JobsTable(SETTINGS.jobs_table)
ERASER = Eraser(
    signals=SIGNALS,
    proposals=PROPOSALS,
    connections=ConnectionsTable(SETTINGS.connections_table),
    jobs=JOBS_TABLE,
    raw_bucket=SETTINGS.raw_bucket,
    features_bucket=SETTINGS.features_bucket,
    marks=MARKS,
)
JOBS = Jobs(table=JOBS_TABLE, queue_url=SETTINGS.jobs_queue_url, work=ERASER.work())
persistence = DynamoDBPersistenceLayer(table_name=SETTINGS.idempotency_table, boto3_client=client("dynamodb"))
decision_idempotency = IdempotencyConfig(
    event_key_jmespath="[proposal_id, decision, actor]", expires_after_seconds=24 * 3600
)
app = build_resolver(
    health.router,
    proposal_router(
        PROPOSER, CHECKER, Decider(PROPOSALS, MARKS), PROPOSALS, persistence, decision_idempotency,
        SETTINGS.max_body_bytes,
    ),
    gdpr_router(JOBS, SETTINGS.max_body_bytes),
    jobs_router(JOBS_TABLE),
)


@tracer.capture_method
def scheduled_run() -> dict[str, Any]:
    """Propose for every enabled agent, then risk-check everything still waiting for it."""
    proposed = PROPOSER.run(SYSTEM_ACTOR, utc_now())
    checked = CHECKER.check_all_proposed(SYSTEM_ACTOR)
    metrics.add_metric(name="ProposalsCreated", unit=MetricUnit.Count, value=len(proposed["created"]))
    metrics.add_metric(name="ProposalsRiskChecked", unit=MetricUnit.Count, value=len(checked))
    return {
        "created": len(proposed["created"]),
        "risk_checked": len(checked),
        "risk_passed": sum(1 for c in checked if c["passed"]),
    }


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    decision_idempotency.register_lambda_context(context)
    if is_scheduled(event):
        return scheduled_run()
    if "Records" in event:
        return JOBS.handle_records(event, context)
    return app.resolve(event, context)


cold_start.initialised()
