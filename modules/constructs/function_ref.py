"""What the API and observability constructs need to know about a Lambda function.

The provider's `LambdaFunction` satisfies this structurally; so does a test double.
"""

from __future__ import annotations

from typing import Protocol


class FunctionRef(Protocol):
    @property
    def function_name(self) -> str: ...

    @property
    def arn(self) -> str: ...

    @property
    def invoke_arn(self) -> str: ...
