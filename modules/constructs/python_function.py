"""A Python Lambda function with its log group, packaged deterministically from `functions/`.

The role comes from the security stack; grants made on this function become inline policies on that
role, created in this construct's stack. The log group is created explicitly (retention, customer
key) before the function, so Lambda never creates one that keeps logs forever.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from constructs import Construct

from modules.catalog.functions import FunctionSpec
from modules.constructs import perms
from modules.constructs.encrypted_log_group import EncryptedLogGroup
from modules.constructs.grants import RoleGrantee, Statement
from modules.constructs.kms_key import CustomerKey
from modules.packaging.layer import LAMBDA_RUNTIME
from modules.packaging.zipping import source_code_hash


@dataclass(frozen=True, kw_only=True)
class PythonFunctionProps:
    spec: FunctionSpec
    function_name: str
    role_arn: str
    role_name: str
    code_zip: Path
    """Deterministic zip from `modules.packaging.function_package`."""
    layer_arns: Sequence[str]
    key: CustomerKey
    log_group_name: str
    log_retention_days: int
    environment: Mapping[str, str] = field(default_factory=dict)
    reserved_concurrency: int | None = None
    """None: the function draws on the account's shared pool."""
    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    dead_letter_arn: str | None = None
    """Where failed asynchronous invocations (schedules) go."""


class PythonFunction(Construct):
    def __init__(self, scope: Construct, id_: str, props: PythonFunctionProps) -> None:
        super().__init__(scope, id_)
        self.props = props
        self.spec = props.spec
        self.grantee = RoleGrantee(self, "Grants", role_name=props.role_name)
        self.log_group = EncryptedLogGroup(self, "LogGroup", name=props.log_group_name,
                                           retention_days=props.log_retention_days, key=props.key)
        code = TerraformAsset(self, "Code", path=str(props.code_zip), type=AssetType.FILE)
        self.resource = LambdaFunction(
            self, "Resource",
            function_name=props.function_name,
            description=props.spec.description,
            role=props.role_arn,
            runtime=LAMBDA_RUNTIME,
            architectures=["x86_64"],
            handler=props.spec.handler,
            filename=code.path,
            source_code_hash=source_code_hash(props.code_zip),
            layers=list(props.layer_arns),
            timeout=props.spec.timeout_seconds,
            memory_size=props.spec.memory_mb,
            reserved_concurrent_executions=props.reserved_concurrency,
            environment=LambdaFunctionEnvironment(variables=dict(sorted(props.environment.items()))),
            kms_key_arn=props.key.arn,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            logging_config=LambdaFunctionLoggingConfig(log_format="JSON", log_group=self.log_group.name,
                                                       application_log_level="INFO", system_log_level="WARN"),
            vpc_config=(LambdaFunctionVpcConfig(subnet_ids=list(props.subnet_ids),
                                                security_group_ids=list(props.security_group_ids))
                        if props.subnet_ids else None),
            dead_letter_config=(LambdaFunctionDeadLetterConfig(target_arn=props.dead_letter_arn)
                                if props.dead_letter_arn else None),
            depends_on=[self.log_group.resource],
        )
        self._grant_runtime_needs()

    @property
    def name(self) -> str:
        return self.resource.function_name

    @property
    def arn(self) -> str:
        return self.resource.arn

    def grant(self, name: str, statements: Sequence[Statement]) -> None:
        self.grantee.grant(name, statements)

    def _grant_runtime_needs(self) -> None:
        p = self.props
        # Lambda decrypts the function's environment with the key, as the function's role.
        self.grant("environment-key", [p.key.via_service("lambda", perms.KEY_DECRYPT_ONLY_ACTIONS, "KeyViaLambda")])
        if p.subnet_ids:
            # ENI management for functions in private subnets accepts no resource-level scope.
            self.grant("vpc-access", [Statement("NetworkInterfaces", perms.VPC_ENI_ACTIONS, ("*",))])
