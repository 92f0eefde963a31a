"""`aiinv apply` of the six real dev stacks vs. a shell loop of terraform init + apply per stack, on the emulator.

Runs the real AWS provider from the filesystem mirror in AIINV_PROVIDER_MIRROR (default: the stand-in mirror,
when it holds the pin) against the tests' moto_server (`tests/support/emulator.py`, with the gap closings of
`tests/support/aws_gaps.py`). Each measurement gets its own fresh emulator, bootstrapped (not timed), and its
own copy of one synthesized output without any `.terraform` directory, so every contender initialises every
stack once, from one plugin cache that a first, untimed init has filled:

1. baseline: a bash loop over the stacks in deploy order, `terraform init` + `terraform apply` in a copy of
   each stack's directory, with the Terraform and the provider configuration aiinv uses;
2. `aiinv apply --parallelism 1` (target: at most 1.05 of the baseline);
3. `aiinv apply` (parallelism 4; target: below the baseline);
4. `aiinv plan` of the environment applied in 3 (exit 0 expected: no changes right after an apply).

Nothing is written into cdktf.out: the aiinv calls read their copy through AIINV_OUT_ROOT and run with
`--skip-synth`, so a synth by someone else in this checkout during the run changes nothing measured. A full
apply takes several minutes (the provider waits on SQS attributes, S3 lifecycle and Lambda), the whole
script about a quarter of an hour. A failed apply prints its last lines, the failing resources and the
emulator's error lines, and the script exits 1.

    .venv/bin/python bench/bench_real_apply.py [--timeout SECONDS] [--keep]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository root is not an installed package
from cli.core import layout  # noqa: E402
from cli.synth.snapshots import hold  # noqa: E402
from cli.terraform import provider_mirror, tfbin  # noqa: E402
from cli.terraform.provider_standin import BUILDS, standin_mirror, standin_of  # noqa: E402
from tests.support import aws_gaps, emulator  # noqa: E402

ENV_NAME = "dev"
BIN = Path(sys.executable).parent
AIINV = [str(BIN / "aiinv")] if (BIN / "aiinv").is_file() else [sys.executable, "-m", "cli.main"]
NOT_COPIED = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", ".aiinv-in-use")
MARK = "@@bench"  # lines the baseline script prints around each step: "@@bench <epoch> <step> <stack>"
TAIL = 30


@dataclass
class Run:
    """One finished command: exit code, wall time and where its combined output is."""

    code: int
    seconds: float
    output: Path
    timed_out: bool = False

    def lines(self) -> list[str]:
        return self.output.read_text(errors="replace").splitlines()


class Failed(Exception):
    """A measurement failed; the report has been printed."""


def say(line: str = "") -> None:
    print(line, flush=True)


def pick_mirror() -> Path | None:
    """AIINV_PROVIDER_MIRROR when set, else the stand-in mirror when it holds the pin; None when neither."""
    explicit = os.environ.get(provider_mirror.MIRROR_ENV)
    if explicit:
        mirror = Path(explicit).expanduser()
        return mirror if provider_mirror.holds(mirror) else None
    mirror = standin_mirror(BUILDS[0])
    return mirror if provider_mirror.holds(mirror) else None


def build_label(mirror: Path) -> str:
    standin = standin_of(mirror)
    if standin is not None:
        return f"{standin.label} (test build, not for real accounts), mirror {mirror}"
    return f"{provider_mirror.AWS.short}, mirror {mirror}"


def timed(argv: list[str], env: dict[str, str], output: Path, timeout: float, cwd: Path = ROOT,
          server: subprocess.Popen | None = None) -> Run:
    """Run `argv` with its stdout and stderr in `output`; interrupt it as Ctrl-C would on timeout, or as soon as
    the emulator `server` ends (its clients would only retry against a closed port for minutes)."""
    with open(output, "w") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        while True:
            try:
                code = proc.wait(1)
                return Run(code, time.perf_counter() - start, output)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.perf_counter() - start
            if elapsed > timeout or (server is not None and server.poll() is not None):
                break
        # One SIGINT to the group: Terraform stops gracefully, writes state and releases its lock.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return Run(proc.returncode, elapsed, output, timed_out=elapsed > timeout)


def checked(argv: list[str], env: dict[str, str], output: Path, what: str, timeout: float = 600) -> Run:
    """An untimed preparation step; stops the benchmark with its last lines when it fails."""
    run = timed(argv, env, output, timeout)
    if run.code != 0 or run.timed_out:
        say(f"{what} failed (exit {run.code}{', timed out' if run.timed_out else ''}); last lines:")
        for line in run.lines()[-TAIL:]:
            say(f"  {line}")
        raise Failed(what)
    return run


def copy_output(source: Path, out_root: Path) -> Path:
    """A copy of the synthesized snapshot `source` as `<out_root>/dev`, without Terraform's working files."""
    target = out_root / source.name
    shutil.copytree(source, target, ignore=NOT_COPIED, symlinks=True)
    (out_root / ENV_NAME).symlink_to(source.name)
    return out_root / ENV_NAME


