"""`aiinv bootstrap`: the environment's state bucket and lock table, created idempotently.

The bucket gets versioning (recovery of any earlier state), default SSE-KMS encryption, a full public
access block, bucket-owner-enforced ownership (no ACLs) and a policy that refuses plain HTTP. The lock
table has the `LockID` string key Terraform expects, on-demand billing and encryption at rest.
Settings are (re)applied every time, so a run also repairs drift; the report says what existed.
It also owns the settings that exist once per account and region (`cli.aws.account`): API Gateway's
CloudWatch role and the cost-allocation tag that the environments' budgets filter on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cli.core.errors import AiinvError


@dataclass(frozen=True)
class Step:
    resource: str
    name: str
    state: str
    """created, already existed (settings ensured), or what an account-level setting reports."""


def _state(existed: bool) -> str:
    return "already existed (settings ensured)" if existed else "created"


def bootstrap(config: object) -> list[Step]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cli.aws.account import ensure_account_settings
    from modules.config import Naming

    naming = Naming(config)  # type: ignore[arg-type]
    region = config.region  # type: ignore[attr-defined]
    bucket, table = naming.state_bucket(), naming.state_lock_table()
    try:
        s3 = boto3.client("s3", region_name=region)
        ddb = boto3.client("dynamodb", region_name=region)
        tags = naming.tags("bootstrap")
        steps = [
            Step("state bucket", bucket, _state(_bucket(s3, bucket, region, tags))),
            Step("lock table", table, _state(_table(ddb, table, tags))),
        ]
        account = ensure_account_settings(config, boto3.Session())
        return steps + [Step(s.resource, s.name, s.state) for s in account]
    except (BotoCoreError, ClientError) as exc:
        raise AiinvError(f"bootstrap of '{config.name}' failed: {exc}") from exc  # type: ignore[attr-defined]


def _bucket(s3: object, name: str, region: str, tags: dict[str, str]) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
        existed = True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
        existed = False
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerEnforced", **extra)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    # Ours over whatever tags someone added, which stay.
    try:
        current = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchTagSet":
            raise
        current = {}
    merged = {**current, **tags}
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in merged.items()]})
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}
            ]
        },
    )
    if s3.meta.endpoint_url.startswith("https://"):
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(_tls_only_policy(name)))
    # else: a local emulator over plain http; a TLS-only policy would lock everyone out.
    return existed


def _tls_only_policy(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _table(ddb: object, name: str, tags: dict[str, str]) -> bool:
    pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
    try:
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        ddb.tag_resource(ResourceArn=arn, Tags=pairs)
        return True
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(
        Tags=pairs,
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        SSESpecification={"Enabled": True},
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return False
