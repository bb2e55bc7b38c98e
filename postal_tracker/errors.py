"""Domain errors, and the one place that turns every error into RFC 9457 problem details.

Services raise `DomainError`s and know nothing of HTTP; `problem_response` maps them (and
Litestar's own HTTP and validation errors) to `application/problem+json`. Nothing a client
sends may produce a 500 with a stack trace: an unexpected exception is logged with its type
only (no request data: it may hold personal data) and answered with a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from sqlalchemy.exc import DataError, DBAPIError

log = logging.getLogger("postal_tracker")

PROBLEM_JSON = "application/problem+json"
CLIENT_GONE = "client disconnected prematurely"  # Litestar's words when a body stops arriving


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(DomainError):
    """A field is wrong; `errors` lists `{field, message}` like Litestar's validation does."""

    status = 422
    title = "Invalid input"

    def __init__(self, detail: str, field: str | None = None, **extra: Any) -> None:
        errors = extra.pop("errors", None) or ([{"field": field, "message": detail}] if field else [])
        super().__init__(detail, errors=errors, **extra)


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class TransitionForbidden(Conflict):
    title = "Scan not allowed in the current status"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": "about:blank", "status": status, "title": title, "detail": detail, **extra}


def problem_of(exc: Exception) -> dict[str, Any]:
    """The problem-details body for any exception (also used to store refused scans)."""
    if isinstance(exc, DomainError):
        return problem(exc.status, exc.title, exc.detail, **exc.extra)
    if isinstance(exc, ValidationException):
        errors = [
            {"field": e.get("key") or e.get("source"), "message": e.get("message")}
            for e in (exc.extra if isinstance(exc.extra, list) else [])
        ]
        fields = ", ".join(str(e["field"]) for e in errors if e["field"])
        detail = f"Invalid or missing fields: {fields}" if fields else str(exc.detail)
        return problem(422, "Invalid input", detail, errors=errors)
    if isinstance(exc, DataError):
        # The database refused a value a client sent (a NUL character, a number out of range):
        # bad input, whichever field it came through.
        return problem(
            422, "Invalid input", "a value was refused: out of range, or with characters that cannot be stored"
        )
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        # The database dropped the connection (a restart): the pool is renewed, a retry works.
        return problem(503, "Service unavailable", "the database connection was lost: try again")
    if isinstance(exc, InternalServerException) and exc.detail == CLIENT_GONE:
        # The client hung up while sending its body: its fault, and nobody is left to answer.
        return problem(400, "Bad request", "the request body did not arrive: the client disconnected")
    if isinstance(exc, HTTPException):
        extra = exc.extra if isinstance(exc.extra, dict) else {}
        title = _TITLES.get(exc.status_code, "Error")
        return problem(exc.status_code, title, str(exc.detail), **extra)
    return problem(500, "Internal server error", "Something went wrong on our side; it has been logged.")


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests",
    503: "Service unavailable",
}


def problem_response(request: Request, exc: Exception) -> Response:
    body = problem_of(exc)
    if body["status"] >= 500:
        log.error(
            "unhandled %s on %s %s",
            type(exc).__name__,
            request.method,
            request.scope["path"],
            exc_info=exc if not isinstance(exc, HTTPException) else None,
        )
    headers = getattr(exc, "headers", None) or {}
    if body["status"] == 401:
        headers = {**headers, "WWW-Authenticate": "Bearer"}
    if body["status"] == 503:
        headers = {"Retry-After": "1", **headers}  # a moment: the scanners' queues resend then
    return Response(content=body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)
