"""The signals table: one document item per content hash plus one mention item per linked entity.

Keys (see the data stack): pk `signal_id` (content hash), sk `facet` = 'signal' | 'entity#<entity_id>'.
Indexes: `by-entity` (entity_id, published_at) and `by-author` (author_id, published_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.shared import dynamo
from functions.shared.aws import client

DOCUMENT = "signal"
MENTION_PREFIX = "entity#"
PENDING = "pending"
SCORED = "scored"


def mention_facet(entity_id: str) -> str:
    return f"{MENTION_PREFIX}{entity_id}"


@dataclass(frozen=True)
class SignalsTable:
    name: str

    def put_new(self, document: dict[str, Any]) -> bool:
        """Write a new document; False (and nothing written) when the same content already exists."""
        try:
            client("dynamodb").put_item(
                TableName=self.name,
                Item=dynamo.to_item({**document, "facet": DOCUMENT}),
                ConditionExpression="attribute_not_exists(signal_id)",
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

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
