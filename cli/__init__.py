"""`aiinv`: synthesize the stacks of one environment and drive Terraform over them in dependency order.

Module map (dependencies point downwards):
- `main` — the Typer app: thin commands, the error boundary, option parsing.
- `workflows`, `destroy`, `bootstrap`, `doctor`, `logs` — what each command does, without Typer.
- `stackops` — one Terraform action on one stack (init, plan, apply, ...).
- `scheduler` — walks the stack graph with bounded concurrency; `graph` orders and selects stacks.
- `terraform` (argv builders), `runner` (the process seam), `tfbin` (which binary), `tf_shim`.
- `manifest`, `layout`, `synth` — the synthesized output on disk; `synth_inputs` (the cache key) and
  `snapshots` (immutable, held per run) keep a synth from running twice or changing under a run.
- `console`, `report` — presentation; `errors` — exit codes and domain errors.
"""
