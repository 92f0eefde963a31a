"""The execution role of one function: trusted by Lambda in this account only.

The role starts with what every function needs (its own log group, X-Ray); everything else arrives
through the `grant_*` methods of the resources it uses, each as a named inline policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from modules.constructs import perms
from modules.constructs.grants import RoleGrantee, Statement


class FunctionRole(Construct):
    def __init__(self, scope: Construct, id_: str, *, role_name: str, account_id: str, region: str,
                 log_group_name: str, description: str) -> None:
        super().__init__(scope, id_)
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }]}
        self.resource = IamRole(self, "Resource", name=role_name, description=description,
                                assume_role_policy=json.dumps(trust, sort_keys=True),
                                max_session_duration=3600)
        self._grantee = RoleGrantee(self, "Grants", role_name=self.resource.name)
        log_group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_name}"
        self.grant("logs-and-traces", [
            Statement("WriteOwnLogGroup", perms.LOG_WRITE_ACTIONS, (f"{log_group_arn}:*",)),
            # X-Ray accepts no resource-level scope.
            Statement("WriteTraces", perms.XRAY_WRITE_ACTIONS, ("*",)),
        ])

    @property
    def arn(self) -> str:
        return self.resource.arn

    @property
    def name(self) -> str:
        return self.resource.name

    def grant(self, name: str, statements: Sequence[Statement]) -> None:
        self._grantee.grant(name, statements)
