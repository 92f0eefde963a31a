"""A Secrets Manager secret encrypted with the customer key, whose value never enters code or state.

Only the secret's container is managed here; operators put the value with
`aws secretsmanager put-secret-value` (see README), so Terraform state never holds it.
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktf_cdktf_provider_aws.secretsmanager_secret_policy import SecretsmanagerSecretPolicy
from constructs import Construct

from modules.catalog.secrets import SecretSpec
from modules.constructs import perms
from modules.constructs.grants import Grantee, Statement
from modules.constructs.kms_key import CustomerKey


class Secret(Construct):
    def __init__(self, scope: Construct, id_: str, *, spec: SecretSpec, secret_name: str, key: CustomerKey,
                 recovery_window_days: int, account_id: str) -> None:
        super().__init__(scope, id_)
        self.spec = spec
        self.key = key
        self.resource = SecretsmanagerSecret(
            self, "Resource", name=secret_name, description=spec.description, kms_key_id=key.arn,
            recovery_window_in_days=recovery_window_days,
        )
        # Refuse any principal outside the account, whatever IAM says.
        policy = {"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyOutsideAccount", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*",
            "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalAccount": account_id}},
        }]}
        SecretsmanagerSecretPolicy(self, "Policy", secret_arn=self.resource.arn, block_public_policy=True,
                                   policy=json.dumps(policy, sort_keys=True))

    @property
    def arn(self) -> str:
        return self.resource.arn

    def grant_read(self, grantee: Grantee, name: str) -> None:
        grantee.grant(name, [
            Statement("ReadSecret", perms.SECRET_READ_ACTIONS, (self.arn,)),
            self.key.via_service("secretsmanager", perms.KEY_DECRYPT_ONLY_ACTIONS, "KeyViaSecretsManager"),
        ])
