"""The few AWS APIs the project calls that moto 5.2 does not emulate, added to moto's own backends.

- Lambda `GetAccountSettings`: the account's concurrency quota (`MOTO_LAMBDA_CONCURRENCY_QUOTA`, the
  variable moto already uses to enforce reservations; 1000 when unset, as in a default account) and what
  the functions' reservations leave unreserved.
- Cost Explorer `UpdateCostAllocationTagsStatus` / `ListCostAllocationTags`: tag activation per account.

`install()` is idempotent; the test session calls it at start, and the emulator process before serving.
"""

from __future__ import annotations

import json
import os
from typing import Any

_INSTALLED = False
ACCOUNT_SETTINGS_PATH = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    import moto.awslambda.urls as lambda_urls
    from moto.awslambda.models import lambda_backends
    from moto.awslambda.responses import LambdaResponse
    from moto.ce.models import ce_backends
    from moto.ce.responses import CostExplorerResponse

    def get_account_settings(self: LambdaResponse) -> tuple[int, dict[str, str], str]:
        quota = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000"))
        backend = lambda_backends[self.current_account][self.region]
        reserved = sum(int(f.reserved_concurrency or 0) for f in backend.list_functions())
        return 200, {}, json.dumps({
            "AccountLimit": {"ConcurrentExecutions": quota, "UnreservedConcurrentExecutions": quota - reserved,
                             "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800, "TotalCodeSize": 80530636800},
            "AccountUsage": {"FunctionCount": len(backend.list_functions()), "TotalCodeSize": 0},
        })

    def tag_statuses(self: CostExplorerResponse) -> dict[str, str]:
        backend: Any = ce_backends[self.current_account][self.partition]
        if not hasattr(backend, "cost_allocation_tags"):
            backend.cost_allocation_tags = {}
        return backend.cost_allocation_tags

    def update_cost_allocation_tags_status(self: CostExplorerResponse) -> str:
        statuses = tag_statuses(self)
        for entry in json.loads(self.body)["CostAllocationTagsStatus"]:
            statuses[entry["TagKey"]] = entry["Status"]
        return json.dumps({"Errors": []})

    def list_cost_allocation_tags(self: CostExplorerResponse) -> str:
        tags = [{"TagKey": k, "Type": "UserDefined", "Status": v} for k, v in sorted(tag_statuses(self).items())]
        return json.dumps({"CostAllocationTags": tags})

    lambda_urls.url_paths[ACCOUNT_SETTINGS_PATH] = LambdaResponse.dispatch
    LambdaResponse.get_account_settings = get_account_settings  # type: ignore[attr-defined]
    CostExplorerResponse.update_cost_allocation_tags_status = update_cost_allocation_tags_status  # type: ignore[attr-defined]
    CostExplorerResponse.list_cost_allocation_tags = list_cost_allocation_tags  # type: ignore[attr-defined]
    _INSTALLED = True
