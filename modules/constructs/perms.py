"""IAM action lists, named once. Least privilege is reviewed here, not scattered through the stacks."""

# DynamoDB (data plane only).
TABLE_READ_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
TABLE_WRITE_ACTIONS = (
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
TABLE_STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
)
# ListStreams only accepts Resource "*"; the event source mapping needs it.
TABLE_LIST_STREAMS_ACTIONS = ("dynamodb:ListStreams",)
# Powertools idempotency persistence layer: exactly these four.
IDEMPOTENCY_ACTIONS = ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")

# S3 objects. The list actions sit on the bucket ARN, the rest on objects. Readers may list, so a missing key is
# a 404, not a 403; writers put each object with one PutObject and list nothing.
BUCKET_LIST_ACTIONS = ("s3:ListBucket",)
# Deleting every version of an object (GDPR erasure) needs the versions listed first (ListObjectVersions).
BUCKET_LIST_VERSIONS_ACTIONS = ("s3:ListBucketVersions",)
OBJECT_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
OBJECT_PUT_ACTIONS = ("s3:PutObject",)
# Erasure deletes each listed version by its id (DeleteObjects with VersionIds). A delete must always have
# s3:DeleteObject, and s3:DeleteObjectVersion too when it names a version (S3 API Reference, "Permissions").
OBJECT_DELETE_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")
# Taking back a version one wrote needs its version id, so no listing comes with it.
OBJECT_RETRACT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion")

# KMS as used by a principal of a service that encrypts with the key.
# Decrypt is in the write set because multipart uploads and DynamoDB writes read data keys back.
# DynamoDB and Timestream reads.
KEY_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
# Reading through Lambda (environment variables), SQS, Secrets Manager or S3 needs Decrypt alone.
KEY_DECRYPT_ONLY_ACTIONS = ("kms:Decrypt",)
KEY_ENCRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
                       "kms:ReEncryptFrom", "kms:ReEncryptTo")

# Sending to an encrypted queue: a data key is generated, and read back for reuse.
KEY_DATA_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

# Secrets Manager: the functions read a secret's value and nothing else about it.
SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue",)

# SQS. Senders send to the URL their settings give; consumers are Lambda's SQS event source, which needs these
# three (Lambda Developer Guide, the execution role of an SQS event source).
QUEUE_SEND_ACTIONS = ("sqs:SendMessage",)
QUEUE_CONSUME_ACTIONS = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")

# Logging and tracing for a function.
LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# X-Ray accepts only Resource "*" for these.
XRAY_WRITE_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")

# Network interfaces for functions in private subnets (AWSLambdaVPCAccessExecutionRole's actions).
VPC_ENI_ACTIONS = ("ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                   "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses")

# Timestream market data: queries on the table; endpoint discovery accepts only Resource "*".
TIMESTREAM_READ_ACTIONS = ("timestream:DescribeTable", "timestream:Select")
TIMESTREAM_ENDPOINT_ACTIONS = ("timestream:DescribeEndpoints",)
# Ingesting records needs WriteRecords on the table alone (no DescribeTable) besides endpoint discovery.
TIMESTREAM_WRITE_ACTIONS = ("timestream:WriteRecords",)
# Timestream encrypts written records with the database's key on the writer's behalf.
KEY_TIMESTREAM_WRITE_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey")

# API Gateway WebSocket management API: push to one client connection (a gone one is dropped from the
# connections table, not closed through the API).
MANAGE_CONNECTIONS_ACTIONS = ("execute-api:ManageConnections",)
MANAGE_CONNECTIONS_METHODS = ("POST",)

# SNS: what AWS services may do on the alert topic.
TOPIC_PUBLISH_ACTIONS = ("SNS:Publish",)

# Managed policy that API Gateway documents for its account-level CloudWatch Logs role: the role is a
# regional singleton shared by every REST and WebSocket API of the account, so it cannot be scoped to ours.
APIGATEWAY_PUSH_TO_LOGS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
