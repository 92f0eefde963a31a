"""`terraform validate` with the real AWS provider over every synthesized stack of every environment.

The provider comes from the filesystem mirror in `AIINV_PROVIDER_MIRROR` (`make test` sets it when the test
stand-in is installed); without a mirror that holds the pinned version the test skips and says why. Each stack's
`cdk.tf.json` is copied from the session's synthesis into a directory of its own, so nothing is written into the
shared synthesis, and the plugin cache is a temporary directory, never the user's. The copies are validated as the
modules of one root configuration, by one `terraform validate`: the provider builds its schema once, not once per
stack (18 times), and each diagnostic is traced back to its stack by the file it points at.

Every stack must be valid, and every warning must be one of ALLOWED_WARNINGS, each with the reason our
configuration cannot avoid it. A manual run:

    AIINV_PROVIDER_MIRROR=~/.cache/aiinv/standin-providers/6.47.1-dev \
        .venv/bin/pytest tests/deploy/test_validate.py -n 0 -s
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.core import layout
from cli.core.errors import ToolError
from cli.terraform import provider_mirror
from cli.terraform.tfbin import describe, terraform_command, terraform_process_env
from modules.config import ENVIRONMENT_NAMES
from tests.support.synthesized import synthesized

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real-provider-validate")]

TIMEOUT = 900  # seconds for one Terraform call
# What validating the stacks as modules of one root adds, and a stack validated on its own never shows: a module's
# backend block is ignored (the root's backend would apply). Nothing else is dropped.
HARNESS_DIAGNOSTICS = frozenset({"Backend configuration ignored"})


@dataclass(frozen=True)
class AllowedWarning:
    """A warning `terraform validate` may give: its summary, a pattern its detail matches, where it is."""

    summary: str
    detail: re.Pattern[str]
    where: str  # the block type and attribute it is reported on (see `_location`)
    reason: str  # what it is and why our configuration cannot avoid it

    def allows(self, warning: Diagnostic) -> bool:
        return (warning.summary == self.summary and self.detail.search(warning.detail) is not None
                and warning.where == self.where)


ALLOWED_WARNINGS: tuple[AllowedWarning, ...] = (
    AllowedWarning(
        summary="Argument is deprecated",
        detail=re.compile(r"^hash_key is deprecated\b"),
        where="resource aws_dynamodb_table global_secondary_index",
        reason="hash_key of a DynamoDB global secondary index is deprecated from provider 6.47 on in favour of "
               "a key_schema block; the pinned provider 6.25.0 and its bindings (cdktf-cdktf-provider-aws "
               "21.22.1) have no key_schema, so hash_key is the only way to write the index's partition key. "
               "Only the 6.47.1-dev test stand-in warns.",
    ),
    AllowedWarning(
        summary="Argument is deprecated",
        detail=re.compile(r"^range_key is deprecated\b"),
        where="resource aws_dynamodb_table global_secondary_index",
        reason="range_key of a DynamoDB global secondary index: deprecated with hash_key in provider 6.47 in "
               "favour of key_schema, which the pinned 6.25.0 bindings cannot write. Only the 6.47.1-dev test "
               "stand-in warns.",
    ),
)


@dataclass(frozen=True)
class Diagnostic:
    summary: str
    detail: str
    where: str  # e.g. "resource aws_dynamodb_table global_secondary_index", or "(no location)"
    address: str  # e.g. aws_dynamodb_table.Table-signals, for the failure message


@dataclass(frozen=True)
class Validated:
    env: str
    stack: str
    valid: bool
    errors: list[str]
    warnings: list[Diagnostic]


def test_every_synthesized_stack_validates_with_the_real_aws_provider(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    label = _provider_or_skip(monkeypatch)
    try:
        terraform = terraform_command()
    except ToolError as exc:
        pytest.skip(exc.message)
    monkeypatch.setenv(layout.PLUGIN_CACHE_ENV, str(tmp_path_factory.mktemp("validate-plugin-cache")))
    env = _terraform_env()
    work = tmp_path_factory.mktemp("validate")
    stacks = _copy_stacks(work)
    assert stacks, "nothing was synthesized"

    start = time.monotonic()
    results = _validate_as_modules(terraform, env, work, stacks)
    wall = time.monotonic() - start

    print(f"\nvalidated {len(results)} stacks ({', '.join(ENVIRONMENT_NAMES)}) with {label}")
    print(f"terraform: {describe(terraform)}; one init and one validate of all stacks: {wall:.1f} s")
    for result in results:
        print(f"  {result.env}/{result.stack}: {'valid' if result.valid else 'INVALID'}, "
              f"{len(result.warnings)} warnings")
    seen = Counter((w.summary, w.detail, w.where) for r in results for w in r.warnings)
    for (summary, detail, where), count in sorted(seen.items()):
        blocks = sorted({w.address for r in results for w in r.warnings
                         if (w.summary, w.detail, w.where) == (summary, detail, where)})
        print(f"  warning x{count} on {where} ({', '.join(blocks)}): {summary}: {detail}")
    unused = [a for a in ALLOWED_WARNINGS if not any(a.allows(w) for r in results for w in r.warnings)]
    for allowed in unused:
        print(f"  allowed but not seen with this provider: {allowed.summary} ({allowed.detail.pattern})")

    invalid = {f"{r.env}/{r.stack}": r.errors for r in results if not r.valid}
    assert not invalid, f"invalid with {label}:\n" + json.dumps(invalid, indent=2)
    unexpected = sorted({f"{r.env}/{r.stack} {w.address}: {w.summary}: {w.detail}"
                         for r in results for w in r.warnings
                         if not any(a.allows(w) for a in ALLOWED_WARNINGS)})
    assert not unexpected, (f"warnings outside ALLOWED_WARNINGS with {label} (fix the configuration, or add "
                            "the warning with its reason):\n" + "\n".join(unexpected))


def _provider_or_skip(monkeypatch: pytest.MonkeyPatch) -> str:
    """The provider build in the mirror, in words; skips without a mirror that holds the pin."""
    pin = provider_mirror.AWS
    named = os.environ.get(provider_mirror.MIRROR_ENV)
    if not named:
        pytest.skip(f"{provider_mirror.MIRROR_ENV} is not set: no mirror holding {pin.short} to validate with "
                    "(make test sets it when the test stand-in is installed)")
    mirror = Path(named).expanduser()
    if not provider_mirror.holds(mirror, pin):
        pytest.skip(f"{provider_mirror.MIRROR_ENV}={mirror} does not hold {pin.short} "
                    f"({provider_mirror.binary_path(mirror, pin)} is missing or not executable)")
    # The mirror decides, not a CLI configuration of the developer's.
    monkeypatch.delenv(provider_mirror.CLI_CONFIG_ENV, raising=False)
    standin = provider_mirror.source(pin).standin
    return standin.label if standin else f"{pin.short} from {mirror}"


def _terraform_env() -> dict[str, str]:
    """As aiinv runs Terraform (cli/terraform/tfbin.py), without the developer's TF_* settings."""
    assert provider_mirror.CLI_CONFIG_ENV in provider_mirror.terraform_env(), "the mirror should configure Terraform"
    return terraform_process_env({k: v for k, v in os.environ.items() if not k.startswith("TF_")})


