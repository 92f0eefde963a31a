"""`modules.provider_bindings`: the AWS provider bindings load only what an app uses, and nothing in the
synthesized output changes for it.

Each way of loading runs in a process of its own (`tests/support/bindings_probe.py`), because a process
imports the bindings once: the fast path (the default), the full import (`AIINV_PROVIDER_BINDINGS=full`)
and the fallbacks, where the mechanism cannot apply.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules import provider_bindings

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("provider-bindings")]


def _clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without settings that would steer the synth or the way bindings load."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIINV_", "CDK_", "CDKTF_")) and k != "NODE_OPTIONS"}
    return {**env, "PYTHONPATH": str(REPO), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **extra}


def _probe(out: Path, record: Path | None = None, **env: str) -> dict:
    argv = [sys.executable, "-m", "tests.support.bindings_probe", str(out), *([str(record)] if record else [])]
    done = subprocess.run(argv, cwd=REPO, env=_clean_env(**env), capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every file under each published environment (`<app>/<env>` links to its snapshot)."""
    files = {}
    for link in sorted(root.glob("*/*")):
        if link.name.startswith("."):
            continue
        for path in sorted(link.resolve().rglob("*")):
            if path.is_file():
                files[f"{link.relative_to(root)}/{path.relative_to(link.resolve())}"] = hashlib.sha256(
                    path.read_bytes()).hexdigest()
    return files


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict[str, str | None]]:
    root = tmp_path_factory.mktemp("fast")
    record = root / "types.json"
    report = _probe(root / "out", record)
    return root / "out", report, json.loads(record.read_text())


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("full")
    return root / "out", _probe(root / "out", **{provider_bindings.MODE_ENV: "full"})


def test_the_fast_path_writes_every_file_byte_for_byte_as_the_full_import(fast, full) -> None:
    (fast_out, fast_report, _), (full_out, full_report) = fast, full
    assert (fast_report["mode"], full_report["mode"]) == ("lazy", "full")
    fast_files, full_files = _digests(fast_out), _digests(full_out)
    environments = {name.rsplit("/", 1)[0].split("/")[0] + "/" + name.split("/")[1] for name in fast_files}
    assert environments == {"real/dev", "real/staging", "real/prod", "user/dev", "fixture/dev"}
    assert sum(1 for name in fast_files if name.endswith("cdk.tf.json")) == 6 * 3 + 2 + 6
    assert fast_files == full_files
    # What the fast path is for: a tenth of the Python modules.
    assert fast_report["modules"] * 5 < full_report["modules"]


def test_every_jsii_type_seen_while_synthesizing_resolves_to_its_class_on_the_fast_path(fast) -> None:
    _, _, types = fast
    unresolved = sorted(name for name, cls in types.items() if cls is None)
    assert unresolved == []
    # The 18 stacks use some 50 resource types, the user's app seven more; each crossed as its class.
    assert len(types) >= 55
    submodule_of = {provider_bindings.jsii_name(m): m for m in provider_bindings_submodules()}
    for name, cls in types.items():
        namespace, type_name = name.split(".")[1], name.split(".")[-1]
        assert cls == f"{provider_bindings.PACKAGE}.{submodule_of[namespace]}.{type_name}", name


def provider_bindings_submodules() -> list[str]:
    return provider_bindings._split(str(_package_init()))[1]


def _package_init() -> Path:
    import importlib.util

    spec = importlib.util.find_spec(provider_bindings.PACKAGE)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin)


def test_the_jsii_name_rule_holds_for_every_submodule_of_the_package() -> None:
    """The on-demand map is built from `jsii_name`; each submodule's own types must carry that name."""
    package = _package_init().parent
    submodules = provider_bindings_submodules()
    assert len(submodules) > 2000
    wrong = []
    for name in submodules:
        expected = f'jsii_type="{provider_bindings.ASSEMBLY}.{provider_bindings.jsii_name(name)}.'
        with open(package / name / "__init__.py", encoding="utf-8") as file:
            head = ""
            while 'jsii_type="' not in head and (chunk := file.read(1 << 16)):
                head += chunk
        if expected not in head:
            wrong.append(name)
    assert wrong == []


