"""What every stack of the system shares: provider, remote state, default tags."""

from __future__ import annotations

from cdktf import S3Backend, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from modules.config import EnvironmentConfig, Naming
from modules.config.naming import COST_ALLOCATION_TAG


class BaseStack(TerraformStack):
    """One deployable unit of one environment: `ai-investment-<kind>-<env>`."""

    kind: str = ""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        self.config = config
        self.naming = Naming(config)
        super().__init__(scope, self.naming.stack(self.kind))
        AwsProvider(
            self, "aws",
            region=config.region,
            # Refuse to plan or apply against any other account.
            allowed_account_ids=[config.account_id],
            default_tags=[AwsProviderDefaultTags(tags=self.default_tags)],
        )
        S3Backend(
            self,
            bucket=self.naming.state_bucket(),
            key=self.naming.state_key(self.kind),
            region=config.region,
            dynamodb_table=self.naming.state_lock_table(),
            encrypt=True,
        )

    @property
    def default_tags(self) -> dict[str, str]:
        return {
            "project": self.config.project_name,
            COST_ALLOCATION_TAG: self.config.name,
            "stack": self.kind,
            "managed-by": "aiinv",
        }
