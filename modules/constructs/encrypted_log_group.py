"""A CloudWatch log group created explicitly: bounded retention, encrypted with the customer key.

Services that log on their own (API Gateway execution logs, WebSocket stages) would otherwise create
their group on first write, unencrypted and kept forever; creating it first with the exact name wins.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from modules.constructs.kms_key import CustomerKey


class EncryptedLogGroup(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, retention_days: int, key: CustomerKey) -> None:
        super().__init__(scope, id_)
        self.resource = CloudwatchLogGroup(self, "Resource", name=name, retention_in_days=retention_days,
                                           kms_key_id=key.arn)

    @property
    def arn(self) -> str:
        return self.resource.arn

    @property
    def name(self) -> str:
        return self.resource.name
