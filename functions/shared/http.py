"""REST plumbing shared by every API function: the resolver, central error mapping, body parsing."""

from __future__ import annotations

import base64
import binascii
import json
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from functions.shared.cors import rest_resolver
from functions.shared.errors import ApiError, BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import ValidationError

logger = Logger()

ModelT = TypeVar("ModelT", bound="BaseModel")

DEFAULT_MAX_BODY_BYTES = 256 * 1024
RETRY_AFTER_SECONDS = 2


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    body = {"error": code, "message": message, "details": details or []}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as `{"field": "items.0.text", "problem": "..."}` without echoing input values."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]) or "body", "problem": error["msg"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]


IDEMPOTENCY_PACKAGE = "aws_lambda_powertools.utilities.idempotency"
VALIDATION_PACKAGE = "pydantic_core"
"""Where pydantic's ValidationError lives (a ValueError): nothing raises one before pydantic is loaded."""


def build_resolver(*routers: Router) -> APIGatewayRestResolver:
    """A resolver with the given routers and the one place where exceptions become responses."""
    app = rest_resolver(strip_prefixes=None)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        logger.info("request refused", extra={"status": exc.status, "error": exc.code, "reason": exc.message})
        return error_response(exc.status, exc.code, exc.message, exc.details)

    # pydantic's ValidationError is matched through its base class, ValueError (the resolver looks handlers up
    # along the exception's MRO): the cold start does not load pydantic_core (some 15 ms) to name the class.
    # Any other ValueError is unexpected, as it was before.
    @app.exception_handler(ValueError)
    def _invalid(exc: ValueError) -> Response:
        core = sys.modules.get(VALIDATION_PACKAGE)
        if core is not None and isinstance(exc, core.ValidationError):
            return error_response(400, "validation_error", "the request body is invalid", validation_details(exc))
        return _unexpected(exc)

    # Only a route made idempotent with Powertools can raise "already in progress", and its module imports the
    # idempotency package before its router exists: the functions without one do not load it at cold start.
    if IDEMPOTENCY_PACKAGE in sys.modules:
        _answer_in_progress(app)

    @app.exception_handler(NotFoundError)
    def _no_route(exc: NotFoundError) -> Response:
        event = app.current_event
        return error_response(404, "not_found", f"no route for {event.http_method} {event.path}")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unexpected error", extra={"path": app.current_event.path})
        return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")

    return app


def _answer_in_progress(app: APIGatewayRestResolver) -> None:
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def _in_progress(exc: IdempotencyAlreadyInProgressError) -> Response:
        # The same request is being carried out right now (a double click): try again shortly.
        response = error_response(409, "in_progress", "the same request is still being processed; retry shortly")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def raw_body(event: Any, max_bytes: int) -> bytes:
    """The request body as bytes; 413 when it exceeds `max_bytes`."""
    body = event.get("body")
    if body is None:
        return b""
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("the body is flagged base64 but is not valid base64") from exc
    else:
        data = body.encode("utf-8", errors="surrogatepass")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the body has {len(data)} bytes; the limit is {max_bytes}")
    return data


def parse_body(event: Any, model: type[ModelT], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> ModelT:
    """Validate the JSON object in the request body against `model`: 400 or 413 with the reason."""
    data = raw_body(event, max_bytes)
    if not data.strip():
        raise BadRequest("the request needs a JSON object body")
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest("the body is nested too deeply") from exc
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise BadRequest(f"the body holds a number that cannot be read: {str(exc)[:120]}") from exc
    if not isinstance(document, dict):
        raise BadRequest(f"the body must be a JSON object, not {type(document).__name__}")
    return model.model_validate(document)


def optional_body(event: Any, model: type[ModelT], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> ModelT:
    """Like `parse_body`, but an empty body means the model's defaults."""
    if not raw_body(event, max_bytes).strip():
        return model()
    return parse_body(event, model, max_bytes)
