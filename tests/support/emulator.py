"""moto_server for the end-to-end tests and the apply benchmark, with one addition: a request the emulator
already carried out is not carried out a second time when the client retries it.

Under load the Terraform S3 backend now and then loses the emulator's answer to a request the emulator has
already applied (TF_LOG: no response logged for attempt 1, "retrying request DynamoDB/PutItem, attempt 2" a
moment later; the emulator's log shows the first attempt answered 200). When that request is the conditional
PutItem of the state lock, the retry fails its condition against the lock it has just taken, and Terraform
reports its own lock as held by another run. AWS SDKs send the same `amz-sdk-invocation-id` with every attempt
of one operation, so a retry can be answered with the first attempt's answer, as if it had arrived. Only
successful answers are replayed; a retry of anything else runs again, as it would against AWS.

Run as `python -m tests.support.emulator -H 127.0.0.1 -p PORT`, or in the background with `start()`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from werkzeug.wsgi import get_input_stream

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes, float]  # status, headers, body, when answered

INVOCATION = "HTTP_AMZ_SDK_INVOCATION_ID"
ATTEMPT = "HTTP_AMZ_SDK_REQUEST"  # "attempt=2; max=5"
REMEMBERED = 10_000  # answers kept; the e2e suite makes a few thousand requests per server
REPO = Path(__file__).resolve().parents[2]


class ReplayRetries:
    """WSGI middleware: remembers successful answers by invocation id and replays them to retries."""

    def __init__(self, app: WsgiApp, log: Callable[[str], None]) -> None:
        self._app = app
        self._log = log
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        invocation = environ.get(INVOCATION)
        if not invocation:
            return self._app(environ, start_response)
        if not environ.get(ATTEMPT, "attempt=1").startswith("attempt=1"):
            with self._lock:
                answer = self._answers.get(invocation)
            if answer is not None:
                get_input_stream(environ).read()  # the body (Content-Length), so the connection closes cleanly
                status, headers, body, answered = answer
                self._log(f"replayed {_describe(environ)} {environ.get(ATTEMPT)}: {status}, first answered "
                          f"{time.monotonic() - answered:.3f} s ago")
                start_response(status, headers)
                return [body]
        return self._run(invocation, environ, start_response)

    def _run(self, invocation: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self._app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if captured["status"].startswith("2"):
            with self._lock:
                self._answers[invocation] = (captured["status"], list(captured["headers"]), body, time.monotonic())
                while len(self._answers) > REMEMBERED:
                    self._answers.popitem(last=False)
        return [body]


def _describe(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    return target or f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"


def start(log: IO[str] | None = None, timeout: float = 30, port: int = 0) -> tuple[subprocess.Popen, str]:
    """The emulator in its own process on 127.0.0.1 (a port the server itself binds, or `port`), once it accepts
    connections: the process and its endpoint. Its output goes to `log` (or nowhere); RuntimeError if it does not
    start in time. The server reports the port it bound, so no other process can take it in between."""
    output = log if log is not None else subprocess.DEVNULL
    with tempfile.TemporaryDirectory(prefix="aiinv-emulator-") as scratch:
        port_file = Path(scratch) / "port"
        proc = subprocess.Popen([sys.executable, "-m", __name__, "-H", "127.0.0.1", "-p", str(port),
                                 "--port-file", str(port_file)], stdout=output, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if port_file.exists():
                bound = int(port_file.read_text())
                try:
                    socket.create_connection(("127.0.0.1", bound), timeout=0.5).close()
                    return proc, f"http://127.0.0.1:{bound}"
                except OSError:
                    pass
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"the emulator did not accept connections{f' on port {port}' if port else ''} "
                       f"within {timeout:.0f} s")


def serving_pid(endpoint: str) -> int | None:
    """The pid of the process listening on `endpoint`'s port of 127.0.0.1 (from /proc: the listening socket's
    inode, then the process holding it), or None."""
    from urllib.parse import urlparse

    port = f"{urlparse(endpoint).port:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[1].rsplit(":", 1)[1] == port and fields[3] == "0A":  # 0A: LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                return int(entry.name)
    return None


def main(argv: list[str] | None = None) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from tests.support import aws_gaps

    aws_gaps.install()

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True, help="0: any free port")
    parser.add_argument("--port-file", type=Path, help="where to write the port once it is bound")
    args = parser.parse_args(argv)
    # AWS-managed policies exist in every account (bootstrap attaches one to API Gateway's logging role).
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    app: list[Any] = []  # built once the port is known: moto builds some URLs from MOTO_PORT

    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        return app[0](environ, start_response)

    server = make_server(args.host, args.port, serve, threaded=True, request_handler=MotoRequestHandler)
    os.environ.setdefault("MOTO_PORT", str(server.port))  # as moto_server does
    app.append(ReplayRetries(DomainDispatcherApplication(create_backend_app), log))
    if args.port_file:
        partial = args.port_file.with_suffix(".partial")
        partial.write_text(str(server.port))
        partial.rename(args.port_file)  # the reader never sees half a number
    server.serve_forever()


if __name__ == "__main__":
    main()
