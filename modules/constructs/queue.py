"""An SQS queue with its dead-letter queue, encrypted with the customer key, TLS only.

The dead-letter queue keeps messages longer than the source (14 days vs 4), and only its source queue
may use it as a dead-letter queue (`redrive_allow_policy`). `visibility_timeout_seconds` must be at
least six times the consumer's timeout (AWS guidance for Lambda event sources); `consume_with` checks it.
"""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.lambda_event_source_mapping import (
    LambdaEventSourceMapping,
    LambdaEventSourceMappingScalingConfig,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from cdktf_cdktf_provider_aws.sqs_queue_redrive_allow_policy import SqsQueueRedriveAllowPolicy
from cdktf_cdktf_provider_aws.sqs_queue_redrive_policy import SqsQueueRedrivePolicy
from constructs import Construct

from modules.constructs import perms
from modules.constructs.grants import Grantee, Statement
from modules.constructs.kms_key import CustomerKey

SOURCE_RETENTION_SECONDS = 4 * 24 * 3600
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
MAX_RECEIVE_COUNT = 5
# Data keys are reused for five minutes: fewer KMS calls, still short-lived.
KMS_DATA_KEY_REUSE_SECONDS = 300


def tls_only_policy(queue_arn: str, extra: tuple[dict[str, object], ...] = ()) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
         "Resource": queue_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        *extra,
    ]}, sort_keys=True)


class EncryptedQueue(Construct):
    """One SQS queue (no dead-letter queue of its own): used for dead-letter queues."""

    def __init__(self, scope: Construct, id_: str, *, queue_name: str, key: CustomerKey, retention_seconds: int,
                 visibility_timeout_seconds: int = 30, policy_statements: tuple[dict[str, object], ...] = ()) -> None:
        super().__init__(scope, id_)
        self.key = key
        self.resource = SqsQueue(
            self, "Resource", name=queue_name, kms_master_key_id=key.arn,
            kms_data_key_reuse_period_seconds=KMS_DATA_KEY_REUSE_SECONDS,
            message_retention_seconds=retention_seconds, visibility_timeout_seconds=visibility_timeout_seconds,
        )
        self._statements = list(policy_statements)
        self.policy = SqsQueuePolicy(self, "Policy", queue_url=self.resource.url,
                                     policy=tls_only_policy(self.resource.arn, tuple(self._statements)))

    def allow_redrive_from(self, source_arns: list[str]) -> SqsQueueRedriveAllowPolicy:
        """Make this a dead-letter queue of exactly `source_arns` (none: no queue may use it as one)."""
        allowed = ({"redrivePermission": "byQueue", "sourceQueueArns": source_arns} if source_arns
                   else {"redrivePermission": "denyAll"})
        # Its own resource: the source queue's redrive policy names this queue, a cycle within one queue.
        return SqsQueueRedriveAllowPolicy(self, "RedriveAllow", queue_url=self.resource.url,
                                          redrive_allow_policy=json.dumps(allowed, sort_keys=True))

    def add_policy_statement(self, statement: dict[str, object]) -> None:
        """Add a statement to the queue policy (e.g. a service allowed to deliver dead letters)."""
        self._statements.append(statement)
        self.policy.policy = tls_only_policy(self.resource.arn, tuple(self._statements))

    @property
    def arn(self) -> str:
        return self.resource.arn

    @property
    def url(self) -> str:
        return self.resource.url

    @property
    def name(self) -> str:
        return self.resource.name

    def grant_send(self, grantee: Grantee, name: str) -> None:
        grantee.grant(name, [
            Statement("SendMessages", perms.QUEUE_SEND_ACTIONS, (self.arn,)),
            self.key.via_service("sqs", perms.KEY_DATA_KEY_ACTIONS, "KeyViaSqs"),
        ])

    def grant_consume(self, grantee: Grantee, name: str) -> None:
        grantee.grant(name, [
            Statement("ConsumeMessages", perms.QUEUE_CONSUME_ACTIONS, (self.arn,)),
            self.key.via_service("sqs", perms.KEY_DECRYPT_ONLY_ACTIONS, "KeyViaSqs"),
        ])


class QueueWithDeadLetter(Construct):
    """A work queue whose failed messages land, after `MAX_RECEIVE_COUNT` receives, in its DLQ."""

    def __init__(self, scope: Construct, id_: str, *, queue_name: str, dead_letter_name: str, key: CustomerKey,
                 visibility_timeout_seconds: int) -> None:
        super().__init__(scope, id_)
        self.visibility_timeout_seconds = visibility_timeout_seconds
        self.dead_letter = EncryptedQueue(self, "DeadLetter", queue_name=dead_letter_name, key=key,
                                          retention_seconds=DEAD_LETTER_RETENTION_SECONDS)
        self.queue = EncryptedQueue(
            self, "Queue", queue_name=queue_name, key=key, retention_seconds=SOURCE_RETENTION_SECONDS,
            visibility_timeout_seconds=visibility_timeout_seconds,
        )
        # The redrive policy is a resource of its own, not an argument of the queue: then neither queue depends on
        # the other, and both are created, and deleted, side by side. Deleting a queue costs the provider over two
        # minutes of fixed waits, so a destroy saves one such wave per queue pair.
        self.redrive = SqsQueueRedrivePolicy(
            self, "Redrive", queue_url=self.queue.url,
            redrive_policy=json.dumps({"deadLetterTargetArn": self.dead_letter.arn,
                                       "maxReceiveCount": MAX_RECEIVE_COUNT}, sort_keys=True),
        )
        self.dead_letter.allow_redrive_from([self.queue.arn])

    def consume_with(self, grantee: Grantee, *, function_name: str, function_timeout_seconds: int,
                     function_label: str, maximum_concurrency: int, reserved_concurrency: int | None,
                     batch_size: int = 10) -> LambdaEventSourceMapping:
        """`maximum_concurrency` caps the invocations the mapping starts; it must fit the function's
        reservation, or Lambda throttles the extra batches and their messages drift to the DLQ."""
        if reserved_concurrency is not None and maximum_concurrency > reserved_concurrency:
            raise ValueError(
                f"the queue may start {maximum_concurrency} concurrent invocations of {function_label}, "
                f"more than its reserved concurrency {reserved_concurrency}; lower its queue_concurrency"
            )
        visibility = self.visibility_timeout_seconds
        if visibility < 6 * function_timeout_seconds:
            raise ValueError(
                f"queue visibility timeout {visibility}s is less than six times the timeout of "
                f"{function_label} ({function_timeout_seconds}s); raise it to {6 * function_timeout_seconds}s"
            )
        self.queue.grant_consume(grantee, "consume-queue")
        return LambdaEventSourceMapping(
            self, "Consumer", event_source_arn=self.queue.arn, function_name=function_name,
            batch_size=batch_size, maximum_batching_window_in_seconds=5,
            scaling_config=LambdaEventSourceMappingScalingConfig(maximum_concurrency=maximum_concurrency),
            # The handler reports failed records; without this the whole batch would count as done.
            function_response_types=["ReportBatchItemFailures"],
            # No message is consumed before a failing one has its dead-letter queue.
            depends_on=[self.redrive],
        )
