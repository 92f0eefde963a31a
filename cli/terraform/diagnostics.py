"""Reading Terraform's diagnostics: its error text turned into one line that says what happened and what to do.

`failure` knows the errors aiinv can name (a state lock held by another run, a missing lock table or state bucket,
an upstream stack not applied yet, a stale saved plan, a retained resource Terraform would replace); any other
error is Terraform's first `Error:` line.
"""

from __future__ import annotations

import re

from cli.core import layout
from cli.core.errors import AiinvError
from cli.terraform.runner import Result

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_REMOTE_STATE = re.compile(r"cross-stack-reference-input-([A-Za-z0-9_.-]+)")


class StackFailed(AiinvError):
    """A Terraform step of one stack failed; `blocked_by` is set when an upstream is not applied."""

    def __init__(self, message: str, *, blocked_by: str = "") -> None:
        super().__init__(message)
        self.blocked_by = blocked_by


def failure(name: str, step: str, result: Result, *, env: str = "") -> StackFailed:
    """Turn Terraform's diagnostics into one line that says what happened and what to do."""
    text = strip_ansi(result.text)
    env_flag = f"--env {env}" if env else "--env ENV"
    if "Error acquiring the state lock" in text:
        if "ResourceNotFoundException" in text or "Requested resource not found" in text:
            return StackFailed(
                f"{step}: the lock table of {name} does not exist; run `aiinv bootstrap {env_flag}` "
                "(or check the region and account)"
            )
        info = {k: _field(text, k) for k in ("ID", "Who", "Operation", "Created")}
        info["Operation"] = info["Operation"].removeprefix("OperationType").lower()
        return StackFailed(
            f"{step}: the state of {name} is locked by another run (lock {info['ID']}, {info['Operation']} "
            f"by {info['Who']} since {info['Created']}); wait for it to finish or raise --lock-timeout; "
            f"if that run is gone: aiinv unlock {env_flag} --stack {name} {info['ID']}"
        )
    if "NoSuchBucket" in text or "S3 bucket does not exist" in text or "bucket does not exist" in text:
        return StackFailed(
            f"{step}: the state bucket of {name} does not exist; run `aiinv bootstrap {env_flag}`, or check the "
            "region (CDK_DEFAULT_REGION) and that your credentials are for the environment's account"
        )
    upstream = _blocking_upstream(text)
    if upstream:
        return StackFailed(f"blocked by {upstream}: it has not been applied yet", blocked_by=upstream)
    if "Saved plan is stale" in text:
        return StackFailed(
            f"{step}: the reviewed plan of {name} is stale (its state changed since it was "
            "planned); run `aiinv plan` again"
        )
    if result.returncode == 130:
        return StackFailed(f"{step}: interrupted")
    retained = _PREVENT_DESTROY.findall(text)
    tainted = [a for a in retained if a in set(_TAINTED.findall(text))]
    if tainted:
        directory = layout.env_dir(env or "ENV") / "stacks" / name
        return StackFailed(
            f"{step}: {', '.join(tainted)} in {name} is retained (prevent_destroy) but tainted, so Terraform wants "
            "to replace it: an earlier apply was stopped while creating it. Check it exists as configured, then "
            f"keep it: terraform -chdir={directory} untaint {tainted[0]} (once per resource), and apply again"
        )
    if retained:
        return StackFailed(
            f"{step}: the plan of {name} would replace or destroy {', '.join(retained)}, which is retained "
            "(prevent_destroy); change the configuration back, or move the data first"
        )
    return StackFailed(f"{step} failed (exit {result.returncode}): {first_error(text)}")


_PREVENT_DESTROY = re.compile(r"Resource (\S+) has lifecycle\.prevent_destroy set")
_TAINTED = re.compile(r"# (\S+) is tainted, so must be replaced")


_BLOCKING_ERRORS = ("Unable to find remote state", "Unsupported attribute")


def _blocking_upstream(text: str) -> str:
    """The upstream stack named inside the first error about a remote state that is not there yet.

    Only the error's own block counts: earlier lines (`data.terraform_remote_state.<x>: Reading...`)
    name every upstream the stack reads, applied or not.
    """
    block: list[str] = []
    blocks: list[list[str]] = []
    for stripped in plain_lines(text):
        if stripped.startswith(("Error:", "Warning:")):
            block = [stripped]
            blocks.append(block)
        elif block:
            block.append(stripped)
    for lines in blocks:
        header = lines[0]
        if not header.startswith("Error:") or not any(e in header for e in _BLOCKING_ERRORS):
            continue
        body = "\n".join(lines)
        if "Unsupported attribute" in header and "terraform_remote_state" not in body:
            continue
        match = _REMOTE_STATE.search(body)
        if match:
            return match.group(1).rstrip(".,")
    return ""


def first_error(text: str) -> str:
    """Terraform's first `Error:` message, else the last line with words, else `no output`."""
    errors = error_messages(text)
    if errors:
        return errors[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def error_messages(text: str) -> list[str]:
    """The message of every `Error:` line, in order (warnings come first in Terraform's output)."""
    return [line[len("Error:") :].strip() for line in plain_lines(text) if line.startswith("Error:")]


def plain_lines(text: str) -> list[str]:
    """Terraform's lines without colour and without the box drawing around a diagnostic."""
    return [line.strip("│╷╵ \t") for line in strip_ansi(text).splitlines()]


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _field(text: str, key: str) -> str:
    match = re.search(rf"^\W*{key}:\s+(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "?"
