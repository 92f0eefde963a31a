"""ComputeStack: the functions, their queues, schedules and stream mappings.

Everything a function may touch is declared once in `modules.catalog.functions` (`Uses`); this stack
grants exactly that through the constructs' `grant_*` methods and sets the environment variables
that name it. The roles live in the security stack; the grants are managed policies created here.
"""

from __future__ import annotations

import json

from cdktf import AssetType, TerraformAsset, TerraformOutput
from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetDeadLetterConfig,
    CloudwatchEventTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.lambda_event_source_mapping import (
    LambdaEventSourceMapping,
    LambdaEventSourceMappingDestinationConfig,
    LambdaEventSourceMappingDestinationConfigOnFailure,
)
from cdktf_cdktf_provider_aws.lambda_layer_version import LambdaLayerVersion
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from modules.catalog import buckets as bk
from modules.catalog import functions as fn
from modules.catalog import metrics as mt
from modules.catalog import routes as rt
from modules.catalog import secrets as sec
from modules.catalog import tables as tb
from modules.catalog.concurrency import reservations
from modules.catalog.functions import BucketAccess, FunctionSpec, TableAccess
from modules.config import EnvironmentConfig, MarketDataStore
from modules.constructs import perms
from modules.constructs.grants import Statement
from modules.constructs.python_function import PythonFunction, PythonFunctionProps
from modules.constructs.queue import DEAD_LETTER_RETENTION_SECONDS, EncryptedQueue, QueueWithDeadLetter
from modules.packaging.function_package import REPO_ROOT, build_function_zip
from modules.packaging.layer import LAMBDA_RUNTIME, layer_zip
from modules.packaging.zipping import source_code_hash
from modules.stacks.auth import AuthStack
from modules.stacks.base import BaseStack
from modules.stacks.data import DataStack
from modules.stacks.security import SecurityStack

BUILD_DIR = REPO_ROOT / "build" / "functions"
ASYNC_FAILURES = "async-failures"
SCHEDULE_RETRIES = 3
SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600

_TABLE_SPECS = {t.name: t for t in (*tb.CORE_TABLES, tb.MARKET_DATA)}
_BUCKET_SPECS = {b.name: b for b in bk.BUCKETS}
_SECRET_SPECS = {s.name: s for s in sec.SECRETS}


