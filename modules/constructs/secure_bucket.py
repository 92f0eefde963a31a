"""An S3 bucket that is secure without anyone asking.

In Terraform one bucket is several resources; this construct owns them all, with stable child ids:
Resource, Ownership (ACLs disabled), PublicAccessBlock, Versioning, Encryption (SSE-KMS with the
customer key and a bucket key), Lifecycle (intelligent tiering, Glacier, Deep Archive, noncurrent
expiry, aborted uploads), Policy (TLS 1.2+ only) and Logging (server access logs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResource
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from modules.constructs import perms
from modules.constructs.grants import Grantee, Statement
from modules.constructs.kms_key import CustomerKey
from modules.constructs.retention import retain_on_destroy


@dataclass(frozen=True, kw_only=True)
class SecureBucketProps:
    bucket_name: str
    """Physical, globally unique name (from `Naming.bucket`)."""
    key: CustomerKey | None
    """Customer key for SSE-KMS. None only for the access-log bucket: S3 server access log delivery
    supports SSE-S3 destinations only."""
    access_log_bucket: SecureBucket | None = None
    """Where server access logs go. None only for the access-log bucket itself."""
    intelligent_tiering_after_days: int = 0
    """Current versions move to Intelligent-Tiering after this many days."""
    glacier_after_days: int = 90
    """Current versions move to Glacier Flexible Retrieval after this many days."""
    deep_archive_after_days: int = 180
    """Current versions move to Glacier Deep Archive after this many days."""
    expire_after_days: int | None = None
    """Delete current versions after this many days; None keeps them (archived)."""
    noncurrent_expire_days: int = 90
    """Delete noncurrent versions after this many days."""
    abort_incomplete_upload_days: int = 7
    """Clean up multipart uploads that never completed."""
    retain: bool = True
    """Keep the bucket and its configuration when the stack is destroyed (the seed's RETAIN)."""
    extra_policy_statements: tuple[dict[str, object], ...] = ()
    """Bucket-policy statements beyond TLS-only (e.g. log delivery on the access-log bucket)."""

    def __post_init__(self) -> None:
        if (self.key is None) != (self.access_log_bucket is None):
            raise ValueError(
                f"bucket '{self.bucket_name}': only the access-log bucket may go without a customer key, "
                "and it must not log to itself; set both key and access_log_bucket, or neither"
            )
        tiers = (self.intelligent_tiering_after_days, self.glacier_after_days, self.deep_archive_after_days)
        if list(tiers) != sorted(tiers) or len(set(tiers)) != len(tiers):
            raise ValueError(
                f"bucket '{self.bucket_name}': lifecycle days must increase from intelligent tiering to "
                f"Glacier to Deep Archive (got {tiers})"
            )
        if self.deep_archive_after_days - self.glacier_after_days < 90:
            # S3 rejects the rule otherwise: Glacier has a 90-day minimum storage duration.
            raise ValueError(
                f"bucket '{self.bucket_name}': Deep Archive must come at least 90 days after Glacier "
                f"(got {self.glacier_after_days} and {self.deep_archive_after_days})"
            )


class SecureBucket(Construct):
    def __init__(self, scope: Construct, id_: str, props: SecureBucketProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.key = props.key
        self.resource = S3Bucket(self, "Resource", bucket=props.bucket_name, force_destroy=False)
        bucket_id = self.resource.id
        children: list[TerraformResource] = [
            S3BucketOwnershipControls(self, "Ownership", bucket=bucket_id,
                                      rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced")),
            S3BucketPublicAccessBlock(self, "PublicAccessBlock", bucket=bucket_id, block_public_acls=True,
                                      block_public_policy=True, ignore_public_acls=True,
                                      restrict_public_buckets=True),
            S3BucketVersioningA(self, "Versioning", bucket=bucket_id,
                                versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled")),
            S3BucketServerSideEncryptionConfigurationA(self, "Encryption", bucket=bucket_id,
                                                       rule=[self._encryption_rule()]),
            S3BucketLifecycleConfiguration(self, "Lifecycle", bucket=bucket_id, rule=self._lifecycle_rules()),
        ]
        self.policy = S3BucketPolicy(self, "Policy", bucket=bucket_id, policy=self._policy())
        children.append(self.policy)
        if props.access_log_bucket is not None:
            children.append(S3BucketLoggingA(self, "Logging", bucket=bucket_id,
                                             target_bucket=props.access_log_bucket.resource.id,
                                             target_prefix=f"{props.bucket_name}/",
                                             # S3 checks that the target's policy admits log delivery.
                                             depends_on=[props.access_log_bucket.policy]))
        if props.retain:
            for resource in (self.resource, *children):
                retain_on_destroy(resource)

    @property
    def arn(self) -> str:
        return self.resource.arn

    @property
    def name(self) -> str:
        return self.resource.bucket

    # Grants -------------------------------------------------------------------------------------
    def grant_read(self, grantee: Grantee, name: str, prefix: str = "*") -> None:
        self._grant(grantee, name, perms.OBJECT_READ_ACTIONS, perms.KEY_DECRYPT_ONLY_ACTIONS, prefix,
                    bucket_actions=perms.BUCKET_LIST_ACTIONS)

    def grant_put(self, grantee: Grantee, name: str, prefix: str = "*") -> None:
        self._grant(grantee, name, perms.OBJECT_PUT_ACTIONS, perms.KEY_ENCRYPT_ACTIONS, prefix)

    def grant_read_write(self, grantee: Grantee, name: str, prefix: str = "*") -> None:
        self._grant(grantee, name, perms.OBJECT_READ_ACTIONS + perms.OBJECT_PUT_ACTIONS,
                    perms.KEY_ENCRYPT_ACTIONS, prefix, bucket_actions=perms.BUCKET_LIST_ACTIONS)

    def grant_retract(self, grantee: Grantee, name: str, prefix: str = "*") -> None:
        """Delete a version by its id (one the grantee wrote and knows), without listing or reading."""
        self._grant(grantee, name, perms.OBJECT_RETRACT_ACTIONS, (), prefix)

    def grant_delete(self, grantee: Grantee, name: str, prefix: str = "*") -> None:
        self._grant(grantee, name, perms.OBJECT_DELETE_ACTIONS, (), prefix,
                    bucket_actions=perms.BUCKET_LIST_VERSIONS_ACTIONS)

    def _grant(self, grantee: Grantee, name: str, object_actions: Sequence[str], key_actions: Sequence[str],
               prefix: str, bucket_actions: Sequence[str] = ()) -> None:
        statements = [Statement("Objects", tuple(object_actions), (f"{self.arn}/{prefix}",))]
        if bucket_actions:
            statements.insert(0, Statement("ListBucket", tuple(bucket_actions), (self.arn,)))
        if key_actions and self.key is not None:
            statements.append(self.key.via_service("s3", tuple(key_actions), "KeyViaS3"))
        grantee.grant(name, statements)

    # Rendering ----------------------------------------------------------------------------------
    def _encryption_rule(self) -> S3BucketServerSideEncryptionConfigurationRuleA:
        if self.key is None:
            return S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=(
                    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="AES256")))
        return S3BucketServerSideEncryptionConfigurationRuleA(
            apply_server_side_encryption_by_default=(
                S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                    sse_algorithm="aws:kms", kms_master_key_id=self.key.arn)),
            bucket_key_enabled=True,
        )

    def _lifecycle_rules(self) -> list[S3BucketLifecycleConfigurationRule]:
        p = self.props
        transitions = [
            (p.intelligent_tiering_after_days, "INTELLIGENT_TIERING"),
            (p.glacier_after_days, "GLACIER"),
            (p.deep_archive_after_days, "DEEP_ARCHIVE"),
        ]
        return [S3BucketLifecycleConfigurationRule(
            id="archive",
            status="Enabled",
            filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            transition=[S3BucketLifecycleConfigurationRuleTransition(days=d, storage_class=c)
                        for d, c in transitions],
            expiration=(None if p.expire_after_days is None
                        else [S3BucketLifecycleConfigurationRuleExpiration(days=p.expire_after_days)]),
            noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                noncurrent_days=p.noncurrent_expire_days)],
            abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=p.abort_incomplete_upload_days)],
        )]

    def _policy(self) -> str:
        arn = self.resource.arn
        resources = [arn, f"{arn}/*"]
        statements: list[dict[str, object]] = [
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": resources, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "DenyOutdatedTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": resources, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
            *self.props.extra_policy_statements,
        ]
        return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