def deploy_order(env: dict[str, str], scratch: Path) -> list[str]:
    run = checked([*AIINV, "list", "--env", ENV_NAME], env, scratch / "list.out", "aiinv list")
    return [line.split()[1] for line in run.lines() if re.match(r"\s*\d+\.\s", line)]


def warm_plugin_cache(terraform: list[str], stack_dir: Path, tf_env: dict[str, str], scratch: Path) -> float:
    """One untimed init, so the provider is in the shared plugin cache before any contender runs."""
    work = scratch / "warm"
    shutil.copytree(stack_dir, work, ignore=NOT_COPIED)
    argv = [*terraform, f"-chdir={work}", "init", "-input=false", "-no-color", "-backend=false"]
    run = checked(argv, tf_env, scratch / "warm.out", "warming the plugin cache", timeout=900)
    shutil.rmtree(work, ignore_errors=True)
    return run.seconds


def baseline_script(terraform: list[str], order: list[str], dirs: dict[str, Path]) -> str:
    tf = shlex.join(terraform)
    lines = ["set -e"]
    for name in order:
        d = shlex.quote(str(dirs[name]))
        lines += [
            f'echo "{MARK} $EPOCHREALTIME init {name}"',
            f"{tf} -chdir={d} init -input=false -no-color",
            f'echo "{MARK} $EPOCHREALTIME apply {name}"',
            f"{tf} -chdir={d} apply -auto-approve -input=false -no-color",
            f'echo "{MARK} $EPOCHREALTIME done {name}"',
        ]
    return "\n".join(lines) + "\n"


def step_seconds(lines: list[str]) -> dict[str, float]:
    """Total seconds the baseline spent in init and in apply, from its markers."""
    marks = [line.split() for line in lines if line.startswith(MARK)]
    totals = {"init": 0.0, "apply": 0.0}
    for (_, t0, step, _), (_, t1, _, _) in itertools.pairwise(marks):
        if step in totals:
            totals[step] += float(t1) - float(t0)
    return totals


ERROR_LINE = re.compile(r"Error: (.*)")
WITH_LINE = re.compile(r"with (\S+),")
STILL = re.compile(r"(\S+): Still (creating|modifying|destroying)\.\.\.")
DONE = re.compile(r"(\S+): (Creation|Modifications|Destruction) complete")
OPERATION = re.compile(r"operation error ([^,]+),(.{0,400}?)(?:StatusCode: (\d+)|status: (\d+)|(context canceled)|$)",
                       re.S)
ACCESS = re.compile(r'"(\S+) (\S+) HTTP/[\d.]+" (\d{3}) ')


def report_failure(label: str, run: Run, emulator_log: Path) -> None:
    lines = run.lines()
    why = "timed out" if run.timed_out else f"exit {run.code}"
    say(f"{label}: FAILED ({why}) after {run.seconds:.1f} s; last {TAIL} lines of its output ({run.output}):")
    for line in lines[-TAIL:]:
        say(f"  {line}")
    failing: dict[str, list[str]] = {}  # error message -> resources
    for i, line in enumerate(lines):
        error = ERROR_LINE.search(line)
        if error is None:
            continue
        resource = next((m.group(1) for later in lines[i + 1:i + 8] if (m := WITH_LINE.search(later))), "-")
        named = failing.setdefault(error.group(1).strip(), [])
        if resource not in named:
            named.append(resource)
    say("failing resources:" if failing else "failing resources: none named in the output")
    for message, resources in failing.items():
        shown = ", ".join(resources[:3]) + (f" and {len(resources) - 3} more" if len(resources) > 3 else "")
        say(f"  {message} [{len(resources)}: {shown}]")
    calls: dict[str, set[str]] = {}
    for m in OPERATION.finditer(" ".join(line.strip() for line in lines)):
        calls.setdefault(m.group(1).strip(), set()).add(
            f"HTTP {m.group(3) or m.group(4)}" if m.group(3) or m.group(4) else m.group(5) or "no status")
    if calls:
        say("failed API calls, as the provider names them:")
        for call, statuses in sorted(calls.items()):
            say(f"  {call}: {', '.join(sorted(statuses))}")
    finished = {m.group(1) for line in lines if (m := DONE.search(line))}
    stuck: dict[str, str] = {}
    for line in lines:
        if (m := STILL.search(line)) and m.group(1) not in finished:
            stuck[m.group(1)] = line.strip()
    if stuck:
        say("still in progress when it ended (last progress line each):")
        for line in stuck.values():
            say(f"  {line}")
    say(f"emulator errors ({emulator_log}):")
    for line in emulator_errors(emulator_log):
        say(f"  {line}")


