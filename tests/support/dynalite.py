"""dynalite, a DynamoDB emulator whose conditional writes are atomic under concurrent requests (moto's are
not: two conditional approvals of one proposal both won in 11 of 60 races of 8 threads; dynalite: 0).

AWS's own DynamoDB Local is not used: its licence is the vendor's own terms. dynalite (MIT, Node.js, in
memory) is installed by `make test` into `build/dynalite` (`DYNALITE_VERSION` in the Makefile) and started
here on a free port of 127.0.0.1 for the test session.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "build" / "dynalite" / "node_modules" / ".bin" / "dynalite"
LIBRARY = ROOT / "build" / "dynalite" / "node_modules" / "dynalite"


# dynalite's own CLI takes port 0 for its default (4567); its library binds whatever port `listen` is given, and
# this prints the one it bound, so no other process can take it in between.
_SERVE = ("const server = require(process.argv[1])({});"
          "server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));")


@contextmanager
def running(log: Path) -> Iterator[str]:
    """Start dynalite; yield its endpoint URL; stop it afterwards."""
    if not BINARY.exists():
        raise RuntimeError(f"{BINARY} is missing: `make test` installs it (or run `make dynalite`)")
    with open(log, "w") as out:
        proc = subprocess.Popen(["node", "-e", _SERVE, str(LIBRARY)], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            bound = re.search(r"^port (\d+)$", log.read_text(), re.MULTILINE)
            if bound:
                port = int(bound.group(1))
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dynalite did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
