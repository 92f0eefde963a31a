"""The proposals table: pk `proposal_id`; indexes `by-state` (state, created_at), `by-entity`.

Every state change is a conditional write on the current state (and version), so of two concurrent
requests only one can win; the history list inside the item is the audit trail, appended atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.shared import dynamo
from functions.shared.aws import client
from functions.shared.errors import Conflict, NotFound
from functions.shared.states import ProposalState, is_legal

UNPRICED_FIELD = "evaluation_pending"
"""On a decided proposal whose horizon has passed: which closes the evaluation is still waiting for."""


@dataclass(frozen=True)
class Transition:
    proposal_id: str
    source: ProposalState
    target: ProposalState
    actor: str
    at: str
    fields: dict[str, Any]
    reasons: list[dict[str, Any]] | None = None
    forbid_actor: str | None = None
    """Refuse the write when this user created the proposal (four eyes): `created_by`, or one of `forbid_marks`
    as the proposal's `creator_mark` (which survives the creator's erasure)."""
    forbid_marks: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    """Attributes that no longer apply in the target state."""


@dataclass(frozen=True)
class ProposalsTable:
    name: str

    def put_new(self, proposal: dict[str, Any]) -> bool:
        try:
            client("dynamodb").put_item(
                TableName=self.name,
                Item=dynamo.to_item(proposal),
                ConditionExpression="attribute_not_exists(proposal_id)",
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def get(self, proposal_id: str) -> dict[str, Any] | None:
        response = client("dynamodb").get_item(
            TableName=self.name, Key=dynamo.to_item({"proposal_id": proposal_id}), ConsistentRead=True
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def require(self, proposal_id: str) -> dict[str, Any]:
        proposal = self.get(proposal_id)
        if proposal is None:
            raise NotFound(f"proposal {proposal_id} does not exist")
        return proposal

    def update_for(self, change: Transition) -> dict[str, Any]:
        """UpdateItem parameters for one legal transition (usable alone or inside a transaction)."""
        if not is_legal(change.source, change.target):
            raise Conflict(f"a proposal cannot go from {change.source} to {change.target}")
        entry = {"from": change.source.value, "to": change.target.value, "by": change.actor, "at": change.at}
        if change.reasons is not None:
            entry["reasons"] = change.reasons
        fields = {**change.fields, "updated_at": change.at}
        condition = "#state = :source"
        named: dict[str, Any] = {
            "source": change.source.value,
            "target": change.target.value,
            "entry": [entry],
            "one": 1,
            **fields,
        }
        if change.forbid_actor is not None:
            condition += " AND created_by <> :actor"
            named["actor"] = change.forbid_actor
            if change.forbid_marks:
                marks = " AND ".join(f"creator_mark <> :mark{n}" for n in range(len(change.forbid_marks)))
                condition += f" AND (attribute_not_exists(creator_mark) OR ({marks}))"
                named.update({f"mark{n}": mark for n, mark in enumerate(change.forbid_marks)})
        assignments = "".join(f", #{k} = :{k}" for k in fields)
        removals = f" REMOVE {', '.join(f'#{k}' for k in change.remove)}" if change.remove else ""
        return {
            "TableName": self.name,
            "Key": dynamo.to_item({"proposal_id": change.proposal_id}),
            "UpdateExpression": f"SET #state = :target, #history = list_append(#history, :entry){assignments}"
            f" ADD #version :one{removals}",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {
                "#state": "state",
                "#history": "history",
                "#version": "version",
                **{f"#{k}": k for k in (*fields, *change.remove)},
            },
            "ExpressionAttributeValues": dynamo.values(**named),
        }

    def transition(self, change: Transition) -> dict[str, Any]:
        """Apply one transition; 404 for an unknown proposal, 409 when its state no longer allows it."""
        try:
            response = client("dynamodb").update_item(**self.update_for(change), ReturnValues="ALL_NEW")
        except ClientError as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            raise self.refusal(change) from exc
        return dynamo.from_item(response["Attributes"])

    def refusal(self, change: Transition) -> Exception:
        """Why a conditional transition failed, read back from the current item."""
        current = self.get(change.proposal_id)
        if current is None:
            return NotFound(f"proposal {change.proposal_id} does not exist")
        if current["state"] != change.source:
            return Conflict(
                f"proposal {change.proposal_id} is {current['state']}, not {change.source}; "
                f"it cannot become {change.target}"
            )
        return Conflict(f"proposal {change.proposal_id} cannot become {change.target} by this actor")

    def in_state(self, state: ProposalState) -> list[dict[str, Any]]:
        return self._query("by-state", "#state = :key", {"#state": "state"}, state.value)

    def of_entity(self, entity_id: str) -> list[dict[str, Any]]:
        return self._query("by-entity", "entity_id = :key", None, entity_id)

    def count_in_state(self, state: ProposalState) -> int:
        return dynamo.count_all(
            "query",
            TableName=self.name,
            IndexName="by-state",
            KeyConditionExpression="#state = :key",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=dynamo.values(key=state.value),
        )

    def all(self) -> list[dict[str, Any]]:
        """Every proposal (a scan: used only by erasure)."""
        return dynamo.read_all("scan", TableName=self.name)

    def replace_people(self, proposal: dict[str, Any], fields: dict[str, Any]) -> bool:
        """Overwrite identity fields, conditional on the version read; False when it changed meanwhile."""
        try:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"proposal_id": proposal["proposal_id"]}),
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in fields),
                ConditionExpression="#version = :version",
                ExpressionAttributeNames={"#version": "version", **{f"#{k}": k for k in fields}},
                ExpressionAttributeValues=dynamo.values(version=proposal["version"], **fields),
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def note_unpriced(self, proposal_id: str, state: ProposalState, note: dict[str, Any]) -> None:
        """Record on a decided proposal why it could not be evaluated yet (rewritten only when the reason
        changes, so the daily retry does not stream the same news every day)."""
        try:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"proposal_id": proposal_id}),
                UpdateExpression="SET #pending = :note",
                ConditionExpression="#state = :state"
                " AND (attribute_not_exists(#pending) OR #pending.#missing <> :missing)",
                ExpressionAttributeNames={"#pending": UNPRICED_FIELD, "#state": "state", "#missing": "missing"},
                ExpressionAttributeValues=dynamo.values(note=note, state=state.value, missing=note["missing"]),
            )
        except ClientError as exc:
            if not dynamo.is_conditional_failure(exc):
                raise

    def _query(self, index: str, condition: str, names: dict[str, str] | None, key: str) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": dynamo.values(key=key),
        }
        if names:
            params["ExpressionAttributeNames"] = names
        return dynamo.read_all("query", **params)
