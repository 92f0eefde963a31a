"""Evaluate decided proposals whose horizon has passed: return, hit, excess over the benchmark.

Prices are the closes of the last trading day at or before the proposal's start and end (weekends and
exchange holidays fall back to the trading day before; they are not gaps). A proposal whose closes are
not all stored yet is not evaluated: the run reports it with the missing closes, and the proposal carries
them in `evaluation_pending` until a later run finds them.

The proposal's move to `evaluated` and the outcome are written in one transaction conditional on the
decided state, so concurrent runs evaluate each proposal exactly once.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from functions.shared import dynamo, objects
from functions.shared.auth import SYSTEM_ACTOR
from functions.shared.aws import client
from functions.shared.clock import iso, parse_iso, utc_now
from functions.shared.jobs import Piece, Work
from functions.shared.market import MarketStore
from functions.shared.outcomes import OutcomesTable
from functions.shared.proposals import UNPRICED_FIELD, ProposalsTable, Transition
from functions.shared.states import DECIDED, ProposalState
from functions.shared.trading_days import last_close_before

logger = Logger()

PERSONAL_FIELDS = frozenset({"created_by", "creator_mark", "decided_by", "risk_checked_by", "history", "comment"})


def returns(direction: str, entry: float, exit_: float, bench_entry: float, bench_exit: float) -> dict[str, Any]:
    sign = 1 if direction == "long" else -1
    ret = round(sign * (exit_ / entry - 1), 6)
    bench = round(bench_exit / bench_entry - 1, 6)
    return {"return": ret, "benchmark_return": bench, "excess_return": round(ret - bench, 6), "hit": ret > 0}


@dataclass(frozen=True)
class Evaluator:
    proposals: ProposalsTable
    outcomes: OutcomesTable
    prices: MarketStore
    eval_bucket: str

    def run(self, as_of: datetime, actor: str = SYSTEM_ACTOR, deadline: float | None = None) -> dict[str, Any]:
        """Evaluate what is due as of `as_of`; stops between proposals once `deadline` (time.monotonic())
        has passed and reports `complete: False` (a later run goes on: evaluated proposals leave the
        decided states)."""
        run_id = f"{as_of:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        evaluated: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        complete = True
        for state in DECIDED:
            for proposal in self.proposals.in_state(state):
                if (evaluated or skipped) and deadline is not None and time.monotonic() > deadline:
                    complete = False  # after at least one proposal, so every piece makes progress
                    break
                start = parse_iso(proposal["as_of"])
                end = start + timedelta(days=int(proposal["horizon_days"]))
                if end > as_of:
                    continue
                outcome = self._outcome(proposal, state, start, end, as_of, run_id)
                if isinstance(outcome, list):
                    skipped.append(self._unpriced(proposal, state, outcome, as_of))
                elif self._commit(proposal, state, outcome, actor):
                    evaluated.append(outcome)
                else:
                    skipped.append({"proposal_id": proposal["proposal_id"], "reason": "evaluated concurrently"})
        report = {
            "run_id": run_id, "as_of": iso(as_of), "evaluated": evaluated, "skipped": skipped, "complete": complete
        }
        if evaluated or skipped:
            objects.put_json(self.eval_bucket, f"evaluations/dt={as_of:%Y-%m-%d}/run-{run_id}.json", report)
        return report

    def work(self) -> dict[str, Work]:
        """The job kind of evaluation (`functions.shared.jobs`)."""

        def evaluate(payload: dict[str, Any], deadline: float) -> Piece:
            report = self.run(parse_iso(payload["as_of"]), payload["actor"], deadline)
            unpriced = sum(1 for s in report["skipped"] if s.get("missing"))
            counts = {"evaluated": len(report["evaluated"]), "skipped": len(report["skipped"]), "no_price": unpriced}
            return Piece(counts, None if report["complete"] else payload)

        return {"evaluate": evaluate}

    def _outcome(
        self,
        proposal: dict[str, Any],
        state: ProposalState,
        start: datetime,
        end: datetime,
        as_of: datetime,
        run_id: str,
    ) -> dict[str, Any] | list[dict[str, str]]:
        """The outcome, or the closes that are missing for it."""
        symbol, benchmark = proposal["symbol"], proposal["benchmark"]
        legs = {"entry": (symbol, start), "exit": (symbol, end), "bench_entry": (benchmark, start),
                "bench_exit": (benchmark, end)}
        closes: dict[str, float] = {}
        missing: list[dict[str, str]] = []
        for leg, (leg_symbol, moment) in legs.items():
            day = last_close_before(moment)
            value = self.prices.close_on(leg_symbol, day)
            if value:
                closes[leg] = value
            else:
                missing.append({"leg": leg, "symbol": leg_symbol, "trading_day": day.isoformat()})
        if missing:
            return missing
        figures = returns(
            proposal["direction"], closes["entry"], closes["exit"], closes["bench_entry"], closes["bench_exit"]
        )
        artefact_key = f"evaluations/dt={as_of:%Y-%m-%d}/{proposal['proposal_id']}.json"
        outcome = {
            "proposal_id": proposal["proposal_id"],
            "evaluated_at": iso(utc_now()),
            "entity_id": proposal["entity_id"],
            "agent_id": proposal["agent_id"],
            "symbol": symbol,
            "benchmark": benchmark,
            "decision": state.value,
            "direction": proposal["direction"],
            "horizon_days": proposal["horizon_days"],
            "entry_at": iso(start),
            "exit_at": iso(end),
            "entry_price": closes["entry"],
            "exit_price": closes["exit"],
            **figures,
            "run_id": run_id,
            "artefact_key": artefact_key,
        }
        # no identities in artefacts: they are kept beyond the reach of user erasure
        snapshot = {k: v for k, v in proposal.items() if k not in PERSONAL_FIELDS}
        objects.put_json(self.eval_bucket, artefact_key, {"outcome": outcome, "proposal": snapshot, "closes": closes})
        return outcome

    def _unpriced(
        self, proposal: dict[str, Any], state: ProposalState, missing: list[dict[str, str]], as_of: datetime
    ) -> dict[str, Any]:
        named = ", ".join(f"{m['symbol']} on {m['trading_day']} ({m['leg'].replace('_', ' ')})" for m in missing)
        reason = f"no close stored for {named}"
        logger.warning("proposal not evaluated: no market price", extra={
            "proposal_id": proposal["proposal_id"], "missing": missing})
        self.proposals.note_unpriced(
            proposal["proposal_id"], state, {"reason": reason, "missing": missing, "checked_at": iso(as_of)}
        )
        return {"proposal_id": proposal["proposal_id"], "reason": reason, "missing": missing}

    def _commit(self, proposal: dict[str, Any], state: ProposalState, outcome: dict[str, Any], actor: str) -> bool:
        update = self.proposals.update_for(
            Transition(
                proposal_id=proposal["proposal_id"],
                source=state,
                target=ProposalState.EVALUATED,
                actor=actor,
                at=outcome["evaluated_at"],
                fields={"outcome_return": outcome["return"], "outcome_hit": outcome["hit"]},
                remove=(UNPRICED_FIELD,),
            )
        )
        try:
            client("dynamodb").transact_write_items(
                TransactItems=[{"Update": update}, {"Put": self.outcomes.put_for(outcome)}]
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True
