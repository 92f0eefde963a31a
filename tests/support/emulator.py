"""moto_server for the end-to-end tests and the apply benchmark, with one addition: a request the emulator
already carried out is not carried out a second time when the client retries it.

Under load the Terraform S3 backend now and then loses the emulator's answer to a request the emulator has
already applied (TF_LOG: no response logged for attempt 1, "retrying request DynamoDB/PutItem, attempt 2" a
moment later; the emulator's log shows the first attempt answered 200). When that request is the conditional
PutItem of the state lock, the retry fails its condition against the lock it has just taken, and Terraform
reports its own lock as held by another run. AWS SDKs send the same `amz-sdk-invocation-id` with every attempt
of one operation, so a retry can be answered with the first attempt's answer, as if it had arrived. Only
successful answers are replayed; a retry of anything else runs again, as it would against AWS.

Run as `python -m tests.support.emulator -H 127.0.0.1 -p PORT`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple
from werkzeug.wsgi import get_input_stream

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes, float]  # status, headers, body, when answered

INVOCATION = "HTTP_AMZ_SDK_INVOCATION_ID"
ATTEMPT = "HTTP_AMZ_SDK_REQUEST"  # "attempt=2; max=5"
REMEMBERED = 10_000  # answers kept; the e2e suite makes a few thousand requests per server


class ReplayRetries:
    """WSGI middleware: remembers successful answers by invocation id and replays them to retries."""

    def __init__(self, app: WsgiApp, log: Callable[[str], None]) -> None:
        self._app = app
        self._log = log
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._running: dict[str, threading.Event] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        invocation = environ.get(INVOCATION)
        if not invocation:
            return self._app(environ, start_response)
        if not environ.get(ATTEMPT, "attempt=1").startswith("attempt=1"):
            answer = self._previous(invocation)
            if answer is not None:
                get_input_stream(environ).read()  # the body (Content-Length), so the connection closes cleanly
                status, headers, body, answered = answer
                self._log(f"replayed {_describe(environ)} {environ.get(ATTEMPT)}: {status}, first answered "
                          f"{time.monotonic() - answered:.3f} s ago")
                start_response(status, headers)
                return [body]
        return self._run(invocation, environ, start_response)

    def _previous(self, invocation: str) -> Answer | None:
        with self._lock:
            running = self._running.get(invocation)
        if running is not None:
            running.wait(30)  # the first attempt is still being answered: wait for its answer
        with self._lock:
            return self._answers.get(invocation)

    def _run(self, invocation: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        done = threading.Event()
        with self._lock:
            self._running[invocation] = done
        try:
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
                captured.update(status=status, headers=headers)
                return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

            result = self._app(environ, capture)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            if captured.get("status", "").startswith("2"):
                with self._lock:
                    self._answers[invocation] = (captured["status"], list(captured["headers"]), body, time.monotonic())
                    while len(self._answers) > REMEMBERED:
                        self._answers.popitem(last=False)
            return [body]
        finally:
            with self._lock:
                if self._running.get(invocation) is done:  # a retry that ran again may have registered its own
                    del self._running[invocation]
            done.set()


def _describe(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    return target or f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto builds some URLs from it, as moto_server does

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    app = ReplayRetries(DomainDispatcherApplication(create_backend_app), log)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
