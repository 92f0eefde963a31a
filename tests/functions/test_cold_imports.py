"""What a cold start imports: each handler module's import path, against the allow-list next to this file.

A fresh interpreter with the environment of a deployed function (the runtime's variables, tracing on as
deployed: tests/support/lambda_runtime.py) imports `functions.<package>.handler`; the modules it loads beyond
the floor are compared with `cold_imports.json`. The floor is what `import boto3` loads (every function but the
authorizer creates boto3 clients); for the authorizer, which calls no AWS service, it is the bare interpreter.
Modules are named in full for our own code, to three levels in Powertools and the X-Ray SDK
(`aws_lambda_powertools.utilities.parser`), to two in boto3 and botocore, by package otherwise; the standard
library is left out (it differs between Python versions).

A change that puts an import on a handler's import path that only one route, one error path or the scheduled
run needs fails here with the module's name: import it where it is used. When the first request does need it,
add it to the allow-list: `AIINV_UPDATE_COLD_IMPORTS=1 .venv/bin/pytest tests/functions/test_cold_imports.py`
rewrites the file (review its diff).

The same fresh interpreter also shows that each handler holds the garbage collector off during its init and
hands it back on, with what init built frozen (functions/shared/cold_start.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.support.lambda_runtime import runtime_variables

ROOT = Path(__file__).resolve().parents[2]
ALLOW_LIST = Path(__file__).with_name("cold_imports.json")
UPDATE_VARIABLE = "AIINV_UPDATE_COLD_IMPORTS"
PACKAGES = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))
NO_AWS_CLIENTS = frozenset({"authorizer"})
DEPTH = {"aws_lambda_powertools": 3, "aws_xray_sdk": 3, "botocore": 2, "boto3": 2}
LISTED = """
import json, sys
{statement}
print(json.dumps(sorted(sys.modules)))
"""


def _environment(package: str) -> dict[str, str]:
    from cli.local.account import local_environment, table_env

    settings = local_environment("http://127.0.0.1:9", table_env())
    settings.pop("POWERTOOLS_TRACE_DISABLED")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        **settings,
        **runtime_variables(package, ROOT),
    }


def _named(module: str) -> str | None:
    """The name a module is listed under; None for the standard library."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top.startswith("_"):
        return None
    if top == "functions":
        return module
    return ".".join(module.split(".")[: DEPTH.get(top, 1)])


def _fresh(code: str, package: str) -> str:
    """The last line a fresh interpreter with the function's environment prints."""
    out = subprocess.run([sys.executable, "-c", code], env=_environment(package), cwd=ROOT, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, f"{code!r} failed in a fresh interpreter:\n{out.stderr[-3000:]}"
    return out.stdout.splitlines()[-1]


def _loaded(statement: str, package: str) -> frozenset[str]:
    listed = json.loads(_fresh(LISTED.format(statement=statement), package))
    return frozenset(name for name in map(_named, listed) if name)


@cache
def _floor(with_boto3: bool) -> frozenset[str]:
    # The same environment as a function's: boto3's import reads it (the region, the endpoint settings).
    return _loaded("import boto3" if with_boto3 else "pass", "score")


def cold_imports(package: str) -> list[str]:
    """What importing `functions.<package>.handler` loads beyond the floor, as listed in the allow-list."""
    loaded = _loaded(f"import functions.{package}.handler", package)
    return sorted(loaded - _floor(package not in NO_AWS_CLIENTS))


def _allowed() -> dict[str, list[str]]:
    return json.loads(ALLOW_LIST.read_text()) if ALLOW_LIST.exists() else {}


@pytest.mark.xdist_group(name="cold_imports")  # one writer of the allow-list when it is being regenerated
@pytest.mark.parametrize("package", PACKAGES)
def test_cold_import_loads_only_the_allowed_modules(package: str) -> None:
    found = cold_imports(package)
    if os.environ.get(UPDATE_VARIABLE):
        allowed = _allowed()
        allowed[package] = found
        ALLOW_LIST.write_text(json.dumps(dict(sorted(allowed.items())), indent=2) + "\n")
        return
    allowed = set(_allowed().get(package, []))
    added, gone = sorted(set(found) - allowed), sorted(allowed - set(found))
    assert not added, (
        f"functions.{package}.handler now loads at cold start, beyond the allow-list ({ALLOW_LIST.name}): "
        f"{', '.join(added)}. Import them where they are used, or, if the first request needs them, add them "
        f"({UPDATE_VARIABLE}=1)."
    )
    assert not gone, (
        f"functions.{package}.handler no longer loads {', '.join(gone)}: take them off the allow-list "
        f"({UPDATE_VARIABLE}=1), so they cannot come back unnoticed."
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_the_garbage_collector_is_back_on_after_init_with_what_init_built_frozen(package: str) -> None:
    """functions/shared/cold_start.py holds the collector off during init; a handler that does not import it
    first, or does not end with `cold_start.initialised()`, would leave it off (or never hold it off)."""
    code = (f"import gc\nimport functions.{package}.handler\n"
            "print(gc.isenabled(), gc.get_freeze_count(), len(gc.get_objects()))")
    enabled, frozen, tracked = _fresh(code, package).split()
    assert enabled == "True", f"functions.{package}.handler leaves the garbage collector off after its init"
    assert int(frozen) > 0, f"functions.{package}.handler does not freeze what its init built"
    assert int(tracked) < int(frozen), f"functions.{package}.handler: most of what init built is not frozen"
    source = (ROOT / "functions" / package / "handler.py").read_text()
    first = next(line for line in source.splitlines()
                 if line.startswith(("import ", "from ")) and not line.startswith("from __future__"))
    assert first.startswith("from functions.shared import cold_start"), (
        f"functions/{package}/handler.py imports {first!r} before functions.shared.cold_start"
    )


def test_powertools_parser_models_are_never_on_a_cold_path() -> None:
    """Powertools' batch module imports its parser's pydantic models when pydantic is imported first (tens of
    ms); the functions use the batch data classes only, so the handlers import the batch module first."""
    for package, modules in _allowed().items():
        assert not [m for m in modules if m.startswith("aws_lambda_powertools.utilities.parser")], package
