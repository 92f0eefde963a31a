"""Wall time and peak memory of `aiinv synth` against its floor, cold and warm.

The floor is a process that only imports the AWS provider bindings (the jsii assembly load that any
synthesis pays). Each command runs in a fresh process, several times; the script prints medians and
ratios. Targets:
- cold `aiinv synth --env dev --force-synth`: at most 1.0 of the floor in time (memory 1.15);
- warm `aiinv synth --env dev` (nothing changed, so no import at all): at most 0.05 of cold, under 1 s;
- three environments in one call: at most 1.3 of one environment's cold synth;
- warm `aiinv plan` on the fixture app: time until the first Terraform call under 1 s;
- `aiinv --help` and `aiinv list`: far below a second (they never load the bindings).
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

# Runs a command and reports its wall time and the peak RSS of it and every descendant (node included).
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def measure(argv: list[str], cwd: Path) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *argv], cwd=cwd, env=ENV, check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]) / 1024  # seconds, MiB


def medians(argv: list[str], cwd: Path, runs: int = RUNS) -> tuple[float, float]:
    samples = [measure(argv, cwd) for _ in range(runs)]
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


def main() -> None:
    floor = [sys.executable, "-c", "import cdktf_cdktf_provider_aws"]
    aiinv = str(BIN / "aiinv")
    with tempfile.TemporaryDirectory(prefix="aiinv-bench-") as tmp:
        # A copy of the project root's files is not needed: synth writes under the working directory.
        work = Path(tmp)
        (work / "cdktf.json").write_text((ROOT / "cdktf.json").read_text())
        floor_time, floor_mem = medians(floor, work)
        cold_time, cold_mem = medians([aiinv, "synth", "--env", "dev", "--force-synth"], work)
        warm_time, _ = medians([aiinv, "synth", "--env", "dev"], work, WARM_RUNS)
        three = [aiinv, "synth", "--env", "dev", "--env", "staging", "--env", "prod", "--force-synth"]
        three_time, three_mem = medians(three, work)
        help_time, _ = medians([aiinv, "--help"], work)
        list_time, _ = medians([aiinv, "list", "--env", "dev"], work)
        fixture = work / "fixture"
        fixture.mkdir()
        first_call = time_to_first_terraform_call(fixture)
    print(f"runs per command: {RUNS} cold, {WARM_RUNS} warm (medians)")
    print(f"floor (import provider bindings):   {floor_time:6.2f} s  {floor_mem:7.0f} MiB peak")
    print(f"cold aiinv synth --env dev:         {cold_time:6.2f} s  {cold_mem:7.0f} MiB peak")
    print(f"  ratio cold/floor: time {cold_time / floor_time:.2f} (target <= 1.0), "
          f"memory {cold_mem / floor_mem:.2f} (target <= 1.15)")
    print(f"warm aiinv synth --env dev:         {warm_time:6.2f} s")
    print(f"  ratio warm/cold: {warm_time / cold_time:.3f} (target <= 0.05, and under 1 s)")
    print(f"cold synth of dev, staging, prod:   {three_time:6.2f} s  {three_mem:7.0f} MiB peak")
    print(f"  ratio three/one: {three_time / cold_time:.2f} (target <= 1.3)")
    print(f"warm aiinv plan (fixture), start to first Terraform call: {first_call:.2f} s (target < 1 s)")
    print(f"aiinv --help: {help_time:.2f} s   aiinv list --env dev: {list_time:.2f} s (target < 1 s each)")


if __name__ == "__main__":
    main()
