"""The AWS calls of one reading: GetMetricData in batches of at most 500 queries, each followed through its
NextToken pages; the alarms' states (DescribeAlarms, 100 names a call); the queues that exist (ListQueues).

Throttling is retried by botocore's standard retry mode (exponential backoff with jitter, `AWS_MAX_ATTEMPTS`
attempts, default 5); what still fails becomes one line naming the call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cli.aws.metrics.queries import Query
from cli.core.errors import AiinvError, UsageError

MAX_QUERIES_PER_CALL = 500
ALARM_NAMES_PER_CALL = 100
DEFAULT_ATTEMPTS = 5
_THROTTLED = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                        "RequestThrottled", "RequestThrottledException", "LimitExceededException"})

Points = list[tuple[datetime, float]]


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str
    reason: str
    since: datetime | None


def client(service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=region,
                        config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts()}))


def max_attempts() -> int:
    """`AWS_MAX_ATTEMPTS` (as the AWS CLI reads it: every attempt, the first included), else DEFAULT_ATTEMPTS."""
    value = os.environ.get("AWS_MAX_ATTEMPTS") or str(DEFAULT_ATTEMPTS)
    if not value.strip().isdigit() or int(value) < 1:
        raise UsageError(f"AWS_MAX_ATTEMPTS '{value}' is not a whole number of attempts of at least 1")
    return int(value)


def metric_data(cloudwatch: Any, queries: Sequence[Query], start: datetime, end: datetime, *,
                max_datapoints: int | None = None) -> dict[Query, Points]:
    """Every query's datapoints, oldest first."""
    found: dict[Query, Points] = {q: [] for q in queries}
    for offset in range(0, len(queries), MAX_QUERIES_PER_CALL):
        batch = dict(enumerate(queries[offset:offset + MAX_QUERIES_PER_CALL]))
        request: dict[str, Any] = {"MetricDataQueries": [q.request(f"q{i}") for i, q in batch.items()],
                                   "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"}
        if max_datapoints:
            request["MaxDatapoints"] = max_datapoints
        with aws_errors("CloudWatch GetMetricData"):
            for page in cloudwatch.get_paginator("get_metric_data").paginate(**request):
                for result in page["MetricDataResults"]:
                    points = found[batch[int(result["Id"][1:])]]
                    points.extend(zip(result["Timestamps"], result["Values"], strict=True))
    return {q: sorted(points) for q, points in found.items()}


def alarm_states(cloudwatch: Any, names: Sequence[str]) -> dict[str, AlarmState]:
    """The state of each named alarm that exists."""
    states: dict[str, AlarmState] = {}
    with aws_errors("CloudWatch DescribeAlarms"):
        for offset in range(0, len(names), ALARM_NAMES_PER_CALL):
            chunk = list(names[offset:offset + ALARM_NAMES_PER_CALL])
            pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=chunk, AlarmTypes=["MetricAlarm"])
            for page in pages:
                for alarm in page["MetricAlarms"]:
                    states[alarm["AlarmName"]] = AlarmState(alarm["AlarmName"], alarm["StateValue"],
                                                            alarm.get("StateReason", ""),
                                                            alarm.get("StateUpdatedTimestamp"))
    return states


def existing_queues(sqs: Any, prefix: str) -> set[str]:
    """Names of the queues whose name starts with `prefix`."""
    names: set[str] = set()
    with aws_errors("SQS ListQueues"):
        for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix):
            names.update(url.rsplit("/", 1)[-1] for url in page.get("QueueUrls", []))
    return names


@contextmanager
def aws_errors(call: str) -> Iterator[None]:
    """botocore's failures as one line each."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        yield
    except NoCredentialsError:
        raise AiinvError("no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                         "or sign in with `aws sso login`") from None
    except NoRegionError:
        raise AiinvError("no AWS region; the environment's settings name one") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), str(error.get("Message", "")).strip().splitlines()
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        if code in _THROTTLED:
            raise AiinvError(f"{call} was throttled by AWS ({code}) after {attempts} attempts with backoff; try "
                             "again in a minute, or raise AWS_MAX_ATTEMPTS") from None
        if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"):
            raise AiinvError(f"the AWS credentials were refused ({code}); renew them and try again") from None
        raise AiinvError(f"{call} failed: {code}: {message[0] if message else 'no message'}") from None
    except BotoCoreError as exc:
        raise AiinvError(f"{call} failed: {exc}") from None
