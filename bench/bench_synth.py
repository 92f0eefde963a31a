"""Wall time and peak memory of `aiinv synth` against its floor, cold and warm, on the fast path of the
provider bindings (`modules.provider_bindings`) and with the full import (`AIINV_PROVIDER_BINDINGS=full`,
the behaviour before that module) in the same run.

The floor is a process that only imports the AWS provider bindings the package's own way
(`import cdktf_cdktf_provider_aws`: every submodule, and the jsii kernel loading all of its namespaces).
Each command runs in a fresh process, several times; the script prints medians and ratios. Peak memory is
the largest sum of the resident sets of the command and all its descendants (the jsii kernel's Node.js
process included), sampled every 20 ms. Targets:
- cold `aiinv synth --env dev --force-synth` on the fast path: at most 0.35 of the floor in time and 0.5
  in peak memory;
- three environments in one call: at most 1.3 of one environment's cold synth;
- warm `aiinv synth --env dev` (nothing changed, so no import at all): at most 0.05 of cold, under 1 s;
- warm `aiinv plan` on the fixture app: time until the first Terraform call under 1 s;
- `aiinv --help`, `aiinv list` and the warm synth: no slower than with the full import (they never load
  the bindings).
`BENCH_SUITE=1` also runs `make test` twice (full import, then the fast path) and prints both wall times.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root is not installed
from tests.support import emulator

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
WARM_RUNS = int(os.environ.get("BENCH_WARM_RUNS", "10"))
FIXTURE_APP = f"{ROOT / 'tests' / 'fixtures' / 'fixture_app.py'}:build_app"
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

MODE_ENV = "AIINV_PROVIDER_BINDINGS"


def _tree_rss_kib(pid: int) -> int:
    """Resident set of `pid` and all its descendants, in KiB (0 for processes already gone)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measure(argv: list[str], cwd: Path, mode: str = "lazy") -> tuple[float, float]:
    """Seconds and peak MiB of the process tree of one run of `argv`."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env={**ENV, MODE_ENV: mode}, stdout=subprocess.DEVNULL,
                                stderr=errors)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kib(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed: {errors.read().decode()[-2000:]}")
    return elapsed, peak / 1024


def medians(argv: list[str], cwd: Path, runs: int = RUNS, mode: str = "lazy") -> tuple[float, float]:
    samples = [measure(argv, cwd, mode) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


# Stands in for Terraform: notes when aiinv first called it, then fails so the run ends at once.
_FIRST_CALL = """#!/bin/sh
[ -f "$BENCH_FIRST_CALL" ] || python3 -c 'import time; print(time.time())' > "$BENCH_FIRST_CALL"
exit 1
"""


def time_to_first_terraform_call(work: Path) -> float:
    """Seconds from starting a warm `aiinv plan` of the fixture app (output current, environment
    bootstrapped on the tests' emulator) until it first runs Terraform."""
    fake = work / "first-call-terraform"
    fake.write_text(_FIRST_CALL)
    fake.chmod(0o755)
    marker = work / "first-call"
    moto, endpoint = emulator.start()
    try:
        env = {**ENV, "AIINV_APP": FIXTURE_APP, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "bench",
               "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-central-1",
               "AWS_ENDPOINT_URL": endpoint, "AIINV_FIXTURE_ENDPOINT": endpoint, "CI": "true"}
        for step in (["synth", "--env", "dev"], ["bootstrap", "--env", "dev"]):  # the warm state
            subprocess.run([str(BIN / "aiinv"), *step], cwd=work, env=env, check=True, capture_output=True)
        plan = [str(BIN / "aiinv"), "plan", "--env", "dev", "--out", str(work / "plans")]
        samples = []
        for _ in range(WARM_RUNS):
            marker.unlink(missing_ok=True)
            start = time.time()
            subprocess.run(plan, cwd=work, env={**env, "AIINV_TERRAFORM": str(fake), "BENCH_FIRST_CALL": str(marker)},
                           check=False, capture_output=True)
            samples.append(float(marker.read_text()) - start)
    finally:
        moto.terminate()
        moto.wait(10)
    return statistics.median(samples)


def suite_wall_time(mode: str) -> float:
    start = time.perf_counter()
    subprocess.run(["make", "test"], cwd=ROOT, env={**ENV, MODE_ENV: mode}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    floor = [sys.executable, "-c", "import cdktf_cdktf_provider_aws"]
    aiinv = str(BIN / "aiinv")
    cold = [aiinv, "synth", "--env", "dev", "--force-synth"]
    three = [aiinv, "synth", "--env", "dev", "--env", "staging", "--env", "prod", "--force-synth"]
    warm = [aiinv, "synth", "--env", "dev"]
    quick = {"warm aiinv synth --env dev": (warm, WARM_RUNS), "aiinv --help": ([aiinv, "--help"], RUNS),
             "aiinv list --env dev": ([aiinv, "list", "--env", "dev"], RUNS)}
    figures: dict[str, dict[str, tuple[float, float]]] = {"lazy": {}, "full": {}}
    with tempfile.TemporaryDirectory(prefix="aiinv-bench-") as tmp:
        # A copy of the project root's files is not needed: synth writes under the working directory.
        work = Path(tmp)
        (work / "cdktf.json").write_text((ROOT / "cdktf.json").read_text())
        floor_time, floor_mem = medians(floor, work)
        for mode in ("full", "lazy"):  # interleaved per command would share caches alike; both run cold
            figures[mode]["cold"] = medians(cold, work, mode=mode)
            figures[mode]["three"] = medians(three, work, mode=mode)
            for label, (argv, runs) in quick.items():
                figures[mode][label] = medians(argv, work, runs, mode=mode)
        fixture = work / "fixture"
        fixture.mkdir()
        first_call = time_to_first_terraform_call(fixture)
    lazy, full = figures["lazy"], figures["full"]
    cold_time, cold_mem = lazy["cold"]
    three_time, three_mem = lazy["three"]
    print(f"runs per command: {RUNS} cold, {WARM_RUNS} warm (medians); peak memory: the process tree")
    print(f"floor (import provider bindings):   {floor_time:6.2f} s  {floor_mem:7.0f} MiB peak")
    print(f"cold aiinv synth --env dev:         {cold_time:6.2f} s  {cold_mem:7.0f} MiB peak   "
          f"(full import: {full['cold'][0]:.2f} s, {full['cold'][1]:.0f} MiB)")
    print(f"  ratio cold/floor: time {cold_time / floor_time:.2f} (target <= 0.35), "
          f"memory {cold_mem / floor_mem:.2f} (target <= 0.5)")
    print(f"cold synth of dev, staging, prod:   {three_time:6.2f} s  {three_mem:7.0f} MiB peak   "
          f"(full import: {full['three'][0]:.2f} s, {full['three'][1]:.0f} MiB)")
    print(f"  ratio three/one: {three_time / cold_time:.2f} (target <= 1.3)")
    warm_time = lazy["warm aiinv synth --env dev"][0]
    print(f"  ratio warm/cold: {warm_time / cold_time:.3f} (target <= 0.05, and under 1 s)")
    for label in quick:
        print(f"{label + ':':35} {lazy[label][0]:6.2f} s   full import {full[label][0]:.2f} s   "
              f"ratio {lazy[label][0] / full[label][0]:.2f} (target <= 1, within noise)")
    print(f"warm aiinv plan (fixture), start to first Terraform call: {first_call:.2f} s (target < 1 s)")
    if os.environ.get("BENCH_SUITE") == "1":
        before, after = suite_wall_time("full"), suite_wall_time("lazy")
        print(f"make test wall time: full import {before:.0f} s, fast path {after:.0f} s "
              f"(ratio {after / before:.2f})")


if __name__ == "__main__":
    main()