class ComputeStack(BaseStack):
    kind = "compute"

    def __init__(self, scope: Construct, config: EnvironmentConfig, *, security: SecurityStack,
                 data: DataStack, auth: AuthStack) -> None:
        super().__init__(scope, config)
        self.security = security
        self.data = data
        self.auth = auth
        self.key = security.key
        n = self.naming
        layer_file = layer_zip()
        layer_asset = TerraformAsset(self, "LayerCode", path=str(layer_file), type=AssetType.FILE)
        self.layer = LambdaLayerVersion(
            self, "Layer", layer_name=n.resource("dependencies"), filename=layer_asset.path,
            source_code_hash=source_code_hash(layer_file), compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=["x86_64"], description="Powertools, pydantic, VADER, defusedxml",
        )
        self.reservations = reservations(config)
        consumer_timeout = {s.uses.consumes: s.timeout_seconds for s in fn.FUNCTIONS if s.uses.consumes}
        self.queues: dict[str, QueueWithDeadLetter] = {
            name: QueueWithDeadLetter(self, f"Queue-{name}", queue_name=n.resource(name),
                                      dead_letter_name=n.resource(f"{name}-dlq"), key=self.key,
                                      visibility_timeout_seconds=6 * consumer_timeout.get(name, 30))
            for name in fn.QUEUES
        }
        # Failed schedule deliveries, failed asynchronous invocations and failed stream batches.
        self.async_failures = EncryptedQueue(
            self, "AsyncFailures", queue_name=n.resource(f"{ASYNC_FAILURES}-dlq"), key=self.key,
            retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
        )
        # Its failures come from schedules, asynchronous invocations and streams, never from a queue.
        self.async_failures.allow_redrive_from([])
        self._schedule_rules: list[str] = []
        self.functions: dict[str, PythonFunction] = {s.name: self._function(s) for s in fn.FUNCTIONS}
        for spec in fn.FUNCTIONS:
            self._wire(spec, self.functions[spec.name])
        self._allow_schedule_delivery()

        for name, function in sorted(self.functions.items()):
            TerraformOutput(self, f"function_{name.replace('-', '_')}", value=function.name)

    @property
    def dead_letter_queues(self) -> dict[str, EncryptedQueue]:
        found = {name: q.dead_letter for name, q in self.queues.items()}
        found[ASYNC_FAILURES] = self.async_failures
        return found

    def published_metric(self, function: str, metric: str) -> mt.PublishedMetric:
        """The series `function` writes `metric` to, from the Powertools settings this stack gives it."""
        env = self.functions[function].props.environment
        return mt.PublishedMetric(namespace=env[mt.NAMESPACE_VARIABLE], name=metric,
                                  dimensions=((mt.SERVICE_DIMENSION, env[mt.SERVICE_VARIABLE]),))

    # Functions ----------------------------------------------------------------------------------
    def _function(self, spec: FunctionSpec) -> PythonFunction:
        n, config = self.naming, self.config
        role = self.security.roles[spec.name]
        return PythonFunction(self, f"Function-{spec.name}", PythonFunctionProps(
            spec=spec,
            function_name=n.function(spec.name),
            role_arn=role.arn,
            role_name=role.name,
            code_zip=build_function_zip(spec.package, BUILD_DIR),
            layer_arns=[self.layer.arn],
            key=self.key,
            log_group_name=n.log_group(spec.name),
            log_retention_days=config.log_retention_days,
            environment=self._environment(spec),
            reserved_concurrency=self.reservations.get(spec.name),
            subnet_ids=config.private_subnet_ids,
            security_group_ids=config.security_group_ids,
            dead_letter_arn=self.async_failures.arn if spec.uses.schedule else None,
        ))

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        uses, config = spec.uses, self.config
        env = {
            mt.SERVICE_VARIABLE: spec.name,
            mt.NAMESPACE_VARIABLE: config.project_name,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "ENVIRONMENT": config.name,
        }
        for table_name in (*(name for name, _ in uses.tables), *uses.streams):
            env[_TABLE_SPECS[table_name].env_var] = self.data.tables[table_name].name
        if uses.idempotency:
            env[tb.IDEMPOTENCY.env_var] = self.data.tables[tb.IDEMPOTENCY.name].name
        for bucket_name, _ in uses.buckets:
            env[_BUCKET_SPECS[bucket_name].env_var] = self.data.buckets[bucket_name].name
        for secret_name in uses.secrets:
            env[_SECRET_SPECS[secret_name].env_var] = self.security.secrets[secret_name].arn
        for queue_name in uses.sends_to:
            env[f"{queue_name.upper()}_QUEUE_URL"] = self.queues[queue_name].queue.url
        if uses.market_data:
            env.update(self._market_data_environment())
        for variable, field_name in uses.settings:
            value = getattr(config, field_name)
            env[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
        if spec.name in rt.rest_functions():
            # The functions answer browsers themselves (proxy integrations add no CORS headers).
            env[rt.CORS_ORIGINS_VARIABLE] = ",".join(config.cors_origins)
        if uses.cognito_client:
            pool = self.auth.user_pool
            env["COGNITO_ISSUER"] = f"https://cognito-idp.{config.region}.amazonaws.com/{pool.id}"
            env["COGNITO_APP_CLIENT_IDS"] = self.auth.client.id
        return env

    def _market_data_environment(self) -> dict[str, str]:
        store = self.config.market_data_store
        env = {"MARKET_DATA_STORE": store.value}
        if store is MarketDataStore.DYNAMODB:
            env[tb.MARKET_DATA.env_var] = self.data.tables[tb.MARKET_DATA.name].name
        elif self.data.timestream is not None:
            database, table = self.data.timestream
            env["TIMESTREAM_DATABASE"] = database.database_name
            env["TIMESTREAM_TABLE"] = table.table_name
        return env

    # Grants and triggers ------------------------------------------------------------------------
    def _wire(self, spec: FunctionSpec, function: PythonFunction) -> None:
        uses, grantee = spec.uses, function.grantee
        for table_name, access in uses.tables:
            table = self.data.tables[table_name]
            if access is TableAccess.READ:
                table.grant_read(grantee, f"read-{table_name}")
            else:
                table.grant_read_write(grantee, f"read-write-{table_name}")
        if uses.idempotency:
            self.data.tables[tb.IDEMPOTENCY.name].grant_idempotency(grantee, "idempotency")
        for bucket_name, access in uses.buckets:
            bucket = self.data.buckets[bucket_name]
            if access in (BucketAccess.READ, BucketAccess.READ_WRITE):
                bucket.grant_read(grantee, f"read-{bucket_name}")
            if access in (BucketAccess.PUT, BucketAccess.PUT_RETRACT, BucketAccess.READ_WRITE):
                bucket.grant_put(grantee, f"put-{bucket_name}")
            if access is BucketAccess.PUT_RETRACT:
                bucket.grant_retract(grantee, f"retract-{bucket_name}")
            if access is BucketAccess.ERASE:
                bucket.grant_delete(grantee, f"delete-{bucket_name}")
        for queue_name in uses.sends_to:
            self.queues[queue_name].queue.grant_send(grantee, f"send-{queue_name}")
        if uses.consumes:
            self.queues[uses.consumes].consume_with(grantee, function_name=function.name,
                                                    function_timeout_seconds=spec.timeout_seconds,
                                                    function_label=spec.name,
                                                    maximum_concurrency=spec.queue_concurrency,
                                                    reserved_concurrency=self.reservations.get(spec.name))
        for table_name in uses.streams:
            self._follow_stream(function, table_name)
        if uses.market_data:
            self._grant_market_data(function, uses.market_data)
        if uses.schedule or uses.streams:
            self.async_failures.grant_send(grantee, "send-async-failures")
        if uses.schedule:
            self._schedule(spec, function)

    def _follow_stream(self, function: PythonFunction, table_name: str) -> None:
        table = self.data.tables[table_name]
        table.grant_stream_read(function.grantee, f"stream-{table_name}")
        LambdaEventSourceMapping(
            function, f"Stream-{table_name}", event_source_arn=table.stream_arn, function_name=function.name,
            starting_position="LATEST", batch_size=50, maximum_batching_window_in_seconds=1,
            maximum_retry_attempts=3, bisect_batch_on_function_error=True,
            maximum_record_age_in_seconds=3600,
            function_response_types=["ReportBatchItemFailures"],
            destination_config=LambdaEventSourceMappingDestinationConfig(
                on_failure=LambdaEventSourceMappingDestinationConfigOnFailure(
                    destination_arn=self.async_failures.arn)),
        )

    def _grant_market_data(self, function: PythonFunction, access: TableAccess) -> None:
        writes = access is TableAccess.READ_WRITE
        name = "read-write-market-data" if writes else "read-market-data"
        if self.config.market_data_store is MarketDataStore.DYNAMODB:
            table = self.data.tables[tb.MARKET_DATA.name]
            (table.grant_read_write if writes else table.grant_read)(function.grantee, name)
            return
        assert self.data.timestream is not None
        _, table = self.data.timestream
        statements = [
            Statement("QueryPrices", perms.TIMESTREAM_READ_ACTIONS, (table.arn,)),
            Statement("DiscoverEndpoints", perms.TIMESTREAM_ENDPOINT_ACTIONS, ("*",)),
        ]
        if writes:
            statements.append(Statement("WritePrices", perms.TIMESTREAM_WRITE_ACTIONS, (table.arn,)))
        key_actions = perms.KEY_TIMESTREAM_WRITE_ACTIONS if writes else perms.KEY_DECRYPT_ACTIONS
        statements.append(self.key.via_service("timestream", key_actions, "KeyViaTimestream"))
        function.grant(name, statements)

    def _schedule(self, spec: FunctionSpec, function: PythonFunction) -> None:
        rule = CloudwatchEventRule(
            function, "Schedule", name=self.naming.resource(f"{spec.name}-schedule"),
            description=f"Periodic run of {spec.name}", schedule_expression=spec.uses.schedule,
        )
        CloudwatchEventTarget(
            function, "ScheduleTarget", rule=rule.name, arn=function.arn,
            input=json.dumps({"source": "aiinv.schedule", "detail-type": "Scheduled Event", "detail": {}}),
            retry_policy=CloudwatchEventTargetRetryPolicy(
                maximum_retry_attempts=SCHEDULE_RETRIES,
                maximum_event_age_in_seconds=SCHEDULE_MAX_EVENT_AGE_SECONDS),
            dead_letter_config=CloudwatchEventTargetDeadLetterConfig(arn=self.async_failures.arn),
        )
        LambdaPermission(function, "ScheduleInvoke", statement_id="AllowScheduleInvoke",
                         action="lambda:InvokeFunction", function_name=function.name,
                         principal="events.amazonaws.com", source_arn=rule.arn)
        self._schedule_rules.append(rule.arn)

    def _allow_schedule_delivery(self) -> None:
        """Undeliverable schedule events may land in the failures queue, from our rules only."""
        statement = {
            "Sid": "AllowScheduleDeadLetters", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": self.async_failures.arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": self._schedule_rules}},
        }
        self.async_failures.add_policy_statement(statement)