def test_a_type_the_kernel_hands_back_from_a_submodule_nobody_imported_resolves() -> None:
    script = (
        "import sys, modules, cdktf, cdktf_cdktf_provider_aws\n"
        "from jsii._kernel import _make_reference_for_native\n"
        "from jsii._kernel.types import CreateRequest\n"
        "from jsii._runtime import kernel\n"
        "stack = cdktf.TerraformStack(cdktf.App(outdir=sys.argv[1]), 's')\n"
        "before = 'cdktf_cdktf_provider_aws.vpc' in sys.modules\n"
        "kernel.provider.create(CreateRequest(fqn='@cdktf/provider-aws.vpc.Vpc', args=_make_reference_for_native(\n"
        "    kernel, [stack, 'made-in-the-kernel', {'cidrBlock': '10.0.0.0/16'}])))\n"
        "(child,) = stack.node.children\n"
        "print(before, type(child).__module__, type(child).__name__, child.terraform_resource_type)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(REPO / "build")], cwd=REPO, env=_clean_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", "cdktf_cdktf_provider_aws.vpc", "Vpc", "aws_vpc"]


def test_aiinv_falls_back_to_the_full_import_with_one_line_when_jsii_cannot_register_on_demand(
        tmp_path: Path, fast) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "from jsii import _reference_map\ndel _reference_map._try_import_type_module\n")
    work = tmp_path / "work"
    work.mkdir()
    env = _clean_env(PYTHONPATH=f"{site}{os.pathsep}{REPO}")
    done = subprocess.run([sys.executable, "-m", "cli.main", "synth", "--env", "dev"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    notes = [line for line in done.stderr.splitlines() if "provider bindings" in line]
    assert notes == ["note: loading all AWS provider bindings (this jsii runtime cannot register types on "
                     "demand); synth takes longer"]
    assert "Traceback" not in done.stderr
    fast_out = fast[0]
    assert _digests(work) == {
        name.replace("real/", "cdktf.out/", 1): digest for name, digest in _digests(fast_out).items()
        if name.startswith("real/dev/")}


def test_an_unexpected_package_layout_loads_the_package_its_own_way_with_one_line(tmp_path: Path) -> None:
    fake = tmp_path / provider_bindings.PACKAGE
    fake.mkdir()
    (fake / "__init__.py").write_text("VALUE = 'loaded in full'\n")
    env = _clean_env(PYTHONPATH=f"{tmp_path}{os.pathsep}{REPO}")
    done = subprocess.run([sys.executable, "-c", f"import modules, {provider_bindings.PACKAGE} as p; print(p.VALUE)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "loaded in full"), done.stderr
    assert done.stderr.strip() == (f"note: loading all AWS provider bindings ({fake / '__init__.py'} has no submodule "
                                   "imports to skip); synth takes longer")


@pytest.mark.parametrize("tail, reason", [
    ("", "has no submodule imports to skip"),
    ("from . import a\nimport os\n", "unexpected line among the submodule imports: 'import os'"),
])
def test_the_layout_check_refuses_what_it_does_not_know(tmp_path: Path, tail: str, reason: str) -> None:
    init = tmp_path / "__init__.py"
    init.write_text(f"__all__ = ['a']\n{provider_bindings.EAGER_MARKER}\n{tail}")
    with pytest.raises(provider_bindings.LayoutError, match=reason):
        provider_bindings._split(str(init))


def _node(tmp_path: Path, index: str, script: str) -> subprocess.CompletedProcess:
    lib = tmp_path / "node_modules" / "@cdktf" / "provider-aws" / "lib"
    for name in ("alpha", "beta"):
        (lib / name).mkdir(parents=True)
        (lib / name / "index.js").write_text(f'globalThis.loaded = (globalThis.loaded || []).concat("{name}");\n'
                                             f'exports.Thing = "{name} thing";\n')
    (lib / "index.js").write_text(index)
    return subprocess.run(["node", "--require", str(provider_bindings.NODE_HOOK), "-e", script], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)


INDEX = ('"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
         'exports.beta = exports.alpha = void 0;\n'
         'exports.alpha = require("./alpha");\nexports.beta = require("./beta");\n')
PRINT = ('const m = require("./node_modules/@cdktf/provider-aws/lib/index.js");'
         'const before = (globalThis.loaded || []).join(",");'
         'console.log(JSON.stringify([Object.keys(m), before, m.beta.Thing, globalThis.loaded]));')


def test_the_kernel_side_requires_a_namespace_only_when_it_is_first_used(tmp_path: Path) -> None:
    done = _node(tmp_path, INDEX, PRINT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["alpha", "beta"], "", "beta thing", ["beta"]]
    assert done.stderr == ""


def test_the_kernel_side_loads_an_index_of_another_shape_as_usual_with_one_line(tmp_path: Path) -> None:
    done = _node(tmp_path, INDEX + 'console.error("side effect");\n', PRINT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["alpha", "beta"], "alpha,beta", "beta thing", ["alpha", "beta"]]
    lines = done.stderr.splitlines()
    assert lines[0].startswith("note: ") and lines[0].endswith("is not a plain list of namespaces; loading all of them")
    assert lines[1:] == ["side effect"]


def test_install_is_cheap_and_the_switch_turns_both_halves_off(tmp_path: Path) -> None:
    script = ("import sys, modules\n"
              "print(any(m.split('.')[0] in ('jsii', 'cdktf', 'cdktf_cdktf_provider_aws') for m in sys.modules))\n"
              "import os, jsii\n"
              "print('lazy_exports.js' in os.environ.get('NODE_OPTIONS', ''))\n")
    for mode, hooked in (("lazy", "True"), ("full", "False")):
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                              env=_clean_env(**{provider_bindings.MODE_ENV: mode}), timeout=60, check=False)
        assert done.stdout.split() == ["False", hooked], done.stderr


def test_the_kernel_hook_survives_a_path_with_spaces_and_quotes_and_keeps_the_users_node_options(
        tmp_path: Path) -> None:
    odd = tmp_path / 'a dir with "quotes" and spaces'
    odd.mkdir()
    (odd / "lazy_exports.js").write_text(provider_bindings.NODE_HOOK.read_text())
    script = (f"import os, modules.provider_bindings as b, pathlib\n"
              f"b.NODE_HOOK = pathlib.Path({str(odd / 'lazy_exports.js')!r})\n"
              "b._add_node_hook(); b._add_node_hook()\n"
              "print(os.environ['NODE_OPTIONS'])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False,
                          env={**_clean_env(), "NODE_OPTIONS": "--max-old-space-size=3000"})
    options = done.stdout.strip()
    assert options.startswith("--max-old-space-size=3000 --require ") and options.count("--require") == 1
    node = _node(tmp_path, INDEX, PRINT.replace("./node_modules", str(tmp_path / "node_modules")))
    assert node.returncode == 0
    loaded = subprocess.run(["node", "-e", PRINT.replace("./node_modules", str(tmp_path / "node_modules"))],
                            env={**os.environ, "NODE_OPTIONS": options}, capture_output=True, text=True, timeout=60,
                            check=False)
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == [["alpha", "beta"], "", "beta thing", ["beta"]]


def test_an_unknown_mode_says_so_and_uses_the_fast_path(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import modules, os; print(os.environ['AIINV_PROVIDER_BINDINGS'])"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
                          env=_clean_env(**{provider_bindings.MODE_ENV: "Full"}))
    assert (done.returncode, done.stdout.strip()) == (0, "lazy")
    assert done.stderr.strip() == "note: AIINV_PROVIDER_BINDINGS='Full' is neither 'lazy' nor 'full'; using lazy"
