"""The seed's estimated-charges alarm, as an AWS Budgets cost budget notifying the alert topic.

The CloudWatch `EstimatedCharges` metric exists only in us-east-1 and needs billing alerts switched on
by hand; Budgets is global, works from any region and can publish to the (encrypted) alert topic.
It alerts when actual charges of the month pass the limit, and earlier when the forecast does.
It counts only the environment's own spend: a cost filter on the `environment` tag that every resource
carries (activated for cost allocation once per account by `aiinv bootstrap`), so dev's alert never
fires on prod's spend.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetCostFilter, BudgetsBudgetNotification
from constructs import Construct


class CostBudget(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, monthly_limit_usd: int, topic_arn: str,
                 tag_key: str, tag_value: str) -> None:
        super().__init__(scope, id_)
        self.resource = BudgetsBudget(
            self, "Resource", name=name, budget_type="COST", time_unit="MONTHLY",
            limit_amount=str(monthly_limit_usd), limit_unit="USD",
            # Budgets' syntax for a user-defined cost-allocation tag: user:<key>$<value>.
            cost_filter=[BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:{tag_key}${tag_value}"])],
            notification=[
                BudgetsBudgetNotification(
                    notification_type=kind, comparison_operator="GREATER_THAN", threshold=100,
                    threshold_type="PERCENTAGE", subscriber_sns_topic_arns=[topic_arn])
                for kind in ("ACTUAL", "FORECASTED")
            ],
        )