def emulator_errors(log: Path) -> list[str]:
    """The emulator's 5xx answers and unrouted POSTs (404), by request, and the exceptions behind the 5xx."""
    answers: dict[str, int] = {}
    exceptions: dict[str, int] = {}
    previous = ""
    for line in log.read_text(errors="replace").splitlines():
        m = ACCESS.search(line)
        if m and (m.group(3).startswith("5") or (m.group(3) == "404" and m.group(1) == "POST")):
            key = f"{m.group(1)} {m.group(2)} -> {m.group(3)}"
            answers[key] = answers.get(key, 0) + 1
        elif previous.startswith("    ") and re.match(r"[\w.]+(Error|Exception)\b", line):
            exceptions[line] = exceptions.get(line, 0) + 1  # the last line of a traceback
        previous = line
    found = [f"{count} x {key}" for key, count in answers.items()]
    found += [f"{count} x {line}" for line, count in exceptions.items()]
    return found or ["(none)"]


def plan_changes(plan_dir: Path) -> list[str]:
    """What the bundle of a plan that found changes says, stack by stack, with its resource headers."""
    report_path = plan_dir / "report.json"
    if not report_path.is_file():
        return [f"(no {report_path})"]
    report = json.loads(report_path.read_text())
    out: list[str] = []
    for name, stack in report["stacks"].items():
        if stack["status"] == "no changes":
            continue
        out.append(f"{name}: {stack['status']} {stack['detail']}".rstrip())
        text = plan_dir / name / "tfplan.txt"
        if text.is_file():
            out += [f"    {line.strip()}" for line in text.read_text().splitlines()
                    if re.match(r"\s*# \S+ (will|must) be ", line)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per measured command")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (outputs, logs)")
    args = parser.parse_args()

    mirror = pick_mirror()
    if mirror is None:
        say("this benchmark needs the provider mirror holding hashicorp/aws 6.25.0 (AIINV_PROVIDER_MIRROR); "
            "`make test` or `make standin-provider` installs it")
        return 0

    work = Path(tempfile.mkdtemp(prefix="aiinv-bench-real-"))
    cache = work / "plugins"  # the CLI configuration aiinv writes goes beside it, into `work`
    os.environ[provider_mirror.MIRROR_ENV] = str(mirror)
    os.environ[layout.PLUGIN_CACHE_ENV] = str(cache)
    os.environ.pop(provider_mirror.CLI_CONFIG_ENV, None)  # the mirror decides, as for aiinv
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", layout.OUT_ROOT_ENV):
        os.environ.pop(name, None)
    base = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-central-1", "CI": "true"}
    try:
        terraform = tfbin.terraform_command()
        cache.mkdir(parents=True)
        # What aiinv hands every Terraform it runs (cli/terraform/tfbin.py), so the loop gets the same provider.
        tf_base = {**base, "TF_PLUGIN_CACHE_DIR": str(cache.resolve()), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                   "CHECKPOINT_DISABLE": "1", **provider_mirror.terraform_env()}
        say(f"provider: {build_label(mirror)}")
        say(f"terraform: {tfbin.describe(terraform)}; plugin cache: {cache}")

        checked([*AIINV, "synth", "--env", ENV_NAME], base, work / "synth.out", "aiinv synth")
        snapshot = hold((ROOT / layout.env_dir(ENV_NAME)).resolve())
        if snapshot is None:
            say("cdktf.out/dev vanished right after the synth (another synth in this checkout?); run again")
            return 1
        try:
            outputs = {m: copy_output(snapshot.path, work / m / "cdktf.out") for m in ("baseline", "seq", "par")}
        finally:
            snapshot.close()
        say(f"synthesized output: {snapshot.path.name} (a copy per measurement)")
        order = deploy_order({**base, layout.OUT_ROOT_ENV: str(outputs["baseline"].parent)}, work)
        say(f"deploy order: {', '.join(n.removeprefix('ai-investment-').removesuffix(f'-{ENV_NAME}') for n in order)}")
        warm = warm_plugin_cache(terraform, outputs["baseline"] / "stacks" / order[0], tf_base, work)
        say(f"plugin cache warmed by one init (not timed): {warm:.1f} s")

        def measured(label: str, slug: str, command: list[str], out_root: Path | None, then: list[str] | None = None,
                     tf: bool = False) -> tuple[Run, Run | None]:
            """Fresh emulator, bootstrap (not timed), `command` (timed), then `then` on the same emulator."""
            log = work / f"emulator-{slug}.log"
            with open(log, "w") as log_file:
                moto, endpoint = emulator.start(log=log_file)
            try:
                env = {**(tf_base if tf else base), **aws_gaps.client_env(endpoint)}
                aiinv_env = {**base, **aws_gaps.client_env(endpoint)}
                if out_root is not None:
                    env[layout.OUT_ROOT_ENV] = aiinv_env[layout.OUT_ROOT_ENV] = str(out_root)
                checked([*AIINV, "bootstrap", "--env", ENV_NAME], aiinv_env, work / f"bootstrap-{slug}.out",
                        f"{label}: aiinv bootstrap")
                say(f"{label}: running (emulator {endpoint}) ...")
                run = timed(command, env, work / f"{slug}.out", args.timeout, server=moto)
                if moto.poll() is not None:
                    say(f"{label}: the emulator process ended during the measurement (exit code {moto.returncode}; "
                        f"negative: killed by that signal from outside this script); its log: {log}")
                if run.code != 0 or run.timed_out or moto.poll() is not None:
                    report_failure(label, run, log)
                    raise Failed(label)
                after = None
                if then is not None:
                    after = timed(then, aiinv_env, work / f"{slug}-then.out", args.timeout, server=moto)
                return run, after
            finally:
                moto.terminate()
                try:
                    moto.wait(20)
                except subprocess.TimeoutExpired:
                    moto.kill()
                    moto.wait()

        # 1. the shell loop, each stack in a copy of its synthesized directory
        dirs = {n: outputs["baseline"] / "stacks" / n for n in order}
        script = work / "baseline.sh"
        script.write_text(baseline_script(terraform, order, dirs))
        shell, _ = measured("baseline (bash: terraform init + apply per stack)", "baseline",
                            ["bash", str(script)], None, tf=True)
        steps = step_seconds(shell.lines())
        say(f"baseline: {shell.seconds:.1f} s (init {steps['init']:.1f} s, apply {steps['apply']:.1f} s)")

        # 2. and 3. aiinv, sequential and parallel; 4. plan of what 3 applied
        apply = [*AIINV, "apply", "--env", ENV_NAME, "--auto-approve", "--skip-synth"]
        seq, _ = measured("aiinv apply --parallelism 1", "seq", [*apply, "--parallelism", "1"], outputs["seq"].parent)
        say(f"aiinv apply --parallelism 1: {seq.seconds:.1f} s")
        plan_dir = work / "plans"
        plan = [*AIINV, "plan", "--env", ENV_NAME, "--skip-synth", "--out", str(plan_dir)]
        par, planned = measured("aiinv apply (parallelism 4)", "par", apply, outputs["par"].parent, then=plan)
        say(f"aiinv apply (parallelism 4): {par.seconds:.1f} s")
        assert planned is not None
    except Failed:
        say(f"working directory kept: {work}")
        return 1

    say()
    say(f"provider: {build_label(mirror)}")
    say(f"stacks: {len(order)} real dev stacks, each measurement on a fresh emulator")
    say(f"baseline (init + apply per stack): {shell.seconds:7.1f} s  (init {steps['init']:.1f} s, "
        f"apply {steps['apply']:.1f} s)")
    say(f"aiinv apply --parallelism 1:       {seq.seconds:7.1f} s")
    say(f"aiinv apply --parallelism 4:       {par.seconds:7.1f} s")
    say(f"ratio sequential/baseline: {seq.seconds / shell.seconds:.3f} (target <= 1.05)")
    say(f"ratio parallel/baseline  : {par.seconds / shell.seconds:.3f} (target < 1)")
    plan_note = "no changes" if planned.code == 0 else "CHANGES right after apply" if planned.code == 2 else "error"
    say(f"aiinv plan after the parallel apply: {planned.seconds:.1f} s, exit {planned.code} ({plan_note}; "
        "expected 0)")
    if planned.code != 0:
        for line in plan_changes(plan_dir):
            say(f"  {line}")
        if planned.code not in (0, 2):
            for line in planned.lines()[-TAIL:]:
                say(f"  | {line}")
    if args.keep:
        say(f"working directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
