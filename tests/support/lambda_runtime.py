"""What a deployed function's interpreter sees at init, for the function benchmark and the cold-import test.

The Lambda runtime sets these variables for every function; the functions run with active X-Ray tracing
(`modules/constructs/python_function.py`) and nothing turns the Powertools tracer off, so the X-Ray SDK and the
tracer take their Lambda path (they look at LAMBDA_TASK_ROOT; without it the SDK builds botocore clients for
centralised sampling at import, ~200 ms that a function never pays).
"""

from __future__ import annotations

from pathlib import Path

from modules.catalog.functions import FUNCTIONS
from modules.packaging.layer import LAMBDA_RUNTIME

ACCOUNT = "123456789012"
REGION = "eu-central-1"
FUNCTION_NAMES = {spec.package: spec.name for spec in FUNCTIONS}
"""Handler package -> catalog name (`ingest_news` -> `ingest-news`), the service name Powertools reports."""
TRACE_HEADER = "Root=1-6750a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
"""`_X_AMZN_TRACE_ID` as the runtime sets it for a sampled invocation (not at init)."""


def runtime_variables(package: str, task_root: Path) -> dict[str, str]:
    """The runtime's variables for the function whose handler is `functions.<package>.handler`."""
    name = f"ai-investment-{FUNCTION_NAMES[package]}-dev"
    return {
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{LAMBDA_RUNTIME}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/03/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        # Active tracing: where the X-Ray daemon listens (segments are UDP datagrams; nothing needs to listen).
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
        "_AWS_XRAY_DAEMON_PORT": "2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        # What the compute stack sets (modules/stacks/compute.py, ComputeStack._environment).
        "POWERTOOLS_SERVICE_NAME": FUNCTION_NAMES[package],
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "ENVIRONMENT": "dev",
    }
