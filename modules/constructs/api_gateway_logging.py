"""The account-level CloudWatch Logs role of API Gateway (`aws_api_gateway_account`).

API Gateway writes execution logs of REST and WebSocket stages only when the account and region have
this role set; without it, enabling stage logging fails. The setting is a regional singleton: when
several environments share an account and region, each sets an equivalent role and the last apply
wins. Role and setting are retained on destroy (as AWS CDK retains them by default), so destroying
one environment cannot switch off logging for the others.
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from modules.constructs import perms
from modules.constructs.retention import retain_on_destroy


class ApiGatewayLogging(Construct):
    def __init__(self, scope: Construct, id_: str, *, role_name: str) -> None:
        super().__init__(scope, id_)
        # As API Gateway documents it: no source condition, because the service assumes the role for
        # every API of the account and region.
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole",
        }]}
        self.role = IamRole(self, "Role", name=role_name, assume_role_policy=json.dumps(trust, sort_keys=True),
                            description="API Gateway writes execution and access logs to CloudWatch Logs",
                            max_session_duration=3600)
        self.policy = IamRolePolicyAttachment(self, "PushToLogs", role=self.role.name,
                                              policy_arn=perms.APIGATEWAY_PUSH_TO_LOGS_POLICY)
        self.account = ApiGatewayAccount(self, "Account", cloudwatch_role_arn=self.role.arn,
                                         depends_on=[self.policy])
        for resource in (self.role, self.policy, self.account):
            retain_on_destroy(resource)
