"""What every stack of the system shares: provider, remote state, default tags."""

from __future__ import annotations

from cdktf import DataTerraformRemoteStateS3, S3Backend, TerraformRemoteState, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from modules.config import EnvironmentConfig, Naming


class StateBackend(S3Backend):
    """The S3 backend with its DynamoDB lock table; the remote-state reads of other stacks go without the table.

    A stack that reads another's outputs only reads its state and takes no lock; naming the table there is
    deprecated in Terraform's S3 backend and warns on every plan.
    """

    def __init__(self, scope: Construct, *, bucket: str, key: str, region: str, lock_table: str) -> None:
        super().__init__(scope, bucket=bucket, key=key, region=region, dynamodb_table=lock_table, encrypt=True)
        self._read_config = {"bucket": bucket, "key": key, "region": region, "encrypt": True}

    def get_remote_state_data_source(self, scope: Construct, name: str, _from_stack: str) -> TerraformRemoteState:
        return DataTerraformRemoteStateS3(scope, name, workspace="${terraform.workspace}", **self._read_config)


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
        StateBackend(
            self,
            bucket=self.naming.state_bucket(),
            key=self.naming.state_key(self.kind),
            region=config.region,
            lock_table=self.naming.state_lock_table(),
        )

    @property
    def default_tags(self) -> dict[str, str]:
        return Naming(self.config).tags(self.kind)
