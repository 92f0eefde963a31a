"""`aiinv output`: the outputs of the applied stacks, masked unless asked for as JSON."""

from __future__ import annotations

import json

from cli.engine import stackops
from cli.engine.session import Session


def output(session: Session, *, as_json: bool, internal: bool = False) -> dict:
    """Outputs per stack; cdktf's cross-stack plumbing outputs are left out unless `internal`."""
    result = {}
    for name in session.selected:
        values = stackops.outputs(session.ctx, name)
        result[name] = {
            k: v for k, v in values.items() if internal or not k.startswith("cross-stack-output-")
        }
    if as_json:
        session.console.info(
            json.dumps({n: {k: v["value"] for k, v in o.items()} for n, o in result.items()}, indent=2)
        )
    else:
        for name, values in result.items():
            session.console.info(f"{name}:" + ("" if values else " (no outputs)"))
            for key, v in values.items():
                shown = "<sensitive>" if v.get("sensitive") else json.dumps(v["value"])
                session.console.info(f"  {key} = {shown}")
    return result
