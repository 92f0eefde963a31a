"""`aiinv drift`: a refresh-only plan of every selected stack, judged by the drift rule."""

from __future__ import annotations

from cli.core.errors import ExitCode, aggregate
from cli.engine import stackops
from cli.engine.session import Session


def drift(session: Session) -> ExitCode:
    with session.exclusive("drift"):
        # A refresh-only plan reads its upstream's state and changes nothing, so no stack waits for another.
        outcomes = session.run(lambda name: stackops.drift(session.ctx, name), independent=True)
    session.summary(f"drift {session.request.env}", outcomes)
    session.raise_if_interrupted()
    return aggregate(o.status for o in outcomes.values())
