"""`aiinv apply` over every stack of the fixture app vs. a shell script of terraform init + apply per stack.

Everything runs against the tests' moto_server on 127.0.0.1 (state in S3, locks in DynamoDB). Each measured run
gets its own project name, so each starts from empty state; synth and bootstrap are not timed (the
shell script does not synthesize either). One warm-up round is not counted; the order of the
contenders rotates from round to round. Prints the wall times and the ratios of the medians:
sequential (`--parallelism 1`, target <= 1.1) and parallel (`--parallelism 4`, target < 1).

    .venv/bin/python bench/bench_apply.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "fixture_app.py"
AIINV = [sys.executable, "-m", "cli.main"]

sys.path.insert(0, str(ROOT))
from tests.support import emulator  # noqa: E402  (the repository root is not an installed package)


def checked(command: list[str], **kwargs: object) -> None:
    """Run a contender's command; if it fails, stop with its last lines instead of a bare exit status."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise SystemExit(f"{' '.join(command[:6])} ... failed (exit {done.returncode}):\n{tail}")


def aiinv(env: dict, cwd: Path, *args: str) -> None:
    checked([*AIINV, *args], cwd=cwd, env=env)


def prepared(base_env: dict) -> tuple[Path, dict, str]:
    """A fresh directory, synthesized and bootstrapped for a new project name."""
    project = f"b{uuid.uuid4().hex[:10]}"
    cwd = Path(tempfile.mkdtemp(prefix="aiinv-bench-"))
    aiinv(base_env, cwd, "synth", "--env", "dev", "--project-name", project)
    aiinv(base_env, cwd, "bootstrap", "--env", "dev", "--project-name", project)
    return cwd, base_env, project


def deploy_order(cwd: Path) -> list[str]:
    out = subprocess.run([*AIINV, "list", "--env", "dev"], cwd=cwd, check=True, capture_output=True, text=True)
    return [line.split()[1] for line in out.stdout.splitlines()]


def shell_baseline(base_env: dict, terraform: str) -> float:
    cwd, env, _ = prepared(base_env)
    script = ["set -e"]
    for name in deploy_order(cwd):
        d = cwd / "cdktf.out" / "dev" / "stacks" / name
        script += [f"{terraform} -chdir={d} init -input=false -no-color",
                   f"{terraform} -chdir={d} apply -input=false -no-color -auto-approve"]
    start = time.perf_counter()
    checked(["bash", "-c", "\n".join(script)], env=env)
    elapsed = time.perf_counter() - start
    shutil.rmtree(cwd, ignore_errors=True)
    return elapsed


def aiinv_apply(base_env: dict, parallelism: int) -> float:
    cwd, env, project = prepared(base_env)
    start = time.perf_counter()
    aiinv(env, cwd, "apply", "--env", "dev", "--project-name", project, "--skip-synth", "--no-color",
          "--parallelism", str(parallelism))
    elapsed = time.perf_counter() - start
    shutil.rmtree(cwd, ignore_errors=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    terraform = shutil.which("terraform") or shutil.which("tofu")
    if terraform is None:
        raise SystemExit("the shell baseline needs terraform or tofu on PATH")
    # The tests' emulator: moto_server that answers a retried request it already carried out with its
    # first answer, so a lost answer to a lock write cannot abort a run.
    moto, endpoint = emulator.start()
    cache = tempfile.mkdtemp(prefix="aiinv-bench-cache-")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ENDPOINT_URL": endpoint, "AIINV_FIXTURE_ENDPOINT": endpoint,
           "AIINV_APP": f"{FIXTURE}:build_app", "AIINV_PLUGIN_CACHE": cache, "TF_PLUGIN_CACHE_DIR": cache,
           "PYTHONPATH": str(ROOT), "CI": "true"}
    env.pop("AIINV_TERRAFORM", None)
    contenders = {
        "shell": lambda: shell_baseline(env, terraform),
        "seq": lambda: aiinv_apply(env, 1),
        "par": lambda: aiinv_apply(env, 4),
    }
    try:
        for run in contenders.values():  # warm-up, not counted: page cache, emulator, first process starts
            run()
        runs: dict[str, list[float]] = {name: [] for name in contenders}
        names = list(contenders)
        for i in range(args.repeat):
            # Rotate who goes first, so no contender always meets the emulator in the same state.
            for name in names[i % 3:] + names[: i % 3]:
                runs[name].append(contenders[name]())
    finally:
        moto.terminate()
        shutil.rmtree(cache, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"stacks: 6 (fixture app), terraform: {terraform}, runs: {args.repeat} (median)")
    print(f"shell init+apply per stack : {med['shell']:.2f} s  {[round(x, 2) for x in runs['shell']]}")
    print(f"aiinv apply --parallelism 1: {med['seq']:.2f} s  {[round(x, 2) for x in runs['seq']]}")
    print(f"aiinv apply --parallelism 4: {med['par']:.2f} s  {[round(x, 2) for x in runs['par']]}")
    print(f"ratio sequential: {med['seq'] / med['shell']:.2f} (target <= 1.1)")
    print(f"ratio parallel  : {med['par'] / med['shell']:.2f} (target < 1)")


if __name__ == "__main__":
    main()
