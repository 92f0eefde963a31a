"""The SNS topic that every alarm and budget notifies, encrypted with the customer key.

The key policy already lets CloudWatch and Budgets use the key; the topic policy lets them publish
for this account only, and refuses publishing without TLS. E-mail subscriptions are confirmed by
their recipients (Terraform cannot), until then they receive nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from modules.constructs import perms
from modules.constructs.kms_key import CustomerKey


class AlertTopic(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, key: CustomerKey, account_id: str, region: str,
                 emails: Sequence[str]) -> None:
        super().__init__(scope, id_)
        self.resource = SnsTopic(self, "Resource", name=name, kms_master_key_id=key.arn,
                                 display_name=name[:100])
        arn = self.resource.arn
        publish = list(perms.TOPIC_PUBLISH_ACTIONS)
        policy = {"Version": "2012-10-17", "Statement": [
            {"Sid": "CloudWatchAlarmsOfThisAccount", "Effect": "Allow",
             "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": publish, "Resource": arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                           "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*"}}},
            {"Sid": "BudgetsOfThisAccount", "Effect": "Allow",
             "Principal": {"Service": "budgets.amazonaws.com"}, "Action": publish, "Resource": arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                           "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account_id}:*"}}},
            {"Sid": "DenyPublishWithoutTls", "Effect": "Deny", "Principal": "*", "Action": publish,
             "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]}
        SnsTopicPolicy(self, "Policy", arn=arn, policy=json.dumps(policy, sort_keys=True))
        for index, email in enumerate(emails):
            SnsTopicSubscription(self, f"Email{index}", topic_arn=arn, protocol="email", endpoint=email)

    @property
    def arn(self) -> str:
        return self.resource.arn
