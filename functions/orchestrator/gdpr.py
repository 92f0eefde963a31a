"""The right to be forgotten: erase a source author's signals everywhere, or pseudonymise a user.

Author: every signal item found through the `by-author` index (document and mentions), its raw document
and its feature record (all object versions). User: identity fields of proposals and their audit trail
are replaced by a fixed pseudonym (the decisions stay, as the audit requires), so are the jobs they asked
for, and open dashboard connections are removed. Both run as jobs (`functions.shared.jobs`).

What stays of an erased creator is the proposal's `creator_mark`, a keyed hash (`functions.shared.marks`):
the orchestrator can still tell that the erased person is the one now trying to approve their own proposal,
nobody without the key can link the mark to anyone. Marks made before keyed marks could be recomputed from a
user id: every user erasure re-keys each such mark it finds (the erased user's first, then the others, as
long as the piece has time; what is left is the next piece's).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from functions.shared import objects
from functions.shared.connections import ConnectionsTable
from functions.shared.jobs import JobsTable, Piece, Work
from functions.shared.marks import CreatorMarks, is_legacy
from functions.shared.proposals import ProposalsTable
from functions.shared.signals import DOCUMENT, SignalsTable

logger = Logger()

PSEUDONYM = "erased-user"
IDENTITY_FIELDS = ("created_by", "decided_by", "risk_checked_by")
MAX_VERSION_RETRIES = 5


@dataclass(frozen=True)
class Eraser:
    signals: SignalsTable
    proposals: ProposalsTable
    connections: ConnectionsTable
    jobs: JobsTable
    raw_bucket: str
    features_bucket: str
    marks: CreatorMarks

    def erase_author(self, author_ids: list[str], deadline: float | None = None) -> Piece:
        """Every signal stored under any of `author_ids` (the forms one author may be stored under). Objects
        go before the items that point at them, so a retry after a failure finds them again. Stops between
        signals once `deadline` (time.monotonic()) has passed; the rest is the next piece."""
        signal_ids = sorted(set().union(*(self.signals.signal_ids_by_author(a) for a in author_ids)))
        items = removed = done = 0
        for signal_id in signal_ids:
            if done and deadline is not None and time.monotonic() > deadline:
                break  # at least one signal per piece, so every piece makes progress
            done += 1
            facets = self.signals.items_of(signal_id)
            for item in facets:
                if item["facet"] == DOCUMENT:
                    removed += objects.purge_objects(self.raw_bucket, [item["raw_key"]] if item.get("raw_key") else [])
                    removed += objects.purge_objects(
                        self.features_bucket, [item["feature_key"]] if item.get("feature_key") else []
                    )
            for item in facets:
                self.signals.delete(signal_id, item["facet"])
                items += 1
        logger.info("author erased", extra={"signals": done, "items": items, "objects": removed})
        counts = {"signals": done, "items_deleted": items, "object_versions_deleted": removed}
        return Piece(counts, {"author_ids": author_ids} if done < len(signal_ids) else None)

    def erase_user(self, user_id: str | None, deadline: float | None = None) -> Piece:
        """Pseudonymise `user_id` everywhere (in one piece), then re-key the unkeyed creator marks of others until
        `deadline`; a piece that runs out of time leaves the re-keying (and only that) to the next. With
        `user_id` None, a piece only re-keys."""
        proposals = self.proposals.all()
        pseudonymised = rekeyed = 0
        connections: list[dict[str, Any]] = []
        jobs = 0
        if user_id is not None:
            for proposal in proposals:
                if _involves(proposal, user_id):
                    pseudonymised += 1
                    rekeyed += self._rewrite(proposal, lambda p: _scrubbed(p, user_id, self.marks))
            connections = self.connections.of_user(user_id)
            for connection in connections:
                self.connections.delete(connection["connection_id"])
            jobs = self.jobs.replace_requester(user_id, PSEUDONYM)
        left = [p for p in proposals if is_legacy(p.get("creator_mark")) and not _involves(p, user_id)]
        # first the marks whose creator is erased already: only those can link someone who is gone
        left.sort(key=lambda p: p.get("created_by") != PSEUDONYM)
        done = 0
        for proposal in left:
            if done and deadline is not None and time.monotonic() > deadline:
                break
            done += 1
            rekeyed += self._rewrite(proposal, lambda p: self._rekeyed(p))
        logger.info("user erased", extra={"proposals": pseudonymised, "connections": len(connections), "jobs": jobs,
                                          "marks_rekeyed": rekeyed, "marks_left": len(left) - done})
        counts = {"proposals_pseudonymised": pseudonymised, "connections_deleted": len(connections),
                  "jobs_pseudonymised": jobs, "marks_rekeyed": rekeyed}
        return Piece(counts, {"user_id": None} if done < len(left) else None)

    def _rewrite(self, proposal: dict[str, Any], fields_of: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
        """Apply `fields_of(proposal)` conditionally on the version read (read again when it changed); how
        many creator marks that re-keyed (0 or 1)."""
        for _ in range(MAX_VERSION_RETRIES):
            fields = fields_of(proposal)
            if not fields:
                return 0
            if self.proposals.replace_people(proposal, fields):
                return int("creator_mark" in fields)
            proposal = self.proposals.get(proposal["proposal_id"]) or proposal
        raise RuntimeError(f"proposal {proposal['proposal_id']} kept changing; the job piece is retried")

    def _rekeyed(self, proposal: dict[str, Any]) -> dict[str, Any]:
        mark = proposal.get("creator_mark")
        return {"creator_mark": self.marks.rekeyed(mark)} if is_legacy(mark) else {}

    def work(self) -> dict[str, Work]:
        """The job kinds of erasure (`functions.shared.jobs`)."""
        return {
            # jobs queued by the previous version carry one `author_id`
            "erase_author": lambda payload, deadline: self.erase_author(
                payload.get("author_ids") or [payload["author_id"]], deadline),
            "erase_user": lambda payload, deadline: self.erase_user(payload.get("user_id"), deadline),
        }


def _involves(proposal: dict[str, Any], user_id: str | None) -> bool:
    """Whether a proposal names the user anywhere: creator, risk checker, decider or an audit entry."""
    return user_id is not None and (
        user_id in (proposal.get(f) for f in IDENTITY_FIELDS)
        or any(entry.get("by") == user_id for entry in proposal.get("history", []))
    )


def _scrubbed(proposal: dict[str, Any], user_id: str, marks: CreatorMarks) -> dict[str, Any]:
    fields: dict[str, Any] = {f: PSEUDONYM for f in IDENTITY_FIELDS if proposal.get(f) == user_id}
    history = [
        {**entry, "by": PSEUDONYM} if entry.get("by") == user_id else entry for entry in proposal.get("history", [])
    ]
    fields["history"] = history
    mark = proposal.get("creator_mark")
    if is_legacy(mark):  # an unkeyed mark would link the erased creator to the proposal
        fields["creator_mark"] = marks.rekeyed(mark)
    return fields
