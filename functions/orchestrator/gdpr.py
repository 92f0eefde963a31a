"""The right to be forgotten: erase a source author's signals everywhere, or pseudonymise a user.

Author: every signal item found through the `by-author` index (document and mentions), its raw document
and its feature record (all object versions). User: identity fields of proposals and their audit trail
are replaced by a fixed pseudonym (the decisions stay, as the audit requires), so are the jobs they asked
for, and open dashboard connections are removed. Both run as jobs (`functions.shared.jobs`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from functions.shared import objects
from functions.shared.connections import ConnectionsTable
from functions.shared.jobs import JobsTable, Piece, Work
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

    def erase_user(self, user_id: str, deadline: float | None = None) -> Piece:
        pseudonymised = 0
        for proposal in self.proposals.involving(user_id):
            for _ in range(MAX_VERSION_RETRIES):
                if self.proposals.replace_people(proposal, _scrubbed(proposal, user_id)):
                    pseudonymised += 1
                    break
                proposal = self.proposals.get(proposal["proposal_id"]) or proposal
        connections = self.connections.of_user(user_id)
        for connection in connections:
            self.connections.delete(connection["connection_id"])
        jobs = self.jobs.replace_requester(user_id, PSEUDONYM)
        logger.info("user erased", extra={"proposals": pseudonymised, "connections": len(connections), "jobs": jobs})
        return Piece({"proposals_pseudonymised": pseudonymised, "connections_deleted": len(connections),
                      "jobs_pseudonymised": jobs})

    def work(self) -> dict[str, Work]:
        """The job kinds of erasure (`functions.shared.jobs`)."""
        return {
            # `author_id`: a job queued before erasure named every stored form of the author
            "erase_author": lambda payload, deadline: self.erase_author(
                payload.get("author_ids") or [payload["author_id"]], deadline),
            "erase_user": lambda payload, deadline: self.erase_user(payload["user_id"], deadline),
        }


def _scrubbed(proposal: dict[str, Any], user_id: str) -> dict[str, Any]:
    fields: dict[str, Any] = {f: PSEUDONYM for f in IDENTITY_FIELDS if proposal.get(f) == user_id}
    history = [
        {**entry, "by": PSEUDONYM} if entry.get("by") == user_id else entry for entry in proposal.get("history", [])
    ]
    fields["history"] = history
    return fields
