"""What each stack command does given a session (plan, apply, drift, output, destroy with its preflight,
unlock), without Typer; the confirmation prompt lives in `confirm`.

Imports `cli.engine` and the layers below it. A workflow never imports another workflow (only the shared
`confirm` and its own parts, such as `destroy_preflight`).
"""
