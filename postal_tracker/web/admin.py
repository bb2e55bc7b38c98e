"""The supervisor's and the province admin's pages: accounts, hamlets, communes.

Like the desk, each page is read here through the services and rendered on the server; every
change (add, disable, change a role, reset a password, rename, merge) is sent by `static/admin.js`
to the JSON API with the session cookie, which refuses what the caller may not do. A clerk or a
postman who opens one of these pages gets the Vietnamese 403 page.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.response import Redirect

from postal_tracker.accounts.deps import ACCOUNTS, Accounts
from postal_tracker.accounts.principal import Principal, Role
from postal_tracker.accounts.service import SUPERVISED_ROLES
from postal_tracker.communes.deps import COMMUNES, Communes
from postal_tracker.deps import AppSettings, Offset
from postal_tracker.reference.deps import REFERENCE, Reference
from postal_tracker.web.controllers import ALL_COMMUNES, CommuneCode, commune_choice, error_page, render
from postal_tracker.web.session import login_url, page_user

MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
# The roles a page offers: a supervisor manages clerks and postmen; the admin also supervisors
# (another province admin is added with the CLI: `users add NAME --role admin`).
ROLE_CHOICES = {
    Role.SUPERVISOR: tuple(r.value for r in (Role.CLERK, Role.POSTAL)),
    Role.ADMIN: tuple(r.value for r in (Role.CLERK, Role.POSTAL, Role.SUPERVISOR)),
}
assert set(ROLE_CHOICES[Role.SUPERVISOR]) == set(SUPERVISED_ROLES)
USERS_A_PAGE = 100


def forbidden(request: Request) -> Response:
    """A clerk or a postman on an admin page: the Vietnamese 403 page, with the way home."""
    return error_page(request, 403, 403, {})


def refused(request: Request, user: Principal | None) -> Response:
    """Who may not open a page: a visitor is asked to sign in, staff get the 403 page."""
    return Redirect(login_url(request)) if user is None else forbidden(request)


class AdminPageController(Controller):
    """`/admin/*`. Public for the auth middleware; each page checks the session cookie itself."""

    path = "/admin"
    opt = {"public": True}
    include_in_schema = False
    dependencies = {**ACCOUNTS, **COMMUNES, **REFERENCE}

    @get("/users", sync_to_thread=True)
    def users(
        self, request: Request, accounts: Accounts, communes: Communes, settings: AppSettings,
        commune: CommuneCode = None, offset: Offset = 0,
    ) -> Response:  # fmt: skip
        """The commune's accounts: add one, disable or enable, change a role, reset a password."""
        user = page_user(request)
        if user is None or user.role not in MANAGERS:
            return refused(request, user)
        context = commune_choice(communes, user, commune)
        listed = accounts.users(user, limit=USERS_A_PAGE, offset=offset, commune=context["commune"])
        context |= {"users": listed, "roles": ROLE_CHOICES[user.role]}
        return render(request, settings, "admin_users.html", context, user=user)

    @get("/hamlets", sync_to_thread=True)
    def hamlets(
        self, request: Request, reference: Reference, communes: Communes, settings: AppSettings,
        commune: CommuneCode = None,
    ) -> Response:  # fmt: skip
        """The commune's hamlets, the deactivated ones too: add, rename, deactivate or reactivate."""
        user = page_user(request)
        if user is None or user.role not in MANAGERS:
            return refused(request, user)
        context = commune_choice(communes, user, commune)
        context["hamlets"] = reference.hamlets(user, context["commune"], include_inactive=True)
        return render(request, settings, "admin_hamlets.html", context, user=user)

    @get("/communes", sync_to_thread=True)
    def communes(self, request: Request, communes: Communes, settings: AppSettings) -> Response:
        """The province's communes (the admin's landing page): add one, merge one into another."""
        user = page_user(request)
        if user is None or user.role not in ADMINS:
            return refused(request, user)
        listed = communes.communes(user, limit=ALL_COMMUNES, offset=0)
        return render(request, settings, "admin_communes.html", {"communes": listed["items"]}, user=user)

