"""The `aiinv` Typer app: every command registered in the order `--help` lists them, bad options exit 4.

Importing this module is cheap: cdktf, boto3 and the provider bindings load inside the commands that
need them, so `aiinv --help` and `aiinv list` stay fast.
"""

import typer
from typer.core import TyperGroup

from cli.commands import account, local, stacks, synth
from cli.core.errors import ExitCode

# Typer ships its own copy of Click; its UsageError is the base of the public BadParameter.
_ClickUsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class _Group(TyperGroup):
    """Bad options exit with the usage code, never with 2, which means "changes"."""

    def make_context(self, *args, **kwargs) -> typer.Context:
        try:
            return super().make_context(*args, **kwargs)
        except _ClickUsageError as exc:
            exc.exit_code = ExitCode.USAGE
            raise

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except _ClickUsageError as exc:
            exc.exit_code = ExitCode.USAGE
            raise


app = typer.Typer(
    name="aiinv",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Synthesize, plan, apply and destroy the stacks of one environment in dependency order.\n\n"
    "Exit codes: 0 ok / no changes, 1 error, 2 changes, 3 blocked by an unapplied upstream stack, "
    "4 usage error, 130 interrupted (143 SIGTERM, 129 SIGHUP).",
)

COMMANDS = (
    ("synth", synth.synth),
    ("list", synth.list_stacks),
    ("bootstrap", account.bootstrap),
    ("plan", stacks.plan),
    ("apply", stacks.apply),
    ("destroy", stacks.destroy),
    ("output", stacks.output),
    ("drift", stacks.drift),
    ("unlock", stacks.unlock),
    ("logs", account.logs),
    ("metrics", account.metrics),
    ("doctor", account.doctor),
    ("providers", account.providers),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)


app.add_typer(local.local_app, name="local", help="Run the system locally.")


def main() -> None:
    from cli.engine import signals

    signals.install()
    try:
        app(prog_name="aiinv")
    finally:
        signals.quiet_exit()