def _copy_stacks(work: Path) -> list[tuple[str, str, Path]]:
    """(environment, stack, directory holding a copy of its cdk.tf.json) for every synthesized stack."""
    stacks = []
    for env_name in ENVIRONMENT_NAMES:
        root = synthesized(env_name)
        manifest = json.loads((root / "manifest.json").read_text())
        for name, entry in sorted(manifest["stacks"].items()):
            directory = work / env_name / name
            directory.mkdir(parents=True)
            shutil.copyfile(root / entry["synthesizedStackPath"], directory / "cdk.tf.json")
            stacks.append((env_name, name, directory))
    return stacks


def _run(terraform: list[str], env: dict[str, str], directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*terraform, *args], cwd=directory, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False)


def _validate_as_modules(terraform: list[str], env: dict[str, str], work: Path,
                         stacks: list[tuple[str, str, Path]]) -> list[Validated]:
    """Validate every stack's copy as a module of one root in `work`; a result per stack, and one for the whole
    configuration when Terraform reports an error it does not place in any stack's file."""
    modules = {f"{env_name}_{stack}": {"source": f"./{directory.relative_to(work).as_posix()}"}
               for env_name, stack, directory in stacks}
    (work / "main.tf.json").write_text(json.dumps({"module": modules}, indent=2))
    init = _run(terraform, env, work, "init", "-backend=false", "-input=false", "-no-color")
    if init.returncode != 0:
        return [Validated("all", "(root)", False, [f"terraform init failed:\n{init.stdout}{init.stderr}"], [])]
    done = _run(terraform, env, work, "validate", "-json", "-no-color")
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        return [Validated("all", "(root)", False, [f"terraform validate gave no JSON:\n{done.stdout}{done.stderr}"],
                          [])]
    by_file = {(directory / "cdk.tf.json").relative_to(work).as_posix(): (env_name, stack, directory)
               for env_name, stack, directory in stacks}
    placed: dict[tuple[str, str], list[dict[str, Any]]] = {(e, s): [] for e, s, _ in stacks}
    unplaced: list[dict[str, Any]] = []
    for diagnostic in report.get("diagnostics", []):
        if diagnostic.get("summary") in HARNESS_DIAGNOSTICS:
            continue
        owner = by_file.get((diagnostic.get("range") or {}).get("filename", ""))
        (placed[owner[:2]] if owner else unplaced).append(diagnostic)
    results = []
    for env_name, stack, directory in stacks:
        config = (directory / "cdk.tf.json").read_bytes()
        mine = placed[(env_name, stack)]
        errors = [f"{d.get('summary')}: {d.get('detail')} ({_location(config, d)[1]})"
                  for d in mine if d.get("severity") == "error"]
        warnings = [Diagnostic(d.get("summary", ""), d.get("detail", ""), *_location(config, d))
                    for d in mine if d.get("severity") == "warning"]
        results.append(Validated(env_name, stack, not errors, errors, warnings))
    whole = [f"{d.get('summary')}: {d.get('detail')}" for d in unplaced if d.get("severity") == "error"]
    # Invalid with every error placed in a stack is reported by those stacks; anything else is shown here.
    invalid = whole or not report.get("valid") or done.returncode != 0
    if invalid and (whole or all(r.valid for r in results)):
        results.append(Validated("all", "(root)", False, whole or [f"invalid:\n{done.stdout}{done.stderr}"], []))
    results.extend(Validated("all", "(root)", True, [], [Diagnostic(d.get("summary", ""), d.get("detail", ""),
                                                                    "(no location)", "(no location)")])
                   for d in unplaced if d.get("severity") == "warning")
    return results


