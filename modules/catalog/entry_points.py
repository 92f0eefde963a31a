"""Entry points: the stack outputs a person or a client starts from (API and WebSocket URLs, sign-in, dashboard).

The stacks mark such an output by its description; `aiinv apply` ends by printing every marked output of the
stacks it applied, as the seed asks ("printed after deployment"), and `aiinv output` shows them with the rest.
"""

from __future__ import annotations

PREFIX = "Entry point: "


def describe(label: str) -> str:
    """The output description that marks an entry point named `label`."""
    return f"{PREFIX}{label}"


def label_of(description: str | None) -> str | None:
    """The entry point's label when `description` marks one, else None."""
    if description and description.startswith(PREFIX):
        return description[len(PREFIX):]
    return None


def console_dashboard_url(region: str, dashboard_name: str) -> str:
    return (f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#dashboards/dashboard/{dashboard_name}")


def hosted_ui_url(domain_prefix: str, region: str) -> str:
    return f"https://{domain_prefix}.auth.{region}.amazoncognito.com"
