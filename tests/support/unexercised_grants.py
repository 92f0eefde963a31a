"""Grants that no recorded call uses, each with its reason: the one place where least privilege admits a grant the
recorded run does not exercise (`tests/infra/test_grants_oracle.py`).

`ACCEPTED` are grants with a reason to be there. `KNOWN_EXCESS` are grants nothing needs, listed so they are seen
(and no new one slips in unnoticed) until they are removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tests.support.grants_oracle import Grant, Request, covers

# DynamoDB access levels (Service Authorization Reference, "Actions defined by Amazon DynamoDB", column "Access level").
TABLE_READS = ("dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
               "dynamodb:Query", "dynamodb:Scan")
TABLE_WRITES = ("dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
TABLES = "arn:aws:dynamodb:*:table/*"
KEYS = "arn:aws:kms:*:key/*"


@dataclass(frozen=True)
class Reason:
    why: str
    actions: tuple[str, ...]
    resource: str
    """IAM pattern on the grant's resource."""
    via: str | None = None
    """The grant's kms:ViaService service (`dynamodb`), for KMS grants."""
    only_with: tuple[str, ...] = ()
    """Admitted only where the function makes one of these requests on the same table (or, for KMS, through the
    same service)."""

    def admits(self, grant: Grant, required: Iterable[Request]) -> bool:
        through = grant.via.split(".")[0] if grant.via else None
        if grant.action not in self.actions or through != self.via or not covers(self.resource, grant.resource):
            return False
        return not self.only_with or any(r.action in self.only_with and _same_holder(r, grant) for r in required)


def _same_holder(request: Request, grant: Grant) -> bool:
    """The same key through the same service, or the same table (an index counts as its table)."""
    if grant.via:
        return request.via == grant.via and request.resource == grant.resource
    return request.resource.split("/")[:2] == grant.resource.split("/")[:2]


ACCEPTED: tuple[Reason, ...] = (
    Reason("Only Query and Scan address an index; every other action names the table, so granted on "
           "`<table>/index/*` they authorise nothing.",
           tuple(a for a in TABLE_READS + TABLE_WRITES if a not in ("dynamodb:Query", "dynamodb:Scan")),
           f"{TABLES}/index/*"),
    Reason("Tables are granted by access level: a function that reads a table (or its indexes) may use any of the "
           "Read-level actions on it.", TABLE_READS, f"{TABLES}", only_with=TABLE_READS),
    Reason("Tables are granted by access level: a function that writes a table may use any of the Write-level "
           "actions on it.", TABLE_WRITES, TABLES, only_with=TABLE_WRITES),
    Reason("Powertools idempotency reads the stored record when a duplicate event arrives and deletes it when the "
           "handler fails; neither happens in the recorded run.",
           ("dynamodb:GetItem", "dynamodb:DeleteItem"), "arn:aws:dynamodb:*:table/*-idempotency-*"),
    Reason("score deletes the feature version it has just written when the signal was erased meanwhile (a race "
           "the recorded run does not stage).", ("s3:DeleteObject", "s3:DeleteObjectVersion"),
           "arn:aws:s3:::*-features-*/*"),
    Reason("The KMS Developer Guide's key policy for principals using DynamoDB tables under a customer key allows "
           "these through DynamoDB besides kms:Decrypt.",
           ("kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"),
           KEYS, via="dynamodb", only_with=("kms:Decrypt",)),
)

KNOWN_EXCESS: tuple[Reason, ...] = (
    Reason("S3 puts get the key actions of DynamoDB writes (KEY_ENCRYPT_ACTIONS); a single-part PutObject needs "
           "kms:GenerateDataKey (S3 User Guide, SSE-KMS permissions). Left until it is settled whether S3 Bucket "
           "Keys also decrypt with the caller's permission.",
           ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"), KEYS, via="s3"),
)


def unexplained(grants: Iterable[Grant], required: Iterable[Request]) -> list[Grant]:
    """Unexercised grants that neither `ACCEPTED` nor `KNOWN_EXCESS` explain."""
    required = list(required)
    return [g for g in grants if not any(reason.admits(g, required) for reason in ACCEPTED + KNOWN_EXCESS)]
