"""Domain errors. Routes raise these; one exception handler turns them into HTTP responses."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the caller can act on: carries the HTTP status, a stable code and details."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class UpstreamError(ApiError):
    """A dependency (queue, bucket, source) failed; the request may be retried."""

    status = 502
    code = "upstream_error"
