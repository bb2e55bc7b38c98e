"""What `app.create_app` needs to serve the pages: templates, static files and CSRF protection."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from postal_tracker.settings import Settings
from postal_tracker.web.session import CSRF_COOKIE, secure_cookies

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine)


def static_files_router() -> Router:
    return create_static_files_router(
        path="/static", directories=[STATIC], name="web-static", opt={"public": True}, include_in_schema=False
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    """Forms posted by the pages (login, logout, the citizens' feedback and complaint) carry a
    signed token matching a cookie.

    The check wraps only the page controllers (`form_pages`), not the app: `/api`, `/health`,
    `/ready`, `/schema` and `/static` never pass through it. `/api` is left out on purpose: page
    scripts call it with the session cookie, which is SameSite=Strict (a browser never sends it
    with a request started by another site) and send JSON bodies, which a cross-site HTML form
    cannot produce without a CORS preflight, and this service allows no cross-origin requests.
    Other API clients use bearer tokens or API keys.
    """
    secret = hmac.new(settings.auth.jwt_secret.encode(), b"postal-tracker csrf", hashlib.sha256).hexdigest()
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_secure=secure_cookies(settings),
        # The service worker script is a page controller's route but no page: no cookie for it.
        exclude=["^/sw\\.js$"],
    )


def form_pages(settings: Settings, *controllers: ControllerRouterHandler) -> Router:
    """The controllers whose pages hold forms (every page extending base.html has the logout
    form), behind Litestar's CSRF middleware: a GET sets the cookie and the token the templates
    put in `csrf_input`, a POST without a matching token is refused with 403."""
    csrf = DefineMiddleware(CSRFMiddleware, config=csrf_config(settings))
    return Router(path="/", route_handlers=list(controllers), middleware=[csrf])
