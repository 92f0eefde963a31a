"""A test Cognito user pool: an RSA signing key, its JWKS served over local HTTP, and signed tokens."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KID = "test-key-1"
CLIENT_ID = "test-client"
ABSENT = object()
"""A claim override that leaves the claim out of the token."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@cache
def signing_key(name: str = KID) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict[str, Any]:
    numbers = signing_key().public_key().public_numbers()
    return {
        "keys": [{"kid": KID, "kty": "RSA", "alg": "RS256", "use": "sig", "n": _int(numbers.n), "e": _int(numbers.e)}]
    }


def token(
    issuer: str, *, key: rsa.RSAPrivateKey | None = None, alg: str = "RS256", kid: str = KID, **overrides: Any
) -> str:
    claims = {
        "sub": "11111111-2222-3333-4444-555555555555",
        "iss": issuer,
        "token_use": "id",
        "aud": CLIENT_ID,
        "exp": int(time.time()) + 3600,
        "iat": int(time.time()),
        "cognito:groups": ["viewer", "analyst"],
        **overrides,
    }
    claims = {name: value for name, value in claims.items() if value is not ABSENT}
    head = _b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = (key or signing_key()).sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


@contextmanager
def user_pool() -> Iterator[str]:
    """Serves the JWKS below an issuer URL; yields the issuer."""
    document = json.dumps(jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/pool/.well-known/jwks.json"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document if found else b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/pool"
    finally:
        server.shutdown()
        server.server_close()


class KeySetEndpoint:
    """A user pool's JWKS endpoint that a test can break the ways a real one breaks: stopped (connection
    refused), frozen (accepts, never answers), answering 500, or answering something that is not JSON."""

    SERVING, FROZEN, FAILING, GARBLED = "serving", "frozen", "failing", "garbled"
    ANSWERS = {SERVING: (200, json.dumps(jwks()).encode()), FAILING: (500, b'{"message": "Internal error"}'),
               GARBLED: (200, b'{"keys": [{"kid": "test-key-1", "kty": "RSA"')}

    def __init__(self) -> None:
        self.mode = self.SERVING
        self.fetches = 0
        self.thaw = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/pool"

    def start(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.fetches += 1
                if endpoint.mode == endpoint.FROZEN:
                    endpoint.thaw.wait(60)
                    return
                status, body = endpoint.ANSWERS[endpoint.mode]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        # the same port again after a stop: the issuer (and the client built for it) stays the same
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Nothing listens on the port any more: a fetch is refused."""
        if self._server is not None:
            self.thaw.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self.thaw.clear()


@contextmanager
def key_set_endpoint() -> Iterator[KeySetEndpoint]:
    endpoint = KeySetEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.stop()
