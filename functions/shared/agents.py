"""Agent configuration (pk `agent_id`): how an agent weighs signals and which risk limits apply.

The item model (pydantic) is imported where items are read: a cold start, and a route that reads none,
starts without pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from functions.shared import dynamo
from functions.shared.aws import client

if TYPE_CHECKING:
    from functions.shared.agent_config import AgentConfig


@dataclass(frozen=True)
class AgentsTable:
    name: str

    def all(self) -> list[AgentConfig]:
        from functions.shared.agent_config import AgentConfig

        return [AgentConfig.model_validate(i) for i in dynamo.read_all("scan", TableName=self.name)]

    def enabled(self) -> list[AgentConfig]:
        return [agent for agent in self.all() if agent.enabled]

    def get(self, agent_id: str) -> AgentConfig | None:
        from functions.shared.agent_config import AgentConfig

        response = client("dynamodb").get_item(TableName=self.name, Key=dynamo.to_item({"agent_id": agent_id}))
        return AgentConfig.model_validate(dynamo.from_item(response["Item"])) if "Item" in response else None
