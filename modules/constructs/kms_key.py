"""The customer-managed key that encrypts everything at rest.

Key and alias are retained on destroy, like the data they encrypt: a key scheduled for deletion would
make every retained table, bucket and market-data record unreadable.

Key policy: the account root administers the key but cannot use it directly; principals of the
account use it only through the services listed in `ENCRYPTING_SERVICES`; CloudWatch Logs, CloudWatch
alarms, EventBridge and Budgets (which write to encrypted log groups, topics and queues) get exactly
the actions they need, and only on behalf of this account: `aws:SourceAccount` (with `aws:SourceArn`
where the service sends it) for the publishers, the log-group encryption context for CloudWatch Logs,
which is the condition CloudWatch Logs documents for its key requests.
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules.config import EnvironmentConfig
from modules.constructs.grants import Condition, Statement
from modules.constructs.retention import retain_on_destroy

# Services whose resources are encrypted with the key, used by principals of the account.
ENCRYPTING_SERVICES = ("dynamodb", "lambda", "s3", "secretsmanager", "sns", "sqs", "timestream")
_PUBLISH_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")

_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*", "kms:Describe*", "kms:Disable*", "kms:Enable*",
    "kms:Get*", "kms:List*", "kms:Put*", "kms:Revoke*", "kms:ScheduleKeyDeletion", "kms:TagResource",
    "kms:UntagResource", "kms:Update*",
)
_USE_ACTIONS = ("kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
                "kms:ReEncrypt*")
_LOGS_ACTIONS = ("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*")


class CustomerKey(Construct):
    """Symmetric KMS key with yearly rotation, an alias and a service-scoped key policy."""

    def __init__(self, scope: Construct, id_: str, *, config: EnvironmentConfig, alias: str) -> None:
        super().__init__(scope, id_)
        self._region = config.region
        self._account = config.account_id
        self.resource = KmsKey(
            self, "Resource",
            description=f"{config.project_name} {config.name}: encryption at rest for every data store",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=config.kms_deletion_window_days,
            is_enabled=True,
            policy=json.dumps(self._policy(), sort_keys=True),
        )
        self.alias = KmsAlias(self, "Alias", name=alias, target_key_id=self.resource.key_id)
        # Retained data (tables, buckets, market data) stays readable only while its key lives.
        retain_on_destroy(self.resource)
        retain_on_destroy(self.alias)

    @property
    def arn(self) -> str:
        return self.resource.arn

    def via_service(self, service: str, actions: tuple[str, ...], sid: str) -> Statement:
        """Statement letting a grantee use the key only through `service` (e.g. 'dynamodb')."""
        return Statement(
            sid=sid, actions=actions, resources=(self.arn,),
            conditions=(Condition("StringEquals", "kms:ViaService", (self._service_endpoint(service),)),),
        )

    def _service_endpoint(self, service: str) -> str:
        return f"{service}.{self._region}.amazonaws.com"

    def _publishers(self) -> dict[str, str | None]:
        """Publishing service -> the ARN pattern of its resources in this account (None: account only;
        EventBridge's key requests for target deliveries are matched by account)."""
        region, account = self._region, self._account
        return {
            "budgets.amazonaws.com": f"arn:aws:budgets::{account}:budget/*",
            "cloudwatch.amazonaws.com": f"arn:aws:cloudwatch:{region}:{account}:alarm:*",
            "events.amazonaws.com": None,
        }

    def _publisher(self, service: str, source_arn: str | None) -> dict[str, object]:
        condition: dict[str, dict[str, str]] = {"StringEquals": {"aws:SourceAccount": self._account}}
        if source_arn:
            condition["ArnLike"] = {"aws:SourceArn": source_arn}
        sid = "Publish" + service.split(".")[0].capitalize()
        return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": service},
                "Action": list(_PUBLISH_ACTIONS), "Resource": "*", "Condition": condition}

    def _policy(self) -> dict[str, object]:
        root = f"arn:aws:iam::{self._account}:root"
        # In a key policy, Resource "*" means this key.
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": root},
                 "Action": list(_ADMIN_ACTIONS), "Resource": "*"},
                {"Sid": "UseThroughEncryptingServices", "Effect": "Allow", "Principal": {"AWS": root},
                 "Action": list(_USE_ACTIONS), "Resource": "*",
                 "Condition": {
                     "StringEquals": {
                         "kms:CallerAccount": self._account,
                         "kms:ViaService": [self._service_endpoint(s) for s in ENCRYPTING_SERVICES],
                     }}},
                {"Sid": "CloudWatchLogs", "Effect": "Allow",
                 "Principal": {"Service": f"logs.{self._region}.amazonaws.com"},
                 "Action": list(_LOGS_ACTIONS), "Resource": "*",
                 "Condition": {"ArnLike": {
                     "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{self._region}:{self._account}:*"}}},
                # Alarms, schedules and budgets publish to encrypted topics and dead-letter queues, each only
                # on behalf of this account (no confused deputy).
                *(self._publisher(service, source) for service, source in self._publishers().items()),
            ],
        }
