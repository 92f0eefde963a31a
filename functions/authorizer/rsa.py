"""RS256 signature verification (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 section 8.2.2).

Verification only needs the public key, so it is a modular exponentiation followed by comparing the
whole encoded message with the one we construct (the RFC's method, which rules out lax-parsing forgeries).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class RsaPublicKey:
    n: int
    e: int

    @classmethod
    def from_jwk(cls, jwk: dict[str, str]) -> RsaPublicKey:
        if jwk.get("kty") != "RSA":
            raise ValueError("only RSA keys are supported")
        return cls(n=int.from_bytes(b64url_decode(jwk["n"]), "big"), e=int.from_bytes(b64url_decode(jwk["e"]), "big"))

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    def verify_rs256(self, message: bytes, signature: bytes) -> bool:
        k = self.size
        if k < 256 or len(signature) != k:  # at least 2048-bit keys
            return False
        s = int.from_bytes(signature, "big")
        if s >= self.n:
            return False
        encoded = pow(s, self.e, self.n).to_bytes(k, "big")
        digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        expected = b"\x00\x01" + b"\xff" * (k - len(digest_info) - 3) + b"\x00" + digest_info
        return hmac.compare_digest(encoded, expected)
