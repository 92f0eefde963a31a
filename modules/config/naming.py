"""Every name the system gives to an AWS resource comes from here.

Names carry project and environment, so environments can share an account; S3 bucket names also carry
account and region, because they are global.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.config.errors import ConfigError
from modules.config.settings import EnvironmentConfig

# The six stacks of the seed, in deploy order.
STACK_KINDS: tuple[str, ...] = ("security", "data", "auth", "compute", "api", "observability")

_S3_NAME_MAX = 63
COST_ALLOCATION_TAG = "environment"
"""Default tag on every resource, activated once per account for cost allocation; budgets filter on it."""


@dataclass(frozen=True)
class Naming:
    """Names for one environment of the project."""

    config: EnvironmentConfig

    @property
    def _prefix(self) -> str:
        return self.config.project_name

    @property
    def _env(self) -> str:
        return self.config.name

    def stack(self, kind: str) -> str:
        """Terraform stack name, e.g. `ai-investment-data-dev`."""
        if kind not in STACK_KINDS:
            raise ConfigError(f"unknown stack '{kind}'; valid stacks: {', '.join(STACK_KINDS)}")
        return f"{self._prefix}-{kind}-{self._env}"

    def resource(self, name: str) -> str:
        """Regional resource name: tables, functions, queues, roles, topics, pools."""
        return f"{self._prefix}-{name}-{self._env}"

    def bucket(self, name: str) -> str:
        """Globally unique S3 bucket name."""
        full = f"{self._prefix}-{name}-{self._env}-{self.config.account_id}-{self.config.region}"
        if len(full) > _S3_NAME_MAX:
            raise ConfigError(
                f"bucket name '{full}' is {len(full)} characters; S3 allows {_S3_NAME_MAX}. "
                "Use a shorter project name"
            )
        return full

    def function(self, name: str) -> str:
        return self.resource(name)

    def log_group(self, function_name: str) -> str:
        """Log group that Lambda writes to for one of our functions."""
        return f"/aws/lambda/{self.function(function_name)}"

    def secret(self, name: str) -> str:
        return f"{self._prefix}/{self._env}/{name}"

    def kms_alias(self) -> str:
        return f"alias/{self._prefix}-{self._env}"

    def cognito_domain(self) -> str:
        """Hosted-UI domain prefix; global per region, so it carries the account id."""
        return f"{self._prefix}-{self._env}-{self.config.account_id}"

    def account_resource(self, name: str) -> str:
        """Name of a per-account (not per-environment) resource, e.g. API Gateway's logging role."""
        return f"{self._prefix}-{name}"

    # Remote state: one bucket and one lock table per environment, one key per stack.
    def tags(self, owner: str) -> dict[str, str]:
        """The tags of every resource: the stacks' default tags (`owner` the stack's kind) and `aiinv bootstrap`'s
        (`owner` "bootstrap"); budgets and cost allocation read `COST_ALLOCATION_TAG`."""
        return {"project": self._prefix, COST_ALLOCATION_TAG: self._env, "stack": owner, "managed-by": "aiinv"}

    def state_bucket(self) -> str:
        return self.bucket("tfstate")

    def state_lock_table(self) -> str:
        return self.resource("tflock")

    def state_key(self, kind: str) -> str:
        return f"{self.stack(kind)}/terraform.tfstate"