def _location(config: bytes, diagnostic: dict[str, Any]) -> tuple[str, str]:
    """Where a diagnostic's range (in the stack's `config`) falls: block type and attribute ("resource
    aws_dynamodb_table global_secondary_index", the same for every resource of the type), and the block's address."""
    where = diagnostic.get("range")
    if not where or not where.get("filename", "").endswith("cdk.tf.json"):
        return "(no location)", "(no location)"
    keys = _enclosing_keys(config, int(where["start"]["byte"]))
    if len(keys) >= 3 and keys[0] in ("resource", "data"):
        kind, type_, name, *attribute = keys
        address = f"{'data.' if kind == 'data' else ''}{type_}.{name}"
        return " ".join([kind, type_, ".".join(attribute)]).strip(), address
    return " ".join(keys) or "(top level)", ".".join(keys) or "(top level)"


def _enclosing_keys(document: bytes, offset: int) -> list[str]:
    """The object keys leading to byte `offset` of a JSON document (array elements add none)."""
    path: list[str | None] = []
    last_string: str | None = None
    key: str | None = None
    i = 0
    while i < offset:
        char = document[i:i + 1]
        if char == b'"':
            end = i + 1
            while document[end:end + 1] != b'"':
                end += 2 if document[end:end + 1] == b"\\" else 1
            last_string = json.loads(document[i:end + 1])
            i = end + 1
            continue
        if char == b":":
            key = last_string
        elif char in (b"{", b"["):
            path.append(key)
            key = None
        elif char in (b"}", b"]"):
            path.pop()
            key = None
        elif char == b",":
            key = None
        i += 1
    return [k for k in [*path, key] if k is not None]
