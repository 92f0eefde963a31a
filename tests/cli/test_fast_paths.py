"""`aiinv --help` and `aiinv list` never load cdktf or the AWS provider bindings (seconds of import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import fake_synth

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
from cli.main import app
try:
    app(sys.argv[1:], prog_name="aiinv")
except SystemExit as exc:
    assert not exc.code, exc.code
print(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("cdktf", "cdktf_cdktf_provider_aws")}))
"""


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["metrics", "--help"], ["list", "--env", "dev"]])
def test_fast_paths_import_no_cdktf(args: list[str], tmp_path: Path) -> None:
    fake_synth(tmp_path, "dev", {"ai-investment-security-dev": []})  # for `list`
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
