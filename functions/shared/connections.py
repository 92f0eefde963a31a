"""The connections table: one item per open dashboard WebSocket (pk `connection_id`, TTL `expires_at`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from functions.shared import dynamo
from functions.shared.aws import client


@dataclass(frozen=True)
class ConnectionsTable:
    name: str

    def put(self, connection: dict[str, Any]) -> None:
        client("dynamodb").put_item(TableName=self.name, Item=dynamo.to_item(connection))

    def delete(self, connection_id: str) -> None:
        client("dynamodb").delete_item(TableName=self.name, Key=dynamo.to_item({"connection_id": connection_id}))

    def set_topics(self, connection_id: str, topics: list[str]) -> bool:
        """False when the connection is not (or no longer) registered."""
        try:
            client("dynamodb").update_item(
                TableName=self.name,
                Key=dynamo.to_item({"connection_id": connection_id}),
                UpdateExpression="SET topics = :topics",
                ConditionExpression="attribute_exists(connection_id)",
                ExpressionAttributeValues=dynamo.values(topics=topics),
            )
        except ClientError as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def all(self) -> list[dict[str, Any]]:
        return dynamo.read_all("scan", TableName=self.name)

    def of_user(self, user_id: str) -> list[dict[str, Any]]:
        return dynamo.read_all(
            "scan",
            TableName=self.name,
            FilterExpression="user_id = :user",
            ExpressionAttributeValues=dynamo.values(user=user_id),
        )
