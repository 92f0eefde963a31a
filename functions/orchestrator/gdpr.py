"""The right to be forgotten: erase a source author's signals everywhere, or pseudonymise a user.

Author: every signal item found through the `by-author` index (document and mentions), its raw document
and its feature record (all object versions). User: identity fields of proposals and their audit trail
are replaced by a fixed pseudonym (the decisions stay, as the audit requires), and open dashboard
connections are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from functions.shared import objects
from functions.shared.connections import ConnectionsTable
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
    raw_bucket: str
    features_bucket: str

    def erase_author(self, author_id: str) -> dict[str, Any]:
        """Objects go before the items that point at them, so a retry after a failure finds them again."""
        signal_ids = sorted(self.signals.signal_ids_by_author(author_id))
        items = removed = 0
        for signal_id in signal_ids:
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
        logger.info("author erased", extra={"signals": len(signal_ids), "items": items, "objects": removed})
        return {
            "author_id": author_id,
            "signals": len(signal_ids),
            "items_deleted": items,
            "object_versions_deleted": removed,
        }

    def erase_user(self, user_id: str) -> dict[str, Any]:
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
        logger.info("user erased", extra={"proposals": pseudonymised, "connections": len(connections)})
        return {"user_id": user_id, "proposals_pseudonymised": pseudonymised, "connections_deleted": len(connections)}


def _scrubbed(proposal: dict[str, Any], user_id: str) -> dict[str, Any]:
    fields: dict[str, Any] = {f: PSEUDONYM for f in IDENTITY_FIELDS if proposal.get(f) == user_id}
    history = [
        {**entry, "by": PSEUDONYM} if entry.get("by") == user_id else entry for entry in proposal.get("history", [])
    ]
    fields["history"] = history
    return fields
