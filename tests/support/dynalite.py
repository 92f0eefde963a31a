"""dynalite, a DynamoDB emulator whose conditional writes are atomic under concurrent requests (moto's are
not: two conditional approvals of one proposal both won in 11 of 60 races of 8 threads; dynalite: 0).

AWS's own DynamoDB Local is not used: its licence is the vendor's own terms. dynalite (MIT, Node.js, in
memory) is installed by `make test` into `build/dynalite` (`DYNALITE_VERSION` in the Makefile) and started
here on a free port of 127.0.0.1 for the test session.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "build" / "dynalite" / "node_modules" / ".bin" / "dynalite"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(log: Path) -> Iterator[str]:
    """Start dynalite; yield its endpoint URL; stop it afterwards."""
    if not BINARY.exists():
        raise RuntimeError(f"{BINARY} is missing: `make test` installs it (or run `make dynalite`)")
    port = _free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([str(BINARY), "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dynalite did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
