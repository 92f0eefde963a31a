"""The seed's estimated-charges alarm, as an AWS Budgets cost budget notifying the alert topic.

The CloudWatch `EstimatedCharges` metric exists only in us-east-1 and needs billing alerts switched on
by hand; Budgets is global, works from any region and can publish to the (encrypted) alert topic.
It alerts when actual charges of the month pass the limit, and earlier when the forecast does.
Like the seed's EstimatedCharges it covers the whole account (every environment in it): a cost filter
on the `environment` tag would need that tag activated for cost allocation first, or it sees nothing.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetNotification
from constructs import Construct


class CostBudget(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, monthly_limit_usd: int, topic_arn: str) -> None:
        super().__init__(scope, id_)
        self.resource = BudgetsBudget(
            self, "Resource", name=name, budget_type="COST", time_unit="MONTHLY",
            limit_amount=str(monthly_limit_usd), limit_unit="USD",
            notification=[
                BudgetsBudgetNotification(
                    notification_type=kind, comparison_operator="GREATER_THAN", threshold=100,
                    threshold_type="PERCENTAGE", subscriber_sns_topic_arns=[topic_arn])
                for kind in ("ACTUAL", "FORECASTED")
            ],
        )
