"""Wall time and peak memory of `aiinv synth --env dev` against its floor.

The floor is a process that only imports the AWS provider bindings (the jsii assembly load that any
synthesis pays). Each command runs in a fresh process, several times; the script prints medians and
the ratios synth / floor. Target: both ratios at most 1.15. Also prints `aiinv --help` and
`aiinv list` times, which must stay far below a second because they never load the bindings.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
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


def medians(argv: list[str], cwd: Path) -> tuple[float, float]:
    samples = [measure(argv, cwd) for _ in range(RUNS)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> None:
    floor = [sys.executable, "-c", "import cdktf_cdktf_provider_aws"]
    with tempfile.TemporaryDirectory(prefix="aiinv-bench-") as tmp:
        # A copy of the project root's files is not needed: synth writes under the working directory.
        work = Path(tmp)
        (work / "cdktf.json").write_text((ROOT / "cdktf.json").read_text())
        synth = [str(BIN / "aiinv"), "synth", "--env", "dev"]
        floor_time, floor_mem = medians(floor, work)
        synth_time, synth_mem = medians(synth, work)
        help_time, _ = medians([str(BIN / "aiinv"), "--help"], work)
        list_time, _ = medians([str(BIN / "aiinv"), "list", "--env", "dev"], work)
    print(f"runs per command: {RUNS} (medians)")
    print(f"floor (import provider bindings): {floor_time:6.2f} s  {floor_mem:7.0f} MiB peak")
    print(f"aiinv synth --env dev:            {synth_time:6.2f} s  {synth_mem:7.0f} MiB peak")
    print(f"ratio synth/floor: time {synth_time / floor_time:.2f}, memory {synth_mem / floor_mem:.2f} "
          "(target <= 1.15)")
    print(f"aiinv --help: {help_time:.2f} s   aiinv list --env dev: {list_time:.2f} s (target < 1 s each)")


if __name__ == "__main__":
    main()
