"""The one register of what the emulator (moto 5.2) lacks or answers wrongly for this project, and its closing.

Every gap is closed here, on the emulator's side, never by changing what the stacks synthesize for a real
account. `GAPS` lists each one: the Terraform resource type (or the project's own code) that meets it, the
call, and why it needs closing; `install()` adds the missing behaviour to moto's own backends. A gap closed by
how a client reaches the emulator (`client_env`) is listed too, with no patch.

`KNOWN_FAILURES` lists resource types that still cannot be created on the emulator; the real-stack end-to-end
test accepts failures of exactly these and fails on any other.

`install()` is idempotent; the test session calls it at start, and the emulator process before serving.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_INSTALLED = False
ACCOUNT_SETTINGS_PATH = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"


@dataclass(frozen=True)
class Gap:
    resource_type: str
    """The Terraform resource type that meets the gap, or the project code that calls the API."""
    call: str
    """The API call that is missing or answered wrongly."""
    reason: str
    """What goes wrong without the closing."""
    install: Callable[[], None] | None = None
    """Adds the behaviour to moto; None when the gap is closed by how clients reach the emulator."""


def client_env(endpoint: str) -> dict[str, str]:
    """What a client (boto3, Terraform and its AWS provider) needs to reach the emulator at `endpoint`.

    The proxy closes the S3 Control gap: the AWS SDK puts the account id in front of a custom S3 Control
    endpoint's host (`123456789012.127.0.0.1:PORT`), which no resolver knows. Go never proxies requests to
    loopback addresses, so everything else still goes straight to the endpoint, and only such prefixed hosts go
    through the proxy, which is the emulator itself: it serves absolute-URI requests and routes `/v20180820/`
    paths to S3 Control.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "HTTP_PROXY": endpoint,
        "http_proxy": endpoint,
        "NO_PROXY": "",
        "no_proxy": "",
    }


