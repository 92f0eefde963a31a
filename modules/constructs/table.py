"""A DynamoDB table rendered from a catalog `TableSpec`, secure by default.

On-demand billing, SSE with the customer key, point-in-time recovery always; deletion protection
where the environment says so, on retained tables only (a protected table that destroy would delete
blocks the destroy); TTL and streams where the spec asks for them.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from constructs import Construct

from modules.catalog.tables import TableSpec
from modules.constructs import perms
from modules.constructs.grants import Grantee, Statement
from modules.constructs.kms_key import CustomerKey
from modules.constructs.retention import retain_on_destroy


class Table(Construct):
    def __init__(self, scope: Construct, id_: str, *, spec: TableSpec, table_name: str, key: CustomerKey,
                 deletion_protection: bool) -> None:
        super().__init__(scope, id_)
        self.spec = spec
        self.key = key
        key_attributes = {spec.partition_key, *(a for a in [spec.sort_key] if a)}
        for index in spec.indexes:
            key_attributes |= {index.partition_key, *(a for a in [index.sort_key] if a)}
        self.resource = DynamodbTable(
            self, "Resource",
            name=table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=spec.partition_key,
            range_key=spec.sort_key,
            attribute=[DynamodbTableAttribute(name=a, type="S") for a in sorted(key_attributes)],
            global_secondary_index=[
                DynamodbTableGlobalSecondaryIndex(name=i.name, hash_key=i.partition_key, range_key=i.sort_key,
                                                  projection_type="ALL")
                for i in spec.indexes
            ] or None,
            ttl=DynamodbTableTtl(attribute_name=spec.ttl_attribute, enabled=True) if spec.ttl_attribute else None,
            stream_enabled=True if spec.stream else None,
            stream_view_type=spec.stream.value if spec.stream else None,
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=key.arn),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            deletion_protection_enabled=deletion_protection and spec.retain,
        )
        if spec.retain:
            retain_on_destroy(self.resource)

    @property
    def arn(self) -> str:
        return self.resource.arn

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def stream_arn(self) -> str:
        if self.spec.stream is None:
            raise ValueError(f"table '{self.spec.name}' has no stream; set `stream` in its TableSpec first")
        return self.resource.stream_arn

    def _resources(self) -> tuple[str, ...]:
        return (self.arn, f"{self.arn}/index/*") if self.spec.indexes else (self.arn,)

    # Grants -------------------------------------------------------------------------------------
    def grant_read(self, grantee: Grantee, name: str) -> None:
        self._grant(grantee, name, perms.TABLE_READ_ACTIONS, perms.KEY_DECRYPT_ACTIONS)

    def grant_read_write(self, grantee: Grantee, name: str) -> None:
        self._grant(grantee, name, perms.TABLE_READ_ACTIONS + perms.TABLE_WRITE_ACTIONS,
                           perms.KEY_ENCRYPT_ACTIONS)

    def grant_idempotency(self, grantee: Grantee, name: str) -> None:
        self._grant(grantee, name, perms.IDEMPOTENCY_ACTIONS, perms.KEY_ENCRYPT_ACTIONS)

    def grant_stream_read(self, grantee: Grantee, name: str) -> None:
        grantee.grant(name, [
            Statement("StreamRead", perms.TABLE_STREAM_READ_ACTIONS, (self.stream_arn,)),
            # ListStreams supports no resource-level scope.
            Statement("ListStreams", perms.TABLE_LIST_STREAMS_ACTIONS, ("*",)),
            self.key.via_service("dynamodb", perms.KEY_DECRYPT_ACTIONS, "KeyViaDynamoDB"),
        ])

    def _grant(self, grantee: Grantee, name: str, actions: tuple[str, ...],
               key_actions: tuple[str, ...]) -> None:
        grantee.grant(name, [
            Statement("Table", actions, self._resources()),
            self.key.via_service("dynamodb", key_actions, "KeyViaDynamoDB"),
        ])
