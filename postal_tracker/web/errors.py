"""Errors on the pages' paths answer a Vietnamese HTML page, never the API's JSON.

The API (`/api/...`, `/schema`, `/health`, `/ready`) keeps its RFC 9457 problem details from
`errors.problem_response`; a person who opens an unknown address, is rate limited on `/track`
or meets a server fault sees a page in their language, with a way back. A 429 says when to
try again (`Retry-After`, from the rate limiter's reset time).
"""

from __future__ import annotations

from litestar import Request, Response

from postal_tracker.errors import problem_response
from postal_tracker.web.controllers import error_page

API_PREFIXES = ("/api/", "/schema", "/health", "/ready")
# The page answers these statuses with their own words; any other 4xx reads as "not possible".
PAGE_STATUSES = (400, 403, 404, 405, 413, 429, 500, 503)
DEFAULT_RETRY_SECONDS = 60


def is_page_path(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def retry_after(exc: Exception) -> int:
    """Seconds until this client may try again: the error's own `Retry-After` (an account
    lockout), else the rate limiter's `RateLimit-Reset`."""
    headers = getattr(exc, "headers", None) or {}
    try:
        return max(1, int(headers.get("Retry-After") or headers.get("RateLimit-Reset", DEFAULT_RETRY_SECONDS)))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_SECONDS


def handle_error(request: Request, exc: Exception) -> Response:
    """The app's one exception handler: problem details for the API, an HTML page for people."""
    if not is_page_path(request.scope["path"]):
        response = problem_response(request, exc)
        if response.status_code == 429:
            response.headers["Retry-After"] = str(retry_after(exc))
        return response
    # The same logging as for the API (a 5xx: its type only, no request data).
    status = problem_response(request, exc).status_code or 500
    kind = status if status in PAGE_STATUSES else (500 if status >= 500 else 400)
    headers = {"Retry-After": str(retry_after(exc))} if status == 429 else {}
    return error_page(request, status, kind, headers)
