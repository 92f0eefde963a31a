"""Each gap of the emulator that `tests/support/aws_gaps.py` closes, shown the way the AWS provider meets it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.support import aws_gaps

ACCOUNT = "123456789012"
REGION = "eu-central-1"


@pytest.fixture(autouse=True)
def _emulated() -> Iterator[None]:
    aws_gaps.install()
    with mock_aws():
        yield


def client(service: str, region: str = REGION):
    return boto3.client(service, region_name=region)


def test_every_gap_names_its_resource_call_and_reason() -> None:
    for gap in aws_gaps.GAPS:
        assert gap.resource_type and gap.call and len(gap.reason) > 20, gap
    assert all(reason for reason in aws_gaps.KNOWN_FAILURES.values())


def test_client_env_sends_prefixed_s3_control_hosts_through_the_emulator() -> None:
    env = aws_gaps.client_env("http://127.0.0.1:5000")
    assert env["AWS_ENDPOINT_URL"] == env["HTTP_PROXY"] == "http://127.0.0.1:5000"
    assert env["NO_PROXY"] == ""  # nothing else is excepted: loopback requests never use a proxy in Go


def test_identity_pool_roles_are_set_and_read_back() -> None:
    identity = client("cognito-identity")
    pool = identity.create_identity_pool(IdentityPoolName="pool", AllowUnauthenticatedIdentities=False)
    role = f"arn:aws:iam::{ACCOUNT}:role/authenticated"
    mapping = {"cognito-idp.eu-central-1.amazonaws.com/eu-central-1_x:client": {
        "Type": "Token", "AmbiguousRoleResolution": "Deny"}}
    identity.set_identity_pool_roles(IdentityPoolId=pool["IdentityPoolId"], Roles={"authenticated": role},
                                     RoleMappings=mapping)
    read = identity.get_identity_pool_roles(IdentityPoolId=pool["IdentityPoolId"])
    assert read["Roles"] == {"authenticated": role} and read["RoleMappings"] == mapping
    with pytest.raises(identity.exceptions.ResourceNotFoundException):
        identity.get_identity_pool_roles(IdentityPoolId="eu-central-1:00000000-0000-0000-0000-000000000000")


def test_bucket_logging_to_a_target_whose_policy_also_has_a_principal_star_statement() -> None:
    s3 = client("s3")
    for name in ("access-logs-bucket", "data"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="access-logs-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::access-logs-bucket", "arn:aws:s3:::access-logs-bucket/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "Delivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::access-logs-bucket/*"},
    ]}))
    s3.put_bucket_logging(Bucket="data", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "access-logs-bucket", "TargetPrefix": "data/"}})
    assert s3.get_bucket_logging(Bucket="data")["LoggingEnabled"]["TargetBucket"] == "access-logs-bucket"


def test_a_target_without_a_delivery_grant_is_still_refused() -> None:
    s3 = client("s3")
    for name in ("access-logs-bucket", "data"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="access-logs-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::access-logs-bucket/*"}]}))
    with pytest.raises(s3.exceptions.ClientError, match="InvalidTargetBucketForLogging"):
        s3.put_bucket_logging(Bucket="data", BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "access-logs-bucket", "TargetPrefix": "data/"}})


def test_a_queue_keeps_its_policy_when_its_redrive_allow_policy_is_set_and_returns_both() -> None:
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    allow = json.dumps({"redrivePermission": "denyAll"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": allow})
    every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert json.loads(every["Policy"]) == json.loads(policy) and every["RedriveAllowPolicy"] == allow
    named = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
    assert named == {"RedriveAllowPolicy": allow}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})  # removing the policy still works
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})  # as the provider's delete does
    assert "RedriveAllowPolicy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_an_openapi_body_with_a_mock_preflight_is_imported() -> None:
    apigw = client("apigateway")
    api = apigw.create_rest_api(name="api")
    body = {"openapi": "3.0.1", "info": {"title": "api", "version": "1"}, "paths": {"/health": {
        "get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST",
            "uri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                   f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f/invocations"}},
        "options": {"responses": {"200": {"description": "preflight"}}, "x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}}}},
    }}}
    apigw.put_rest_api(restApiId=api["id"], mode="overwrite", body=json.dumps(body).encode())
    resources = apigw.get_resources(restApiId=api["id"])["items"]
    health = next(r for r in resources if r["path"] == "/health")
    assert set(health["resourceMethods"]) == {"GET", "OPTIONS"}
    mock = apigw.get_integration(restApiId=api["id"], resourceId=health["id"], httpMethod="OPTIONS")
    assert mock["type"].lower() == "mock"


def test_budget_notification_subscribers_and_tags_are_read_back() -> None:
    budgets = client("budgets", "us-east-1")
    notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
                    "ThresholdType": "PERCENTAGE"}
    subscriber = {"SubscriptionType": "SNS", "Address": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"}
    budgets.create_budget(
        AccountId=ACCOUNT, ResourceTags=[{"Key": "environment", "Value": "dev"}],
        Budget={"BudgetName": "monthly", "BudgetLimit": {"Amount": "100", "Unit": "USD"}, "TimeUnit": "MONTHLY",
                "BudgetType": "COST"},
        NotificationsWithSubscribers=[{"Notification": notification, "Subscribers": [subscriber]}])
    read = budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="monthly",
                                                         Notification={**notification, "Threshold": 80})
    assert read["Subscribers"] == [subscriber]
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/monthly"
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [{"Key": "environment", "Value": "dev"}]
    budgets.tag_resource(ResourceARN=arn, ResourceTags=[{"Key": "stack", "Value": "observability"}])
    budgets.untag_resource(ResourceARN=arn, ResourceTagKeys=["environment"])
    kept = budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]
    assert kept == [{"Key": "stack", "Value": "observability"}]
    with pytest.raises(budgets.exceptions.NotFoundException):
        budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="monthly",
                                                      Notification={**notification, "Threshold": 90})


def test_cloudwatch_answers_the_cbor_protocol_of_the_go_sdk() -> None:
    from moto.core import cbor
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    server = Client(DomainDispatcherApplication(create_backend_app))
    headers = {"Content-Type": "application/cbor", "Smithy-Protocol": "rpc-v2-cbor", "Accept": "application/cbor",
               "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261206/eu-central-1/monitoring/aws4_request, "
                                "SignedHeaders=host, Signature=unchecked"}

    def call(operation: str, body: dict) -> dict:
        answer = server.post(f"/service/GraniteServiceVersion20100801/operation/{operation}", data=cbor.dumps(body),
                             headers=headers)
        assert answer.status_code == 200, (operation, answer.status_code, answer.data[:300])
        return cbor.loads(answer.data) if answer.data else {}

    call("PutMetricAlarm", {"AlarmName": "errors", "MetricName": "Errors", "Namespace": "AWS/Lambda",
                            "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 5.0,
                            "ComparisonOperator": "GreaterThanThreshold"})
    alarms = call("DescribeAlarms", {"AlarmNames": ["errors"]})["MetricAlarms"]
    assert [(a["AlarmName"], a["Threshold"]) for a in alarms] == [("errors", 5.0)]
    call("PutDashboard", {"DashboardName": "ops", "DashboardBody": '{"widgets": []}'})
    assert call("GetDashboard", {"DashboardName": "ops"})["DashboardBody"] == '{"widgets": []}'
    assert client("cloudwatch").describe_alarms()["MetricAlarms"][0]["AlarmName"] == "errors"  # query still works


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_a_function_returns_its_logging_and_dead_letter_config() -> None:
    role = client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    dlq = f"arn:aws:sqs:{REGION}:{ACCOUNT}:failures"
    logging = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN", "LogGroup": "/fn"}
    lam = client("lambda")
    lam.create_function(FunctionName="fn", Runtime="python3.12", Role=role, Handler="handler.handler",
                        Code={"ZipFile": _zip()}, LoggingConfig=logging, DeadLetterConfig={"TargetArn": dlq})
    config = lam.get_function(FunctionName="fn")["Configuration"]
    assert config["LoggingConfig"] == logging and config["DeadLetterConfig"] == {"TargetArn": dlq}
    lam.update_function_configuration(FunctionName="fn", LoggingConfig={**logging, "ApplicationLogLevel": "DEBUG"})
    assert lam.get_function_configuration(FunctionName="fn")["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"


def test_a_redrive_policy_comes_back_as_compact_json() -> None:
    sqs = client("sqs")
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5}, separators=(",", ":"))
    url = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["RedrivePolicy"] == policy


def test_key_rotation_status_names_the_period() -> None:
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert "RotationPeriodInDays" not in kms.get_key_rotation_status(KeyId=key)
    kms.enable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"] == 365
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    assert kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"] == 180


def test_tags_given_when_a_bucket_is_created_are_kept() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    server = Client(DomainDispatcherApplication(create_backend_app))
    body = (f"<CreateBucketConfiguration><LocationConstraint>{REGION}</LocationConstraint><Tags>"
            "<Tag><Key>environment</Key><Value>dev</Value></Tag><Tag><Key>stack</Key><Value>data</Value></Tag>"
            "</Tags></CreateBucketConfiguration>")
    answer = server.put("/tagged-bucket", data=body, headers={
        "Host": "s3.amazonaws.com", "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261206/eu-central-1/s3/"
        "aws4_request, SignedHeaders=host, Signature=unchecked"})
    assert answer.status_code == 200, answer.data
    tags = client("s3control").list_tags_for_resource(AccountId=ACCOUNT, ResourceArn="arn:aws:s3:::tagged-bucket")
    assert sorted((t["Key"], t["Value"]) for t in tags["Tags"]) == [("environment", "dev"), ("stack", "data")]


def _duration_query(query_id: str, stat: str, period: int = 300) -> dict:
    metric = {"Namespace": "AWS/Lambda", "MetricName": "Duration", "Dimensions": [{"Name": "FunctionName",
                                                                                   "Value": "score"}]}
    return {"Id": query_id, "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}}


def test_get_metric_data_answers_percentiles_by_nearest_rank() -> None:
    cloudwatch = client("cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
        "MetricName": "Duration", "Dimensions": [{"Name": "FunctionName", "Value": "score"}],
        "Timestamp": now - timedelta(minutes=2), "Values": [float(v) for v in range(1, 101)], "Unit": "Milliseconds"}])
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[_duration_query("p95", "p95", 3600), _duration_query("p50", "p50", 3600),
                           _duration_query("p99_9", "p99.9", 3600), _duration_query("avg", "Average", 3600)],
        StartTime=now - timedelta(hours=1), EndTime=now)
    values = {r["Id"]: r["Values"] for r in answer["MetricDataResults"]}
    assert values == {"p95": [95.0], "p50": [50.0], "p99_9": [100.0], "avg": [50.5]}


def test_get_metric_data_leaves_out_a_percentile_of_statistic_sets_instead_of_failing() -> None:
    cloudwatch = client("cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
        "MetricName": "Duration", "Dimensions": [{"Name": "FunctionName", "Value": "score"}],
        "Timestamp": now - timedelta(minutes=2),
        "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2}}])
    answer = cloudwatch.get_metric_data(MetricDataQueries=[_duration_query("p95", "p95", 3600),
                                                           _duration_query("max", "Maximum", 3600)],
                                        StartTime=now - timedelta(hours=1), EndTime=now)
    assert {r["Id"]: r["Values"] for r in answer["MetricDataResults"]} == {"p95": [], "max": [2.0]}


def test_get_metric_data_refuses_more_than_500_queries() -> None:
    now = datetime.now(UTC)
    queries = [_duration_query(f"q{i}", "Sum") for i in range(aws_gaps.METRIC_DATA_MAX_QUERIES + 1)]
    with pytest.raises(ClientError, match="must not have a size greater than 500"):
        client("cloudwatch").get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(hours=1),
                                             EndTime=now)


def test_get_metric_data_pages_by_max_datapoints_with_next_token() -> None:
    cloudwatch = client("cloudwatch")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": "Duration", "Dimensions": [{"Name": "FunctionName", "Value": "score"}],
         "Timestamp": now - timedelta(minutes=5 * i + 1), "Value": float(i)} for i in range(7)])
    queries = [_duration_query("a", "Maximum"), _duration_query("empty", "Maximum", 60), _duration_query("b", "Sum")]
    queries[1]["MetricStat"]["Metric"]["MetricName"] = "Nothing"
    whole = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(hours=1), EndTime=now)
    assert "NextToken" not in whole
    pages = list(cloudwatch.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=now - timedelta(hours=1), EndTime=now, MaxDatapoints=4))
    assert [sum(len(r["Values"]) for r in p["MetricDataResults"]) for p in pages] == [4, 4, 4, 2]
    assert pages[0]["MetricDataResults"][0]["StatusCode"] == "PartialData"
    merged: dict[str, list[float]] = {}
    for page in pages:
        for result in page["MetricDataResults"]:
            merged.setdefault(result["Id"], []).extend(result["Values"])
    assert merged == {r["Id"]: r["Values"] for r in whole["MetricDataResults"]}
    assert merged["empty"] == [] and sorted(merged["a"]) == [float(i) for i in range(7)]


def test_concurrent_dynamodb_transactions_and_writes_all_succeed() -> None:
    from concurrent.futures import ThreadPoolExecutor

    ddb = client("dynamodb")
    ddb.create_table(TableName="race", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")

    def write(index: int) -> None:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "race", "Item": {"pk": {"S": f"t{index}"}}}}])
        ddb.put_item(TableName="race", Item={"pk": {"S": f"p{index}"}})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(200)))
    assert ddb.scan(TableName="race", Select="COUNT")["Count"] == 400
