"""DataStack: the tables, the buckets and the market-data store.

Tables and buckets are retained when the stack is destroyed (see `modules.constructs.retention`);
the operational tables (idempotency, connections) hold rebuildable data and are not.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from cdktf_cdktf_provider_aws.timestreamwrite_database import TimestreamwriteDatabase
from cdktf_cdktf_provider_aws.timestreamwrite_table import (
    TimestreamwriteTable,
    TimestreamwriteTableMagneticStoreWriteProperties,
    TimestreamwriteTableRetentionProperties,
)
from constructs import Construct

from modules.catalog import buckets as bk
from modules.catalog import tables as tb
from modules.config import EnvironmentConfig, MarketDataStore
from modules.constructs.kms_key import CustomerKey
from modules.constructs.retention import retain_on_destroy
from modules.constructs.secure_bucket import SecureBucket, SecureBucketProps
from modules.constructs.table import Table
from modules.stacks.base import BaseStack

ACCESS_LOGS = "access-logs"
ACCESS_LOG_RETENTION_DAYS = 365


class DataStack(BaseStack):
    kind = "data"

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, key: CustomerKey) -> None:
        super().__init__(scope, config)
        n = self.naming
        self.key = key
        self.access_logs = self._access_log_bucket()
        self.buckets: dict[str, SecureBucket] = {
            spec.name: SecureBucket(self, f"Bucket-{spec.name}", SecureBucketProps(
                bucket_name=n.bucket(spec.name), key=key, access_log_bucket=self.access_logs,
            ))
            for spec in bk.BUCKETS
        }
        table_specs = list(tb.CORE_TABLES)
        if config.market_data_store is MarketDataStore.DYNAMODB:
            table_specs.append(tb.MARKET_DATA)
        self.tables: dict[str, Table] = {
            spec.name: Table(self, f"Table-{spec.name}", spec=spec, table_name=n.resource(spec.name), key=key,
                             deletion_protection=config.deletion_protection)
            for spec in table_specs
        }
        self.timestream: tuple[TimestreamwriteDatabase, TimestreamwriteTable] | None = None
        if config.market_data_store is MarketDataStore.TIMESTREAM:
            self.timestream = self._timestream()

        for name, table in sorted(self.tables.items()):
            TerraformOutput(self, f"table_{name.replace('-', '_')}", value=table.name)
        for name, bucket in sorted(self.buckets.items()):
            TerraformOutput(self, f"bucket_{name.replace('-', '_')}", value=bucket.name)

    def _access_log_bucket(self) -> SecureBucket:
        name = self.naming.bucket(ACCESS_LOGS)
        account = self.config.account_id
        log_delivery = {
            "Sid": "AllowServerAccessLogDelivery", "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{name}/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }
        return SecureBucket(self, "AccessLogs", SecureBucketProps(
            bucket_name=name, key=None, access_log_bucket=None, expire_after_days=ACCESS_LOG_RETENTION_DAYS,
            glacier_after_days=90, deep_archive_after_days=180, extra_policy_statements=(log_delivery,),
        ))

    def _timestream(self) -> tuple[TimestreamwriteDatabase, TimestreamwriteTable]:
        database = TimestreamwriteDatabase(self, "MarketDatabase", database_name=self.naming.resource("market"),
                                           kms_key_id=self.key.arn)
        table = TimestreamwriteTable(
            self, "MarketTable", database_name=database.database_name, table_name="prices",
            retention_properties=TimestreamwriteTableRetentionProperties(
                memory_store_retention_period_in_hours=24, magnetic_store_retention_period_in_days=3650),
            magnetic_store_write_properties=TimestreamwriteTableMagneticStoreWriteProperties(
                enable_magnetic_store_writes=True),
        )
        retain_on_destroy(database)
        retain_on_destroy(table)
        return database, table