def _lambda_account_settings() -> None:
    import moto.awslambda.urls as lambda_urls
    from moto.awslambda.models import lambda_backends
    from moto.awslambda.responses import LambdaResponse

    def get_account_settings(self: LambdaResponse) -> tuple[int, dict[str, str], str]:
        quota = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000"))
        backend = lambda_backends[self.current_account][self.region]
        reserved = sum(int(f.reserved_concurrency or 0) for f in backend.list_functions())
        return 200, {}, json.dumps({
            "AccountLimit": {"ConcurrentExecutions": quota, "UnreservedConcurrentExecutions": quota - reserved,
                             "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800, "TotalCodeSize": 80530636800},
            "AccountUsage": {"FunctionCount": len(backend.list_functions()), "TotalCodeSize": 0},
        })

    lambda_urls.url_paths[ACCOUNT_SETTINGS_PATH] = LambdaResponse.dispatch
    LambdaResponse.get_account_settings = get_account_settings  # type: ignore[attr-defined]


def _cost_allocation_tags() -> None:
    from moto.ce.models import ce_backends
    from moto.ce.responses import CostExplorerResponse

    def tag_statuses(self: CostExplorerResponse) -> dict[str, str]:
        backend: Any = ce_backends[self.current_account][self.partition]
        if not hasattr(backend, "cost_allocation_tags"):
            backend.cost_allocation_tags = {}
        return backend.cost_allocation_tags

    def update_cost_allocation_tags_status(self: CostExplorerResponse) -> str:
        # As on AWS, a key can be activated only once AWS has noticed it on resources of the account, which
        # takes up to 24 h: here a key in use is noticed at the first call that looks and can be activated from the
        # next one on. AWS documents no error code for it; ours names the reason.
        backend: Any = ce_backends[self.current_account][self.partition]
        noticed: set[str] = backend.__dict__.setdefault("noticed_tag_keys", set())
        statuses, in_use, errors = tag_statuses(self), _tag_keys_in_use(self.current_account), []
        for entry in json.loads(self.body)["CostAllocationTagsStatus"]:
            key = entry["TagKey"]
            if key in noticed:
                statuses[key] = entry["Status"]
                continue
            if key in in_use:
                noticed.add(key)
            errors.append({"TagKey": key, "Code": "TagKeyNotFound",
                           "Message": "no resource of the account is known to carry this tag key yet"})
        return json.dumps({"Errors": errors})

    def list_cost_allocation_tags(self: CostExplorerResponse) -> str:
        tags = [{"TagKey": k, "Type": "UserDefined", "Status": v} for k, v in sorted(tag_statuses(self).items())]
        return json.dumps({"CostAllocationTags": tags})

    CostExplorerResponse.update_cost_allocation_tags_status = update_cost_allocation_tags_status  # type: ignore[attr-defined]
    CostExplorerResponse.list_cost_allocation_tags = list_cost_allocation_tags  # type: ignore[attr-defined]


def _tag_keys_in_use(account: str) -> set[str]:
    """Tag keys on the account's resources in the regions the tests use (moto's tagging API reads every service)."""
    from moto.resourcegroupstaggingapi.models import resourcegroupstaggingapi_backends

    regions = {"eu-central-1", "us-east-1", os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1"}
    return {key for region in regions for key in resourcegroupstaggingapi_backends[account][region].get_tag_keys()[1]}


def _identity_pool_roles() -> None:
    from moto.cognitoidentity.exceptions import ResourceNotFoundError
    from moto.cognitoidentity.models import CognitoIdentityBackend
    from moto.cognitoidentity.responses import CognitoIdentityResponse

    def pool_roles(backend: CognitoIdentityBackend, pool_id: str) -> dict[str, Any]:
        if pool_id not in backend.identity_pools:
            raise ResourceNotFoundError(pool_id)
        roles: dict[str, dict[str, Any]] = backend.__dict__.setdefault("identity_pool_roles", {})
        return roles.setdefault(pool_id, {})

    def set_identity_pool_roles(self: CognitoIdentityResponse) -> str:
        pool_id = self._get_param("IdentityPoolId")
        entry = pool_roles(self.backend, pool_id)
        entry.clear()
        entry["Roles"] = self._get_param("Roles") or {}
        if mappings := self._get_param("RoleMappings"):
            entry["RoleMappings"] = mappings
        return ""

    def get_identity_pool_roles(self: CognitoIdentityResponse) -> str:
        pool_id = self._get_param("IdentityPoolId")
        return json.dumps({"IdentityPoolId": pool_id, **pool_roles(self.backend, pool_id)})

    CognitoIdentityResponse.set_identity_pool_roles = set_identity_pool_roles  # type: ignore[attr-defined]
    CognitoIdentityResponse.get_identity_pool_roles = get_identity_pool_roles  # type: ignore[attr-defined]


def _bucket_logging_policy_principals() -> None:
    from moto.s3.models import FakeBucket

    original = FakeBucket._log_permissions_enabled_policy

    def log_permissions_enabled_policy(target_bucket: Any, target_prefix: str | None) -> bool:
        # moto reads every statement's Principal as a mapping; a statement with Principal "*" (the TLS-only
        # deny every bucket policy here carries) raises AttributeError, answered as HTTP 500.
        policy = target_bucket.policy
        if not policy:
            return False
        document = json.loads(policy.decode())
        kept = [s for s in document.get("Statement", []) if isinstance(s.get("Principal"), dict)]
        shadow = type("PolicyView", (), {"policy": json.dumps({**document, "Statement": kept}).encode(),
                                         "partition": target_bucket.partition, "name": target_bucket.name})
        return original(shadow, target_prefix)

    FakeBucket._log_permissions_enabled_policy = staticmethod(log_permissions_enabled_policy)  # type: ignore[method-assign]


def _queue_attributes() -> None:
    from moto.sqs.models import Queue

    original = Queue._set_attributes

    def set_attributes(self: Queue, attributes: dict[str, Any], now: float | None = None) -> None:
        # moto sets Policy to None when a SetQueueAttributes call does not name it: a queue policy and a
        # redrive-allow policy set on one queue would undo each other.
        kept = "Policy" not in attributes and hasattr(self, "_policy_json")  # not while the queue is made
        policy = self.policy if kept else None
        original(self, attributes, now)
        if kept:
            self.policy = policy
        if attributes.get("RedriveAllowPolicy") == "":  # removing it, as the provider's delete does
            self.redrive_allow_policy = None  # type: ignore[attr-defined]

    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
    Queue._set_attributes = set_attributes  # type: ignore[method-assign]


def _openapi_mock_integrations() -> None:
    from moto.apigateway.models import APIGatewayBackend

    original = APIGatewayBackend.put_integration

    def put_integration(self: APIGatewayBackend, function_id: str, resource_id: str, method_type: str,
                        integration_type: str, uri: str | None = None, integration_method: str | None = None,
                        **kwargs: Any) -> Any:
        # An imported OpenAPI document's mock integration (the CORS preflight) has neither uri nor httpMethod;
        # moto's import passes only the fields present, and put_integration requires both.
        return original(self, function_id, resource_id, method_type, integration_type, uri,  # type: ignore[arg-type]
                        integration_method, **kwargs)  # type: ignore[arg-type]

    APIGatewayBackend.put_integration = put_integration  # type: ignore[method-assign]


def _budget_notification_subscribers() -> None:
    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse

    def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
        def norm(n: dict[str, Any]) -> tuple[Any, ...]:
            return (n.get("NotificationType"), n.get("ComparisonOperator"), float(n.get("Threshold", 0)),
                    n.get("ThresholdType", "PERCENTAGE"))
        return norm(a) == norm(b)

    def describe_subscribers_for_notification(self: BudgetsResponse) -> str:
        budget = self.backend.budgets[self._get_param("AccountId")].get(self._get_param("BudgetName"))
        wanted = self._get_param("Notification")
        found = next((n for n in (budget.notifications if budget else []) if same(n.details, wanted)), None)
        if found is None:
            raise NotFoundException("Unable to describe subscribers: the notification doesn't exist.")
        return json.dumps({"Subscribers": found.subscribers, "NextToken": None})

    BudgetsResponse.describe_subscribers_for_notification = describe_subscribers_for_notification  # type: ignore[attr-defined]


def _budget_tags() -> None:
    from moto.budgets.responses import BudgetsResponse

    create_budget = BudgetsResponse.create_budget
    delete_budget = BudgetsResponse.delete_budget

    def tags(self: BudgetsResponse) -> dict[str, dict[str, str]]:
        return self.backend.__dict__.setdefault("resource_tags", {})

    def arn(self: BudgetsResponse) -> str:
        return f"arn:{self.partition}:budgets::{self._get_param('AccountId')}:budget/{self._get_param('BudgetName')}"

    def create_with_tags(self: BudgetsResponse) -> str:
        answer = create_budget(self)
        name = self._get_param("Budget")["BudgetName"]
        resource = f"arn:{self.partition}:budgets::{self._get_param('AccountId')}:budget/{name}"
        tags(self)[resource] = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        return answer

    def delete_with_tags(self: BudgetsResponse) -> str:
        answer = delete_budget(self)
        tags(self).pop(arn(self), None)
        return answer

    def list_tags_for_resource(self: BudgetsResponse) -> str:
        held = tags(self).get(self._get_param("ResourceARN"), {})
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(held.items())]})

    def tag_resource(self: BudgetsResponse) -> str:
        held = tags(self).setdefault(self._get_param("ResourceARN"), {})
        held.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
        return json.dumps({})

    def untag_resource(self: BudgetsResponse) -> str:
        held = tags(self).setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("ResourceTagKeys") or []:
            held.pop(key, None)
        return json.dumps({})

    BudgetsResponse.create_budget = create_with_tags  # type: ignore[method-assign]
    BudgetsResponse.delete_budget = delete_with_tags  # type: ignore[method-assign]
    BudgetsResponse.list_tags_for_resource = list_tags_for_resource  # type: ignore[attr-defined]
    BudgetsResponse.tag_resource = tag_resource  # type: ignore[attr-defined]
    BudgetsResponse.untag_resource = untag_resource  # type: ignore[attr-defined]


