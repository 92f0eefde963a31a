"""`aiinv synth` and `aiinv list`: the synthesized output of one or more environments."""

import typer

from cli.commands import options as opt
from cli.commands.boundary import boundary


@boundary
def synth(env: opt.Envs, project_name: opt.ProjectName = None, force_synth: opt.ForceSynth = False) -> None:
    """Synthesize every stack of ENV into cdktf.out/ENV (manifest.json + stacks/<name>/cdk.tf.json).

    Reuses the output when nothing it is made from changed since it was written.
    """
    from cli.core.config import load_config
    from cli.core.layout import env_dir
    from cli.synth.synthesize import synthesize_many

    configs = {name: load_config(name, project_name) for name in dict.fromkeys(env)}
    for name, result in synthesize_many(configs, force=force_synth).items():
        link = env_dir(name)
        if result.reused:
            typer.echo(f"reused {link} for {name} (inputs unchanged since its synth)")
        else:
            typer.echo(f"synthesized {name} into {link}")
        result.snapshot.close()


@boundary
def list_stacks(env: opt.Env, json_out: opt.Json = False) -> None:
    """Stacks of ENV in deploy order with their dependencies (from the last synth; fast)."""
    import json

    from cli.core.config import load_config
    from cli.engine.graph import StackGraph
    from cli.synth.manifest import load_stacks

    load_config(env)
    stacks = load_stacks(env)
    graph = StackGraph({n: s.dependencies for n, s in stacks.items()})
    if json_out:
        typer.echo(
            json.dumps(
                [{"name": n, "dependencies": list(graph.dependencies(n))} for n in graph.order], indent=2
            )
        )
        return
    for i, name in enumerate(graph.order, 1):
        deps = ", ".join(graph.dependencies(name)) or "-"
        typer.echo(f"{i}. {name}  (depends on: {deps})")
