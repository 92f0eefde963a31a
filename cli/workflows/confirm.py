"""The confirmation prompt of apply and destroy: prod asks for its name to be typed; without a terminal it refuses."""

from __future__ import annotations

from cli.core.console import interactive
from cli.core.errors import RefusedError
from cli.engine.session import Session


def confirm(session: Session, action: str, *, auto_approve: bool, extra: str | None = None) -> None:
    """prod asks for the environment name to be typed; without a terminal it refuses, never hangs."""
    env = session.request.env
    if not getattr(session.config, "is_production", False) or auto_approve:
        return
    ask_for_env_name(env, f"{action} '{env}'", hint="--auto-approve")


def ask_for_env_name(env: str, what: str, *, hint: str) -> None:
    if not interactive():
        raise RefusedError(f"{what} needs confirmation and there is no terminal to ask; pass {hint}")
    import typer

    answer = typer.prompt(
        f"About to {what}. Type the environment name to go on", default="", show_default=False
    )
    if answer.strip() != env:
        raise RefusedError(f"confirmation did not match '{env}'; nothing was changed")


def confirm_destroy(session: Session, *, auto_approve: bool, confirm_env: str | None) -> None:
    env = session.request.env
    production = getattr(session.config, "is_production", False)
    if production:
        # Extra step for prod: --auto-approve alone is not enough.
        if confirm_env == env:
            return
        if confirm_env is not None:
            raise RefusedError(f"--confirm-env {confirm_env} does not match '{env}'; nothing was destroyed")
        ask_for_env_name(
            env, f"DESTROY {len(session.selected)} stacks of '{env}'", hint=f"--confirm-env {env}"
        )
        return
    if not auto_approve:
        ask_for_env_name(env, f"destroy {len(session.selected)} stacks of '{env}'", hint="--auto-approve")
