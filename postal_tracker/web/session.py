"""The staff session of the pages (the API's own JWT cookie) and the chosen language.

Pages are public routes for the auth middleware (it would answer 401 JSON); each page reads the
cookie here instead and sends a visitor without a valid one to `/login?next=...`.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTCookieAuth

from postal_tracker.accounts.auth import TOKEN_COOKIE, issue_token, principal_for_claims
from postal_tracker.accounts.service import Principal, Role
from postal_tracker.settings import Settings
from postal_tracker.web.i18n import DEFAULT_LANG, LANGS

LANG_COOKIE = "pt_lang"
CSRF_COOKIE = "pt_csrf"
DESK_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR})
SCAN_ROLES = frozenset({Role.POSTAL, Role.CLERK, Role.SUPERVISOR})


def secure_cookies(settings: Settings) -> bool:
    """Mark cookies `Secure` when the service is published over HTTPS."""
    return settings.public.base_url.startswith("https://")


def page_user(request: Request, *, database_may_fail: bool = False) -> Principal | None:
    """The staff member whose valid session cookie came with this request, if any."""
    raw = request.cookies.get(TOKEN_COOKIE)
    if not raw:
        return None
    auth: JWTCookieAuth = request.app.state.jwt_auth
    try:
        token = auth.token_cls.decode(raw.split(" ")[-1], secret=auth.token_secret, algorithm=auth.algorithm)
    except (NotAuthorizedException, KeyError, ValueError, TypeError):
        return None
    # The same reading of the token as the API's (accounts.auth.principal_from_token).
    return principal_for_claims(request.app.state.db, token, database_may_fail=database_may_fail)


def home_of(principal: Principal) -> str:
    """Where a user lands: postmen on their phone page, supervisors on the reports, the province
    admin on the communes, clerks at the desk."""
    return {Role.POSTAL: "/scan", Role.SUPERVISOR: "/reports", Role.ADMIN: "/admin/communes"}.get(
        principal.role, "/desk"
    )


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": target})


def safe_next(raw: str | None) -> str | None:
    """A local path to go back to after login; anything else (another site) is dropped."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw or len(raw) > 500:
        return None
    return raw


def session_cookie(auth: JWTCookieAuth, principal: Principal, settings: Settings) -> Cookie:
    return Cookie(
        key=TOKEN_COOKIE,
        value=issue_token(auth, principal),
        path="/",
        max_age=int(timedelta(minutes=settings.auth.jwt_ttl_minutes).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(settings),
    )


def cleared_session_cookie(settings: Settings) -> Cookie:
    return Cookie(
        key=TOKEN_COOKIE, value="", path="/", max_age=0, httponly=True, samesite="strict",
        secure=secure_cookies(settings),
    )  # fmt: skip


def chosen_lang(request: Request) -> tuple[str, bool]:
    """The page language, and whether it was just chosen (`?lang=`) and must be remembered."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked, asked != request.cookies.get(LANG_COOKIE)
    remembered = request.cookies.get(LANG_COOKIE)
    return (remembered if remembered in LANGS else DEFAULT_LANG), False


def lang_cookie(lang: str, settings: Settings) -> Cookie:
    return Cookie(
        key=LANG_COOKIE, value=lang, path="/", max_age=365 * 24 * 3600, httponly=True, samesite="lax",
        secure=secure_cookies(settings),
    )  # fmt: skip
