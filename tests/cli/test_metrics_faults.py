"""`aiinv metrics` against an emulator on 127.0.0.1 that misbehaves the way CloudWatch does under load (answers
Throttling, refuses a caller), and `--watch` on a real terminal (a pty) until Ctrl-C."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import subprocess
import sys
import termios
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from typer.testing import CliRunner
from werkzeug.serving import make_server

from cli.core.errors import ExitCode
from cli.main import app
from modules.config import load_environment
from tests.cli.test_metrics import busy_environment, workdir  # noqa: F401
from tests.support import emulator

pytestmark = pytest.mark.slow  # a moto server: in a thread, or the emulator's own process

REPO = Path(__file__).resolve().parents[2]
_ERROR = ('<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type>'
          '<Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>')


class RefuseMetricData:
    """WSGI middleware before moto: the first `times` GetMetricData calls (all, when negative) are answered
    with `code`, as CloudWatch answers them; every GetMetricData that arrives is counted."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.code, self.message, self.status, self.times = "Throttling", "Rate exceeded", 400, 0
        self.arrived: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if b"Action=GetMetricData" in body:
            self.arrived.append(time.monotonic())
            if self.times:
                self.times -= 1
                start_response(f"{self.status} Refused", [("Content-Type", "text/xml")])
                return [_ERROR.format(code=self.code, message=self.message).encode()]
        return self.app(environ, start_response)


@pytest.fixture
def refusing(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RefuseMetricData]:  # noqa: F811
    """moto's server behind `RefuseMetricData`, in a thread, with the environment deployed and busy on it."""
    from tests.support import aws_gaps

    aws_gaps.install()
    refuse = RefuseMetricData(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, refuse, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    # moto's backends live in this process and outlast a test: start from none, whatever ran here before.
    urllib.request.urlopen(urllib.request.Request(
        f"http://127.0.0.1:{server.server_port}/moto-api/reset", method="POST"), timeout=30).close()
    busy_environment(load_environment("dev", env={}))
    try:
        yield refuse
    finally:
        server.shutdown()
        thread.join(10)


def _invoke(*args: str):
    return CliRunner().invoke(app, ["metrics", "--env", "dev", "--skip-synth", *args], catch_exceptions=False)


def test_throttling_is_retried_with_backoff_and_the_reading_comes_through(refusing: RefuseMetricData) -> None:
    refusing.times = 2
    result = _invoke("score")
    assert result.exit_code == 0, result.output
    assert len(refusing.arrived) == 3
    score = [c.strip() for c in next(line for line in result.output.splitlines() if "│ score " in line).split("│")]
    assert score[1:4] == ["score", "7 ▲", "35.0%"]


def test_throttling_that_lasts_is_named_in_one_line_after_the_attempts(refusing: RefuseMetricData) -> None:
    refusing.times = -1
    result = _invoke("--json")
    assert (result.exit_code, result.output.strip()) == (
        ExitCode.ERROR, "error: CloudWatch GetMetricData was throttled by AWS (Throttling) after 3 attempts with "
                        "backoff; try again in a minute, or raise AWS_MAX_ATTEMPTS")
    assert len(refusing.arrived) == 3
    assert refusing.arrived[-1] > refusing.arrived[0]


def test_a_refused_call_is_one_line_and_not_retried(refusing: RefuseMetricData) -> None:
    refusing.times, refusing.code = -1, "AccessDenied"
    refusing.message = "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: cloudwatch:GetMetricData"
    result = _invoke()
    assert (result.exit_code, result.output.strip()) == (
        ExitCode.ERROR, f"error: CloudWatch GetMetricData failed: AccessDenied: {refusing.message}")
    assert len(refusing.arrived) == 1


@pytest.fixture
def served(workdir: Path, tmp_path: Path) -> Iterator[dict[str, str]]:  # noqa: F811
    """An emulator process (moto_server with the gaps closed) with the environment deployed and busy on it; the
    environment variables that reach it."""
    proc, endpoint = emulator.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIINV_", "CDK_"))}
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "PYTHONPATH": str(REPO), "TERM": "xterm", "COLUMNS": "160", "LINES": "60"})
    env.pop("CI", None)
    env.pop("NO_COLOR", None)
    saved = dict(os.environ)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        busy_environment(load_environment("dev", env={}))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield env
    finally:
        proc.kill()
        proc.wait(10)


def _read_until(fd: int, text: str, timeout: float) -> str:
    seen = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen.decode(errors="replace")


def _take_terminal() -> None:
    """In the child, a session leader by now: its stdin (the pty) becomes its controlling terminal, so Ctrl-C
    typed there reaches it as SIGINT."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_watch_on_a_terminal_refreshes_in_place_until_ctrl_c_then_exits_0(served: dict[str, str],
                                                                          workdir: Path) -> None:  # noqa: F811
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "metrics", "--env", "dev", "--skip-synth", "--watch"],
                            cwd=workdir, env=served, stdin=follower, stdout=follower, stderr=follower,
                            start_new_session=True, preexec_fn=_take_terminal, close_fds=True)
    os.close(follower)
    try:
        shown = _read_until(leader, "Ctrl-C to stop", 60)
        assert "Ctrl-C to stop" in shown and "score" in shown, shown
        os.write(leader, b"\x03")  # Ctrl-C on the terminal: SIGINT to its foreground process group
        code = proc.wait(20)
        rest = _read_until(leader, "\n\n\n", 1)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)
    assert code == 0, shown + rest
    assert "Traceback" not in shown + rest and "error:" not in shown + rest


def test_a_whole_reading_is_one_get_metric_data_call(refusing: RefuseMetricData) -> None:
    result = _invoke("--json")
    assert result.exit_code == 0, result.output
    assert len(refusing.arrived) == 1
