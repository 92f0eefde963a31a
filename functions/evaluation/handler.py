"""evaluation: scheduled and on-demand evaluation of decided proposals; the system's figures."""

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
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.evaluation.evaluate import Evaluator
from functions.evaluation.figures import Figures
from functions.evaluation.routes import evaluation_router
from functions.evaluation.settings import load
from functions.shared import health
from functions.shared.auth import SYSTEM_ACTOR
from functions.shared.clock import iso, utc_now
from functions.shared.events import CORRELATION_ID_PATH, is_scheduled
from functions.shared.http import build_resolver
from functions.shared.jobs import Jobs, JobsTable, jobs_router
from functions.shared.outcomes import OutcomesTable
from functions.shared.proposals import ProposalsTable
from functions.shared.signals import SignalsTable
from functions.shared.tracing import AWS_AND_HTTP

logger = Logger()
tracer = Tracer(patch_modules=AWS_AND_HTTP)
metrics = Metrics()

SETTINGS = load()
PROPOSALS = ProposalsTable(SETTINGS.proposals_table)
OUTCOMES = OutcomesTable(SETTINGS.outcomes_table)
EVALUATOR = Evaluator(
    proposals=PROPOSALS,
    outcomes=OUTCOMES,
    eval_bucket=SETTINGS.eval_bucket,
    prices=SETTINGS.market,
)
FIGURES = Figures(signals=SignalsTable(SETTINGS.signals_table), proposals=PROPOSALS, outcomes=OUTCOMES)
JOBS_TABLE = JobsTable(SETTINGS.jobs_table)
JOBS = Jobs(table=JOBS_TABLE, queue_url=SETTINGS.jobs_queue_url, work=EVALUATOR.work())
app = build_resolver(
    health.router, evaluation_router(JOBS, FIGURES, SETTINGS.max_body_bytes), jobs_router(JOBS_TABLE)
)


@tracer.capture_method
def scheduled_run() -> dict[str, Any]:
    """The daily run is a job like an analyst's, so it may take longer than one invocation."""
    job = JOBS.start("evaluate", {"as_of": iso(utc_now()), "actor": SYSTEM_ACTOR}, SYSTEM_ACTOR)
    metrics.add_metric(name="EvaluationsStarted", unit=MetricUnit.Count, value=1)
    return {"job_id": job["job_id"]}


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_scheduled(event):
        return scheduled_run()
    if "Records" in event:
        return JOBS.handle_records(event, context)
    return app.resolve(event, context)


cold_start.initialised()
