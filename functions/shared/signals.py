"""The signals table: one document item per content hash plus one mention item per linked entity, and the
ingestion outbox.

Keys (see the data stack): pk `signal_id` (content hash), sk `facet` = 'signal' | 'entity#<entity_id>'.
Indexes: `by-entity` (entity_id, published_at) and `by-author` (author_id, published_at).

Outbox: a signal that is stored but not yet queued for scoring has an entry under pk `outbox#<kind>`, sk its
signal id (`claimed_until`: until when the run that writes or sweeps it is taking care of it; `expires_at`:
the signal's own expiry). The entry is written in the same transaction as the signal and deleted once its
queue message is sent, so one query of a kind's partition finds every signal a killed run left unqueued.
Entries hold no personal data (a content hash and times) and no index sees them (they carry neither
`entity_id` nor `author_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from functions.shared import dynamo
from functions.shared.aws import client

logger = Logger()

DOCUMENT = "signal"
MENTION_PREFIX = "entity#"
OUTBOX_PREFIX = "outbox#"
PENDING = "pending"
SCORED = "scored"
DELETE_BATCH = 25
"""Deletes per BatchWriteItem (DynamoDB's maximum)."""


def mention_facet(entity_id: str) -> str:
    return f"{MENTION_PREFIX}{entity_id}"


def outbox_key(kind: str) -> str:
    return f"{OUTBOX_PREFIX}{kind}"


@dataclass(frozen=True)
class SignalsTable:
    name: str

    def put_new(self, document: dict[str, Any], claimed_until: str) -> bool:
        """Write a new document and its outbox entry (claimed by the writer until `claimed_until`) in one
        transaction; False, and nothing written, when the same content already exists."""
        entry = {"signal_id": outbox_key(document["kind"]), "facet": document["signal_id"],
                 "claimed_until": claimed_until, "expires_at": document.get("expires_at")}
        try:
            client("dynamodb").transact_write_items(TransactItems=[
                {"Put": {"TableName": self.name, "Item": dynamo.to_item({**document, "facet": DOCUMENT}),
                         "ConditionExpression": "attribute_not_exists(signal_id)"}},
                {"Put": {"TableName": self.name, "Item": dynamo.to_item(entry)}},
            ])
        except ClientError as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            raise  # a conflicting transaction or a throttle: the item is tried again by the caller's next run
        return True

    def outbox(self, kind: str) -> list[dict[str, Any]]:
        """Every outbox entry of a kind: signals stored and not (yet) queued."""
        return dynamo.read_all(
            "query",
            TableName=self.name,
            KeyConditionExpression="signal_id = :key",
            ExpressionAttributeValues=dynamo.values(key=outbox_key(kind)),
            ConsistentRead=True,
        )

    def claim(self, kind: str, signal_id: str, now: str, until: str) -> bool:
        """Take care of an outbox entry until `until`: True when it exists and nobody's claim on it runs
        past `now` (its writer died, or a sweep before this one did)."""
        try:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"signal_id": outbox_key(kind), "facet": signal_id}),
                UpdateExpression="SET claimed_until = :until",
                ConditionExpression="attribute_exists(facet) AND claimed_until < :now",
                ExpressionAttributeValues=dynamo.values(until=until, now=now),
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def queued(self, kind: str, signal_ids: list[str]) -> None:
        """The signals' queue messages are sent: their outbox entries go."""
        for start in range(0, len(signal_ids), DELETE_BATCH):
            requests = [
                {"DeleteRequest": {"Key": dynamo.to_item({"signal_id": outbox_key(kind), "facet": signal_id})}}
                for signal_id in signal_ids[start : start + DELETE_BATCH]
            ]
            left = {self.name: requests}
            for _ in range(5):
                left = client("dynamodb").batch_write_item(RequestItems=left).get("UnprocessedItems") or {}
                if not left:
                    break
            else:  # still throttled: the entries stay, and a later sweep finds their signals already scored
                logger.warning("outbox entries not removed", extra={"entries": len(left.get(self.name, []))})

    def get(self, signal_id: str) -> dict[str, Any] | None:
        response = client("dynamodb").get_item(
            TableName=self.name,
            Key=dynamo.to_item({"signal_id": signal_id, "facet": DOCUMENT}),
            ConsistentRead=True,
        )
        return dynamo.from_item(response["Item"]) if "Item" in response else None

    def record_score(self, signal_id: str, score: dict[str, Any], mentions: list[dict[str, Any]]) -> bool:
        """Atomically mark a pending document scored and write its mention items.

        False when the document is gone (erased) or already scored, so a redelivered message changes nothing.
        """
        assignments = ", ".join(f"#{k} = :{k}" for k in score)
        update = {
            "Update": {
                "TableName": self.name,
                "Key": dynamo.to_item({"signal_id": signal_id, "facet": DOCUMENT}),
                "UpdateExpression": f"SET #status = :scored, {assignments}",
                "ConditionExpression": "attribute_exists(signal_id) AND #status = :pending",
                "ExpressionAttributeNames": {"#status": "status", **{f"#{k}": k for k in score}},
                "ExpressionAttributeValues": dynamo.values(scored=SCORED, pending=PENDING, **score),
            }
        }
        puts = [{"Put": {"TableName": self.name, "Item": dynamo.to_item(m)}} for m in mentions]
        try:
            client("dynamodb").transact_write_items(TransactItems=[update, *puts])
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def mentions_between(self, entity_id: str, since: str, until: str) -> list[dict[str, Any]]:
        """Scored mentions of one entity published in [since, until]."""
        return dynamo.read_all(
            "query",
            TableName=self.name,
            IndexName="by-entity",
            KeyConditionExpression="entity_id = :entity AND published_at BETWEEN :since AND :until",
            ExpressionAttributeValues=dynamo.values(entity=entity_id, since=since, until=until),
        )

    def signal_ids_by_author(self, author_id: str) -> set[str]:
        items = dynamo.read_all(
            "query",
            TableName=self.name,
            IndexName="by-author",
            KeyConditionExpression="author_id = :author",
            ExpressionAttributeValues=dynamo.values(author=author_id),
        )
        return {item["signal_id"] for item in items}

    def items_of(self, signal_id: str) -> list[dict[str, Any]]:
        """The document and every mention item of one signal."""
        return dynamo.read_all(
            "query",
            TableName=self.name,
            KeyConditionExpression="signal_id = :id",
            ExpressionAttributeValues=dynamo.values(id=signal_id),
            ConsistentRead=True,
        )

    def delete(self, signal_id: str, facet: str) -> None:
        client("dynamodb").delete_item(
            TableName=self.name, Key=dynamo.to_item({"signal_id": signal_id, "facet": facet})
        )

    def count_documents(self) -> int:
        return dynamo.count_all(
            "scan",
            TableName=self.name,
            FilterExpression="facet = :doc",
            ExpressionAttributeValues=dynamo.values(doc=DOCUMENT),
        )
