"""The warm paths of `aiinv` against another revision, in one run: `aiinv --help`, `aiinv list --env dev` and a warm
`aiinv synth --env dev` (nothing changed, so the synth is reused), medians of N runs each and the ratio to the base.

    .venv/bin/python bench/bench_cli.py [--base REV] [--runs N]

The base revision is checked out with `git archive` into a temporary directory; both trees run with this
interpreter (the same installed packages), each from its own directory with its own `cdktf.out`, their modules
compiled beforehand as `make setup` does. Runs alternate between the trees so that a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the `aiinv` console script runs.
AIINV = [sys.executable, "-c", "import sys; from cli.main import main; sys.argv[0] = 'aiinv'; sys.exit(main())"]
CASES = {
    "aiinv --help": ["--help"],
    "aiinv list --env dev": ["list", "--env", "dev"],
    "aiinv synth --env dev (warm)": ["synth", "--env", "dev"],
}


def checkout(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run(tree: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "AIINV_OUT_ROOT": str(tree / "cdktf.out")}
    start = time.perf_counter()
    done = subprocess.run([*AIINV, *args], cwd=tree, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{tree}: aiinv {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return seconds


def default_base() -> str:
    known = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "main"], cwd=ROOT, capture_output=True,
                           check=False)
    return "main" if known.returncode == 0 else "HEAD"


def prepare(tree: Path) -> None:
    """Compiled modules (as `make setup` leaves them) and a synth of dev, so the timed synths are warm."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "cli", "modules"], cwd=tree, check=True)
    run(tree, ["synth", "--env", "dev"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=default_base(), help="the revision to compare with (default: main, "
                        "else HEAD)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case and tree (default: 7)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiinv-bench-cli-") as scratch:
        trees = {"base": checkout(options.base, Path(scratch) / "base"), "this": ROOT}
        for tree in trees.values():
            prepare(tree)
        print(f"base {options.base} against this checkout, medians of {options.runs} runs ({sys.executable})")
        print(f"{'':32} {'base':>8} {'this':>8} {'this/base':>10}")
        for label, args in CASES.items():
            for tree in trees.values():
                run(tree, args)  # warm the file cache
            times: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(options.runs):
                for name, tree in trees.items():
                    times[name].append(run(tree, args))
            base, this = (statistics.median(times[name]) for name in ("base", "this"))
            print(f"{label:32} {base:7.3f}s {this:7.3f}s {this / base:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
