"""SecurityStack: the customer key, the source-credential secrets and one role per function.

Roles are scoped without a dependency cycle: what every function needs and what lives here (its log
group by computed name, its secret) is granted here; grants on data resources are made later, in the
compute stack, as managed policies attached to these roles. Security depends on nothing.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from modules.catalog import functions as fn
from modules.catalog import secrets as sec
from modules.config import EnvironmentConfig
from modules.constructs.function_role import FunctionRole
from modules.constructs.kms_key import CustomerKey
from modules.constructs.secret import Secret
from modules.stacks.base import BaseStack


class SecurityStack(BaseStack):
    kind = "security"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        n = self.naming
        self.key = CustomerKey(self, "Key", config=config, alias=n.kms_alias())
        self.roles: dict[str, FunctionRole] = {
            spec.name: FunctionRole(
                self, f"Role-{spec.name}", role_name=n.resource(f"{spec.name}-role"),
                account_id=config.account_id, region=config.region,
                log_group_name=n.log_group(spec.name), description=f"{spec.description} ({config.name})",
            )
            for spec in fn.FUNCTIONS
        }
        self.secrets: dict[str, Secret] = {
            spec.name: Secret(
                self, f"Secret-{spec.name}", spec=spec, secret_name=n.secret(spec.name), key=self.key,
                recovery_window_days=config.secret_recovery_window_days, account_id=config.account_id,
            )
            for spec in sec.SECRETS
        }
        # Each function reads exactly the secrets its catalog entry names.
        for spec in fn.FUNCTIONS:
            for secret_name in spec.uses.secrets:
                self.secrets[secret_name].grant_read(self.roles[spec.name], f"read-{secret_name}")

        TerraformOutput(self, "kms_key_arn", value=self.key.arn, description="Customer key for data at rest")
        TerraformOutput(self, "kms_key_alias", value=self.key.alias.name)
