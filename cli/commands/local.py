"""`aiinv local run`: the whole pipeline on an in-process AWS emulator (moto) with the shipped samples.

ingest market closes (a backfill through ingest-market, from the sample CSV and Alpha Vantage documents)
and signals (news feed + social listing) -> score -> propose -> risk check -> decide -> evaluate, then a
summary. Heavy imports (boto3, moto, the functions) happen inside the command, so importing this module
for `aiinv --help` stays cheap.
"""

from __future__ import annotations

import typer

local_app = typer.Typer(
    help="Run the investment pipeline locally on an AWS emulator with sample data.", no_args_is_help=True
)


@local_app.callback()
def _local() -> None:
    """Local runs of the pipeline (keeps `run` a subcommand even when this app is used on its own)."""


@local_app.command("run")
def run(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON instead of a table."),
) -> None:
    """Run market ingest, ingest -> score -> propose -> risk check -> decide -> evaluate on moto with the samples."""
    import contextlib
    import json
    import sys
    import warnings

    from rich.console import Console
    from rich.table import Table

    from cli.local.account import emulated_account
    from cli.local.pipeline import LocalRunError, run_pipeline
    from cli.local.summary import summary_rows

    try:
        # What the functions print is their log stream (CloudWatch Logs in Lambda): here it goes to
        # stderr, so stdout holds only the run's result (`--json` stays parseable). Powertools prints
        # its ColdStart metric even with metrics disabled; that line is part of that stream too.
        with (
            emulated_account() as variables,
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sys.stderr),
        ):
            warnings.simplefilter("ignore")
            figures = run_pipeline(variables)
    except LocalRunError as exc:
        typer.echo(f"local run failed at {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    console = Console()
    if console.is_terminal:
        table = Table(title="Local pipeline run (moto, sample data)")
        table.add_column("step")
        table.add_column("result")
        for label, value in summary_rows(figures):
            table.add_row(label, value)
        console.print(table)
    else:
        for label, value in summary_rows(figures):
            typer.echo(f"{label}: {value}")
