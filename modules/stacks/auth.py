"""AuthStack: Cognito user pool, groups, app client, hosted-UI domain and identity pool.

Sign-in by e-mail; users are created by administrators (no self sign-up for an investment system).
The app client uses the authorization-code grant with PKCE; the seed's implicit grant exists only
where the environment switches it on. The identity pool admits no unauthenticated identities and maps
each group to its own role. Where the environment protects against deletion (prod), the pool and its
groups are retained on destroy: they hold the users and their memberships.
"""

from __future__ import annotations

import json

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.cognito_identity_pool import (
    CognitoIdentityPool,
    CognitoIdentityPoolCognitoIdentityProviders,
)
from cdktf_cdktf_provider_aws.cognito_identity_pool_roles_attachment import (
    CognitoIdentityPoolRolesAttachment,
    CognitoIdentityPoolRolesAttachmentRoleMapping,
)
from cdktf_cdktf_provider_aws.cognito_user_group import CognitoUserGroup
from cdktf_cdktf_provider_aws.cognito_user_pool import (
    CognitoUserPool,
    CognitoUserPoolAccountRecoverySetting,
    CognitoUserPoolAccountRecoverySettingRecoveryMechanism,
    CognitoUserPoolAdminCreateUserConfig,
    CognitoUserPoolPasswordPolicy,
    CognitoUserPoolSoftwareTokenMfaConfiguration,
    CognitoUserPoolUsernameConfiguration,
)
from cdktf_cdktf_provider_aws.cognito_user_pool_client import (
    CognitoUserPoolClient,
    CognitoUserPoolClientTokenValidityUnits,
)
from cdktf_cdktf_provider_aws.cognito_user_pool_domain import CognitoUserPoolDomain
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import Construct

from modules.catalog import entry_points
from modules.config import EnvironmentConfig, MfaMode
from modules.constructs.retention import retain_on_destroy
from modules.stacks.base import BaseStack

# Lower precedence wins when a user is in several groups.
GROUPS: dict[str, tuple[int, str]] = {
    "admin": (1, "Administers the system; may do everything"),
    "approver": (2, "Approves or rejects proposals that passed the risk check"),
    "analyst": (3, "Ingests data and creates proposals"),
    "viewer": (4, "Reads dashboards and figures"),
}
OAUTH_SCOPES = ("email", "openid", "profile")


class AuthStack(BaseStack):
    kind = "auth"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config)
        n = self.naming
        self.user_pool = CognitoUserPool(
            self, "UserPool",
            name=n.resource("users"),
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            username_configuration=CognitoUserPoolUsernameConfiguration(case_sensitive=False),
            password_policy=CognitoUserPoolPasswordPolicy(
                minimum_length=14, require_lowercase=True, require_uppercase=True, require_numbers=True,
                require_symbols=True, temporary_password_validity_days=3, password_history_size=5,
            ),
            mfa_configuration=config.mfa.value,
            software_token_mfa_configuration=(
                CognitoUserPoolSoftwareTokenMfaConfiguration(enabled=True) if config.mfa is not MfaMode.OFF
                else None),
            admin_create_user_config=CognitoUserPoolAdminCreateUserConfig(allow_admin_create_user_only=True),
            account_recovery_setting=CognitoUserPoolAccountRecoverySetting(recovery_mechanism=[
                CognitoUserPoolAccountRecoverySettingRecoveryMechanism(name="verified_email", priority=1)]),
            deletion_protection="ACTIVE" if config.deletion_protection else "INACTIVE",
        )
        self.client = CognitoUserPoolClient(
            self, "AppClient",
            name=n.resource("web"),
            user_pool_id=self.user_pool.id,
            # A public browser client: no secret, code grant with PKCE (Cognito enforces PKCE for it).
            generate_secret=False,
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code", "implicit"] if config.allow_implicit_grant else ["code"],
            allowed_oauth_scopes=list(OAUTH_SCOPES),
            callback_urls=list(config.oauth_callback_urls) or None,
            logout_urls=list(config.oauth_logout_urls) or None,
            supported_identity_providers=["COGNITO"],
            explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=60,
            id_token_validity=60,
            refresh_token_validity=30,
            token_validity_units=[CognitoUserPoolClientTokenValidityUnits(
                access_token="minutes", id_token="minutes", refresh_token="days")],
        )
        self.domain = CognitoUserPoolDomain(self, "Domain", domain=n.cognito_domain(),
                                            user_pool_id=self.user_pool.id)
        self.identity_pool = CognitoIdentityPool(
            self, "IdentityPool",
            identity_pool_name=n.resource("identities").replace("-", "_"),
            allow_unauthenticated_identities=False,
            allow_classic_flow=False,
            cognito_identity_providers=[CognitoIdentityPoolCognitoIdentityProviders(
                client_id=self.client.id, provider_name=self.user_pool.endpoint, server_side_token_check=True,
            )],
        )
        self.authenticated_role = self._identity_role("authenticated")
        self.groups: dict[str, CognitoUserGroup] = {}
        for group, (precedence, description) in GROUPS.items():
            role = self._identity_role(group)
            self.groups[group] = CognitoUserGroup(
                self, f"Group-{group}", name=group, user_pool_id=self.user_pool.id, precedence=precedence,
                description=description, role_arn=role.arn,
            )
        CognitoIdentityPoolRolesAttachment(
            self, "IdentityRoles",
            identity_pool_id=self.identity_pool.id,
            roles={"authenticated": self.authenticated_role.arn},
            # The group's role from the token; anything ambiguous gets no credentials.
            role_mapping=[CognitoIdentityPoolRolesAttachmentRoleMapping(
                identity_provider=f"{self.user_pool.endpoint}:{self.client.id}", type="Token",
                ambiguous_role_resolution="Deny",
            )],
        )

        if config.deletion_protection:
            # The pool holds the users and the groups their memberships: both outlive a destroy.
            for kept in (self.user_pool, *self.groups.values()):
                retain_on_destroy(kept)

        TerraformOutput(self, "user_pool_id", value=self.user_pool.id,
                        description=entry_points.describe("Cognito user pool"))
        TerraformOutput(self, "user_pool_client_id", value=self.client.id,
                        description=entry_points.describe("app client"))
        TerraformOutput(self, "identity_pool_id", value=self.identity_pool.id)
        TerraformOutput(self, "hosted_ui_domain", value=self.domain.domain)
        TerraformOutput(self, "hosted_ui_url", value=entry_points.hosted_ui_url(self.domain.domain, config.region),
                        description=entry_points.describe("hosted sign-in UI"))

    def _identity_role(self, name: str) -> IamRole:
        """Role for authenticated identities of this pool only; permissions are granted where needed."""
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": self.identity_pool.id},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        }]}
        return IamRole(self, f"IdentityRole-{name}", name=self.naming.resource(f"identity-{name}"),
                       assume_role_policy=json.dumps(trust, sort_keys=True), max_session_duration=3600)
