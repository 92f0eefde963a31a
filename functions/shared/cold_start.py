"""The cyclic garbage collector held off while a function initialises.

Init builds objects that live as long as the container (modules, classes, boto3's service models, pydantic's
validators: some 76,000 that the collector tracks after the orchestrator's init) and next to no cyclic garbage
(under 700 of them are unreachable at its end); the collector would still walk all of them
again and again while they are being created: some 50 ms of a REST function's 400 ms of init CPU time
(bench/bench_functions.py, on its Python 3.11; the runtime's 3.14 collects differently and is not measured here).
Each handler module imports this module before anything else and calls `initialised()` at its end: in between
the collector is off, and afterwards what init built is frozen (`gc.freeze`), so no later collection walks it
again either.

Only a function's first init is tuned: in the Lambda runtime (LAMBDA_TASK_ROOT) and in an interpreter that has
not loaded Powertools yet. A process that imports the functions again and again (the tests, the local run)
keeps its collector as it is: freezing there would keep every earlier import's garbage for good, and an import
that fails half-way would leave the collector off.
"""

from __future__ import annotations

import gc
import os
import sys

_HELD = bool(os.environ.get("LAMBDA_TASK_ROOT")) and "aws_lambda_powertools" not in sys.modules and gc.isenabled()
if _HELD:
    gc.disable()


def initialised() -> None:
    """The function's init is done: freeze what it built and turn the collector back on."""
    global _HELD
    if _HELD:
        _HELD = False
        gc.freeze()
        gc.enable()
