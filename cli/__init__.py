"""`aiinv`: synthesize the stacks of one environment and drive Terraform over them in dependency order.

The subpackages are named by their job; imports run one way (`tests/cli/test_layers.py` checks it):
- `core` — exit codes and errors, console output, paths (`layout`), `Outcome`, durations, configuration loading.
- `synth` — producing and reading `cdktf.out`: the synth, its input key, snapshots, the manifest, output reads.
- `terraform` — running one Terraform: which binary, its argv, the process runner, its diagnostics, providers.
- `state` — protecting remote state: state locks, the environment lock, live runs, the recovery store.
- `plans` — plan bundles on disk, what a plan changes, the review report, the drift rule, the policy check.
- `engine` — Terraform over the stack graph: session, graph, scheduler, per-stack actions, stop signals.
- `workflows` — what each stack command does given a session; the confirmation prompt.
- `aws` — boto3 work without a session: bootstrap, account settings, doctor, logs, metrics.
- `local` — the local pipeline: the emulated account, the pipeline run, its summary.
- `commands` — Typer wiring only; `main` is the entry point (`aiinv = "cli.main:main"`).

core <- synth, terraform <- state <- plans <- engine <- workflows <- commands; aws and local only by commands.
"""