def _cloudwatch_cbor() -> None:
    import moto.core.utils as moto_utils

    load = moto_utils._load_service_model

    def load_with_cbor(service_name: str, model_name: str) -> dict[str, Any]:
        # The AWS SDK for Go speaks Smithy RPC v2 CBOR to CloudWatch; moto routes and serializes it from the
        # botocore model, and the botocore pinned here (through checkov) knows only the query protocol. The
        # shapes are the same; only the protocol list and the service's shape name are missing.
        model = load(service_name, model_name)
        if service_name == "cloudwatch" and model_name == "service-2":
            model["metadata"] = {**model["metadata"], "protocols": ["smithy-rpc-v2-cbor", "query"],
                                 "targetPrefix": "GraniteServiceVersion20100801"}
        return model

    moto_utils._load_service_model = load_with_cbor
    moto_utils.get_service_model.cache_clear()


def _lambda_logging_and_dead_letters() -> None:
    from moto.awslambda.models import LambdaFunction

    init, configuration, update = LambdaFunction.__init__, LambdaFunction.get_configuration, \
        LambdaFunction.update_configuration
    kept = {"LoggingConfig": "_logging_config", "DeadLetterConfig": "_dead_letter_config"}

    def init_keeping(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        init(self, account_id, spec, *args, **kwargs)
        self._logging_config = spec.get("LoggingConfig") or {  # type: ignore[attr-defined]
            "LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
        self._dead_letter_config = spec.get("DeadLetterConfig")  # type: ignore[attr-defined]

    def configuration_with(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
        result = configuration(self, on_create)
        for key, attribute in kept.items():
            if value := getattr(self, attribute, None):
                result[key] = value
        return result

    def update_keeping(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
        for key, attribute in kept.items():
            if key in config_updates:
                setattr(self, attribute, config_updates[key])
        return update(self, config_updates)

    LambdaFunction.__init__ = init_keeping  # type: ignore[method-assign]
    LambdaFunction.get_configuration = configuration_with  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_keeping  # type: ignore[method-assign]


def _compact_redrive_policy() -> None:
    from moto.sqs.models import Queue

    attributes = Queue.attributes

    def compact(self: Queue) -> dict[str, Any]:
        # SQS returns the redrive policy as compact JSON; the provider compares it as a string.
        result = attributes.fget(self)  # type: ignore[attr-defined]
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    Queue.attributes = property(compact)  # type: ignore[assignment,method-assign]


def _key_rotation_period() -> None:
    from moto.kms.responses import KmsResponse

    enable, status = KmsResponse.enable_key_rotation, KmsResponse.get_key_rotation_status

    def periods(self: KmsResponse) -> dict[str, int]:
        return self.kms_backend.__dict__.setdefault("rotation_periods", {})

    def enable_with_period(self: KmsResponse) -> str:
        answer = enable(self)
        key = self.kms_backend.describe_key(self._get_param("KeyId")).id
        periods(self)[key] = int(self._get_param("RotationPeriodInDays") or 365)
        return answer

    def status_with_period(self: KmsResponse) -> str:
        answer = json.loads(status(self))
        if answer.get("KeyRotationEnabled"):
            key = self.kms_backend.describe_key(self._get_param("KeyId")).id
            answer["RotationPeriodInDays"] = periods(self).get(key, 365)
        return json.dumps(answer)

    KmsResponse.enable_key_rotation = enable_with_period  # type: ignore[method-assign]
    KmsResponse.get_key_rotation_status = status_with_period  # type: ignore[method-assign]


def _bucket_tags_on_create() -> None:
    import xmltodict
    from moto.s3.responses import S3Response

    put = S3Response._bucket_response_put

    def put_with_tags(self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
        answer = put(self, request, bucket_name, querystring)
        if not querystring and self.body:
            config = xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}
            tags = (config.get("Tags") or {}).get("Tag") or []
            tags = tags if isinstance(tags, list) else [tags]
            if tags:
                self.backend.put_bucket_tagging(bucket_name, {t["Key"]: t.get("Value") or "" for t in tags})
        return answer

    S3Response._bucket_response_put = put_with_tags  # type: ignore[method-assign]


METRIC_DATA_MAX_QUERIES = 500
"""GetMetricData takes at most this many queries per call."""
METRIC_DATA_MAX_DATAPOINTS = 100_800
"""GetMetricData returns at most this many datapoints per call unless MaxDatapoints asks for fewer."""


def _metric_percentiles() -> None:
    import math
    import re

    from moto.cloudwatch.models import CloudWatchBackend, Statistics

    percentile = re.compile(r"p(\d{1,2}(?:\.\d+)?)")
    statistic_for = Statistics.get_statistics_for_type
    get_metric_data = CloudWatchBackend.get_metric_data

    def with_percentiles(self: Statistics, stat: str) -> Any:
        match = percentile.fullmatch(stat)
        if match is None:
            return statistic_for(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values or self.metric_aggregated_list:
            return None  # statistic sets carry no distribution: CloudWatch has no percentile for them either
        # Nearest rank: the smallest value with at least p % of the samples at or below it.
        return values[max(1, math.ceil(float(match.group(1)) / 100 * len(values))) - 1]

    def without_missing(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        results = get_metric_data(self, *args, **kwargs)
        for result in results:
            kept = [(t, v) for t, v in zip(result["timestamps"], result["values"], strict=True) if v is not None]
            result["timestamps"], result["values"] = [t for t, _ in kept], [v for _, v in kept]
        return results

    Statistics.get_statistics_for_type = with_percentiles  # type: ignore[method-assign]
    CloudWatchBackend.get_metric_data = without_missing  # type: ignore[method-assign]


def _metric_data_limits() -> None:
    import base64

    from moto.cloudwatch.exceptions import ValidationError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    get_metric_data = CloudWatchResponse.get_metric_data

    def limited(self: CloudWatchResponse) -> ActionResult:
        params = self._get_params()
        queries = params.get("MetricDataQueries", [])
        if len(queries) > METRIC_DATA_MAX_QUERIES:
            raise ValidationError(f"The collection MetricDataQueries must not have a size greater than "
                                  f"{METRIC_DATA_MAX_QUERIES}.")
        limit = min(int(params.get("MaxDatapoints") or METRIC_DATA_MAX_DATAPOINTS), METRIC_DATA_MAX_DATAPOINTS)
        token = params.get("NextToken")
        offset = int(base64.b64decode(token)) if token else 0
        results: list[dict[str, Any]] = get_metric_data(self).result["MetricDataResults"]  # type: ignore[index]
        # One page holds the datapoints [offset, offset + limit) of all results laid end to end; a result without
        # any datapoint comes on the first page.
        paged, start = [], 0
        for result in results:
            count = len(result["values"])
            low, high = max(offset - start, 0), min(offset + limit - start, count)
            if high > low or (count == 0 and offset == 0):
                paged.append({**result, "values": result["values"][low:high],
                              "timestamps": result["timestamps"][low:high],
                              "status_code": "PartialData" if high < count else "Complete"})
            start += count
        answer: dict[str, Any] = {"MetricDataResults": paged}
        if offset + limit < start:
            answer["NextToken"] = base64.b64encode(str(offset + limit).encode()).decode()
        return ActionResult(answer)

    CloudWatchResponse.get_metric_data = limited  # type: ignore[method-assign]


def _one_dynamodb_call_at_a_time() -> None:
    from cli.local.account import one_dynamodb_call_at_a_time

    one_dynamodb_call_at_a_time()


GAPS: tuple[Gap, ...] = (
    Gap("aiinv doctor, bootstrap", "Lambda GetAccountSettings",
        "not emulated; doctor compares reserved concurrency with the account's quota", _lambda_account_settings),
    Gap("aiinv bootstrap", "Cost Explorer UpdateCostAllocationTagsStatus / ListCostAllocationTags",
        "not emulated; bootstrap activates the environment tag for cost allocation, which AWS allows only for a key "
        "it has noticed on resources of the account, up to 24 h after (emulated from moto's tagging API: noticed at "
        "one call, activatable from the next)",
        _cost_allocation_tags),
    Gap("aws_s3_bucket", "S3 Control ListTagsForResource / TagResource",
        "the SDK sends them to <account-id>.<endpoint host>, which does not resolve for 127.0.0.1; closed by "
        "client_env (the emulator as HTTP proxy for those hosts)"),
    Gap("aws_cognito_identity_pool_roles_attachment", "Cognito Identity SetIdentityPoolRoles / GetIdentityPoolRoles",
        "not emulated (HTTP 500); the provider retries until its create timeout", _identity_pool_roles),
    Gap("aws_s3_bucket_logging", "S3 PutBucketLogging",
        "moto fails (HTTP 500) on a target bucket policy with a statement whose Principal is \"*\"",
        _bucket_logging_policy_principals),
    Gap("aws_sqs_queue_policy, aws_sqs_queue_redrive_allow_policy", "SQS SetQueueAttributes / GetQueueAttributes",
        "moto drops a queue's Policy whenever another attribute is set, and neither stores nor returns "
        "RedriveAllowPolicy, nor removes it when set to \"\"; the provider waits for each to show (create) or go "
        "(destroy) until its timeout", _queue_attributes),
    Gap("aws_api_gateway_rest_api", "API Gateway PutRestApi (OpenAPI body, mode=overwrite)",
        "moto's import fails (HTTP 500) on a mock integration, which has no uri and no httpMethod",
        _openapi_mock_integrations),
    Gap("aws_budgets_budget", "Budgets DescribeSubscribersForNotification",
        "not emulated (HTTP 500); the provider reads each notification's subscribers after creating the budget",
        _budget_notification_subscribers),
    Gap("aws_budgets_budget", "Budgets ListTagsForResource / TagResource / UntagResource (and CreateBudget's tags)",
        "not emulated (HTTP 500); the provider reads a budget's tags after every create and refresh",
        _budget_tags),
    Gap("aws_cloudwatch_metric_alarm, aws_cloudwatch_dashboard", "CloudWatch over Smithy RPC v2 CBOR",
        "every call answered 404: the botocore model moto reads here lists only the query protocol",
        _cloudwatch_cbor),
    Gap("aws_lambda_function", "Lambda GetFunction (LoggingConfig, DeadLetterConfig)",
        "moto neither stores nor returns them: every plan after an apply wants to set them again",
        _lambda_logging_and_dead_letters),
    Gap("aws_sqs_queue", "SQS GetQueueAttributes (RedrivePolicy)",
        "moto returns the redrive policy with spaces, SQS compact; the provider compares strings: a perpetual diff",
        _compact_redrive_policy),
    Gap("aws_kms_key", "KMS GetKeyRotationStatus (RotationPeriodInDays)",
        "moto omits the rotation period: every plan wants to set it to 365 days again", _key_rotation_period),
    Gap("aws_s3_bucket", "S3 CreateBucket (CreateBucketConfiguration Tags)",
        "moto ignores the tags given at creation, which the provider then reads through S3 Control: a perpetual "
        "diff on tags", _bucket_tags_on_create),
    Gap("aiinv metrics", "CloudWatch GetMetricData (percentile statistics such as p95)",
        "moto computes no percentile and fails (HTTP 500) serializing the missing value", _metric_percentiles),
    Gap("aiinv metrics", "CloudWatch GetMetricData (500 queries, MaxDatapoints, NextToken)",
        "moto takes any number of queries and returns every datapoint in one answer: a client that does not page "
        "or that sends more than 500 queries would pass here and fail against CloudWatch", _metric_data_limits),
    Gap("ingestion functions, aiinv local run", "DynamoDB (every call, TransactWriteItems among them)",
        "moto's DynamoDB is not thread-safe: a transaction deep-copies a table while another thread writes it and "
        "fails with 'dictionary changed size during iteration'; closed by cli.local.account, whose emulated account "
        "needs it too", _one_dynamodb_call_at_a_time),
)

KNOWN_FAILURES: dict[str, str] = {}
"""Terraform resource type -> why it still cannot be created on the emulator (none today)."""


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    for gap in GAPS:
        if gap.install is not None:
            gap.install()
    _INSTALLED = True
