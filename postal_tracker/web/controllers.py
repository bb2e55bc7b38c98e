"""The pages: thin handlers that check the session cookie, read what a page shows, render it.

Everything that changes data (booking, scans, resolving, booking a return) goes through the
JSON API from the page scripts; the only forms posted here are login, logout and the citizen's
feedback (so that it works without JavaScript, like the rest of /track).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from pydantic import BaseModel, TypeAdapter, ValidationError

from postal_tracker.accounts.deps import ACCOUNTS, Accounts
from postal_tracker.accounts.lockout import AccountLocked
from postal_tracker.accounts.service import Principal, Role
from postal_tracker.communes.deps import COMMUNES, Communes
from postal_tracker.complaints.schemas import ComplaintKind
from postal_tracker.db import utcnow
from postal_tracker.deps import AppSettings
from postal_tracker.desk.deps import DESK_BOARD, Desk
from postal_tracker.desk.service import QUARTER_FIGURES, REPORT_FIGURES, DeskList
from postal_tracker.documents.controllers import pdf_response
from postal_tracker.documents.deps import DOCUMENTS, Documents
from postal_tracker.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from postal_tracker.fields import Text
from postal_tracker.lifecycle import (
    REASONS,
    S10_PATTERN,
    TRANSITIONS,
    Event,
    InvalidTrackingNumber,
    group_tracking_no,
    normalize_tracking_no,
)
from postal_tracker.localtime import LOCAL_TZ, local_today
from postal_tracker.personal import ascii_digits
from postal_tracker.settings import Settings
from postal_tracker.tracking.deps import TRACKING, Tracking
from postal_tracker.web.i18n import VI, strings
from postal_tracker.web.session import (
    DESK_ROLES,
    SCAN_ROLES,
    chosen_lang,
    cleared_session_cookie,
    home_of,
    lang_cookie,
    login_url,
    page_user,
    safe_next,
    session_cookie,
)
from postal_tracker.wording import AT_CITIZEN_HOME_VI

# Nothing on the pages comes from elsewhere, so the policy can be this strict (no inline
# scripts or styles either: data for the scripts travels in <script type="application/json">).
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Tracking numbers and phone digits travel in page URLs; don't hand them to other sites.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


# The service worker (see templates/sw.js) keeps these for /scan to open offline.
SCAN_ASSETS = ("app.css", "common.js", "scan.js", "vendor/zxing.min.js")
SW_HEADERS = {
    # A short life in the HTTP cache, so a new version (new static files) is picked up soon.
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
}

# The scan page offers the events in the order a parcel meets them, the usual one first.
SCAN_EVENTS = (
    Event.PICKED_UP, Event.PICKUP_FAILED, Event.ARRIVED_POST_OFFICE, Event.HANDED_TO_DESK,
    Event.COLLECTED_FROM_DESK, Event.OUT_FOR_DELIVERY, Event.DELIVERED, Event.DELIVERY_FAILED,
    Event.RETURNED_TO_DESK, Event.CANCELLED,
)  # fmt: skip



CommuneCode = Annotated[str | None, QueryParameter(max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
ALL_COMMUNES = 500


def commune_choice(communes: Communes, user: Principal, asked: str | None) -> dict[str, Any]:
    """For the admin, the communes to pick from and the one picked (`?commune=`, else the
    first one still open); a supervisor's pages are about their own commune."""
    if not user.is_admin:
        return {"commune": None, "communes": []}
    items = communes.communes(user, limit=ALL_COMMUNES, offset=0)["items"]
    open_codes = [c["code"] for c in items if c["merged_into"] is None]
    chosen = asked or (open_codes[0] if open_codes else None)
    return {"commune": chosen, "communes": items}


class LoginForm(BaseModel):
    username: str = ""
    password: str = ""
    next: str = ""


@functools.cache
def static_version() -> str:
    """A short hash of the static files, so browsers fetch them again after an upgrade."""
    from postal_tracker.web.setup import STATIC

    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def render(
    request: Request, settings: Settings, template: str, context: dict[str, Any] | None = None, *,
    user: Principal | None = None, status_code: int = 200, headers: dict[str, str] | None = None,
) -> Template:  # fmt: skip
    lang, remember = chosen_lang(request)
    other = "en" if lang == "vi" else "vi"
    query = {k: v for k, v in request.query_params.items() if k != "lang"} | {"lang": other}
    return Template(
        template_name=template,
        context={
            "t": strings(lang),
            "lang": lang,
            "other_lang": other,
            "other_lang_name": strings(other)["lang_name"],
            "other_lang_url": f"{request.url.path}?{urlencode(query)}",
            "user": user,
            "path": request.url.path,
            "static_version": static_version(),
            **(context or {}),
        },
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
        cookies=[lang_cookie(lang, settings)] if remember else None,
    )


def error_page(request: Request, status: int, kind: int, headers: dict[str, str]) -> Template:
    """A page in the visitor's language for an error on a page's path (see web/errors.py)."""
    settings: Settings = request.app.state.settings
    user = page_user(request, database_may_fail=True)  # the database may be the very fault reported
    response = render(
        request, settings, "error.html", {"kind": kind, "status": status, "retry_after": headers.get("Retry-After")},
        user=user, status_code=status,
    )  # fmt: skip
    response.headers.update(headers)
    return response


def local_time(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")


def local_hhmm(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%H:%M")


class PageController(Controller):
    """Staff pages. Public for the auth middleware; each page checks the session cookie itself."""

    opt = {"public": True}
    include_in_schema = False
    dependencies = {**ACCOUNTS, **COMMUNES, **DESK_BOARD, **DOCUMENTS}

    @get("/", sync_to_thread=False)
    def index(self, request: Request) -> Redirect:
        user = page_user(request)
        return Redirect(home_of(user) if user else "/track")

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Request, settings: AppSettings, next: FromQuery[str | None] = None) -> Response:
        user = page_user(request)
        if user is not None:
            return Redirect(safe_next(next) or home_of(user))
        return render(request, settings, "login.html", {"next": safe_next(next) or "", "username": ""})

    @post("/login", status_code=200)
    async def login(
        self, request: Request, accounts: Accounts, settings: AppSettings, data: URLEncodedBody[LoginForm]
    ) -> Response:  # fmt: skip
        """Check the password; set the session cookie and go to the user's page, or show the form again."""
        t = strings(chosen_lang(request)[0])
        username = data.username.strip()
        context = {"next": safe_next(data.next) or "", "username": username[:64]}
        if not username or not data.password:
            return render(request, settings, "login.html", {**context, "error": t["login_missing"]})
        try:
            if len(username) > 64 or len(data.password) > 256:
                raise Unauthorized("too long")
            principal = await accounts.sign_in(username, data.password)
        except Unauthorized:
            return render(request, settings, "login.html", {**context, "error": t["login_failed"]})
        except AccountLocked as locked:
            error = t["login_locked"].format(minutes=locked.minutes)
            return render(
                request, settings, "login.html", {**context, "error": error}, status_code=429,
                headers=locked.headers,
            )  # fmt: skip
        cookie = session_cookie(request.app.state.jwt_auth, principal, settings)
        return Redirect(safe_next(data.next) or home_of(principal), status_code=303, cookies=[cookie])

    @post("/logout", status_code=303, sync_to_thread=False)
    def logout(self, settings: AppSettings) -> Redirect:
        return Redirect("/login", status_code=303, cookies=[cleared_session_cookie(settings)])

    @get("/favicon.ico", sync_to_thread=False)
    def favicon(self) -> Redirect:
        """Browsers and tools ask for /favicon.ico whatever the page says: the icon is one SVG."""
        return Redirect("/static/favicon.svg", status_code=301)

    @get("/sw.js", sync_to_thread=False)
    def service_worker(self) -> Template:
        """The service worker that lets /scan open offline. At the root, so its scope covers /scan."""
        version = static_version()
        context = {
            "static_version": version,
            "precache": [f"/static/{name}?v={version}" for name in SCAN_ASSETS],
        }
        return Template("sw.js", context=context, media_type="text/javascript", headers=SW_HEADERS)

    @get("/desk", sync_to_thread=True)
    def desk(
        self, request: Request, desk: Desk, settings: AppSettings, q: FromQuery[str | None] = None,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> Response:  # fmt: skip
        """The clerk's page: search parcels of any day, book a pickup, print its label and receipt,
        hand parcels over with the postman, print the day's routes, follow today's outcomes and parcels."""
        user = page_user(request)
        if user is None:
            return Redirect(login_url(request))
        if user.role not in DESK_ROLES:
            return Redirect(home_of(user))
        context = {**desk.booking_choices(user), **self._lists(desk, user)}
        if q is not None:
            context["search"] = desk.search(user, q, offset=offset)
        return render(request, settings, "desk.html", context, user=user)

    @get("/reports", sync_to_thread=True)
    def reports(
        self, request: Request, desk: Desk, communes: Communes, settings: AppSettings,
        month: Annotated[str | None, QueryParameter(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
        quarter: Annotated[str | None, QueryParameter(pattern=r"^[0-9]{4}-Q[1-4]$")] = None,
        commune: CommuneCode = None,
    ) -> Response:  # fmt: skip
        """The supervisor's page (and the admin's, one commune at a time): the month's and the
        quarter's figures, a chart, CSV and PDF."""
        user = page_user(request)
        if user is None:
            return Redirect(login_url(request))
        if user.role not in (Role.SUPERVISOR, Role.ADMIN):
            return Redirect(home_of(user))
        today = local_today()
        month = month or today.strftime("%Y-%m")
        quarter = quarter or f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        choice = commune_choice(communes, user, commune)
        context = {
            **desk.reports(user, month, quarter, choice["commune"]), **choice, "month": month, "quarter": quarter,
            "figures": REPORT_FIGURES, "quarter_figures": QUARTER_FIGURES,
        }  # fmt: skip
        return render(request, settings, "reports.html", context, user=user)

    @get("/desk/outcomes", sync_to_thread=True)
    def outcomes(
        self, request: Request, desk: Desk, settings: AppSettings, date: FromQuery[dt.date | None] = None
    ) -> Response:  # fmt: skip
        """The outcome sheet of any day (today by default), to read or print."""
        user = page_user(request)
        if user is None:
            return Redirect(login_url(request))
        if user.role not in DESK_ROLES:
            return Redirect(home_of(user))
        today = local_today()
        day = min(date or today, today)
        context = {"outcomes": desk.outcome_sheet(user, day), "day": day, "today": today, "hhmm": local_hhmm}
        return render(request, settings, "outcomes.html", context, user=user)

    @get("/desk/labels.pdf", sync_to_thread=True)
    def label_sheet(
        self, request: Request, documents: Documents, settings: AppSettings,
        no: Annotated[list[str] | None, QueryParameter(max_items=500)] = None,
    ) -> Response:  # fmt: skip
        """The parcels ticked in a desk list, on A4 sheets (four labels a sheet), in one PDF."""
        user = page_user(request)
        if user is None:
            return Redirect(login_url(request))
        if user.role not in DESK_ROLES:
            return Redirect(home_of(user))
        if not no:
            return Redirect("/desk")
        return pdf_response(documents.labels(user, no, "a4"))

    @get("/desk/parcels/{tracking_no:str}", sync_to_thread=True)
    def parcel(self, request: Request, desk: Desk, settings: AppSettings, tracking_no: FromPath[str]) -> Response:
        """One parcel: its timeline, the fee owed, reprints, cancel before pickup."""
        user = page_user(request)
        if user is None:
            return Redirect(login_url(request))
        if user.role not in DESK_ROLES:
            return Redirect(home_of(user))
        page = desk.parcel(user, tracking_no)
        context = {**page, "reasons": [r.value for r in REASONS], "when": local_time, "group": group_tracking_no}
        return render(request, settings, "parcel.html", context, user=user)

    @get("/desk/lists", sync_to_thread=True)
    def desk_lists(
        self, request: Request, desk: Desk, settings: AppSettings,
        part: Annotated[DeskList | None, QueryParameter(name="list")] = None,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> Response:  # fmt: skip
        """The lists of the desk page alone, for its script to refresh them after a change; with
        `list=today|waiting&offset=N`, the next rows of that list alone (its "Xem thêm" button)."""
        user = page_user(request)
        if user is None or user.role not in DESK_ROLES:
            return Response(b"", status_code=401 if user is None else 403, media_type=MediaType.HTML)
        if part is not None or offset:
            page = desk.list_page(user, utcnow(), part or "today", offset)
            context = {**page, "rows": page["items"], "when": local_time}
            return render(request, settings, "_desk_rows.html", context, user=user)
        return render(request, settings, "_desk_lists.html", self._lists(desk, user), user=user)

    @staticmethod
    def _lists(desk: Desk, user: Principal) -> dict[str, Any]:
        return {
            **desk.lists(user, utcnow()), "when": local_time, "hhmm": local_hhmm,
            "scan_events": [e.value for e in SCAN_EVENTS],
        }  # fmt: skip

    @get("/scan", sync_to_thread=False)
    def scan(self, request: Request, settings: AppSettings) -> Response:
        """The postman's phone page: scan, choose the hand-over, see green or red; queues offline."""
        user = page_user(request)
        if user is None:
            return Redirect(login_url(request))
        if user.role not in SCAN_ROLES:
            return Redirect(home_of(user))
        config = {
            "user_id": user.id,
            "required": {event.value: list(t.required) for event, t in TRANSITIONS.items()},
        }
        context = {"events": [e.value for e in SCAN_EVENTS], "reasons": [r.value for r in REASONS], "config": config}
        return render(request, settings, "scan.html", context, user=user)


class CitizenForm(BaseModel):
    """The one form under a parcel on /track: its phone digits serve feedback and complaints."""

    feedback_no: str = ""  # the delivered leg, for feedback
    view_no: str = ""  # the number whose page the citizen was reading (a complaint is about it)
    phone_last4: str = ""
    rating: str = ""
    comment: str = ""
    kind: str = ""
    text: str = ""


COMPLAINT_KINDS = ("late", "lost", "damaged", "staff", "other")
# The forms' free text passes the API's own check (fields.Text: visible characters only, NFC).
_COMMENT = TypeAdapter(Annotated[str, Text(1000, 0)])
_COMPLAINT_TEXT = TypeAdapter(Annotated[str, Text(2000)])


def _checked(adapter: TypeAdapter[str], raw: str) -> str | None:
    try:
        return adapter.validate_python(raw)
    except ValidationError:
        return None


def _leg_for_page(view: dict[str, Any], t: Mapping[str, str]) -> dict[str, Any]:
    """A leg of the public view in the page's language (the API's Vietnamese is the source)."""
    english = t is not VI
    return {
        "tracking_no": view["tracking_no"],
        "number": group_tracking_no(view["tracking_no"]),
        "leg": view["leg"],
        "status": view["status"],
        "status_text": t[f"status.{view['status']}"] if english else view["status_text_vi"],
        "events": [
            {
                "at": local_time(e["at"]),
                "text": t[f"event.{e['event']}"] if english else e["text_vi"],
                "place": t["at_citizen_home"] if english and e["place"] == AT_CITIZEN_HOME_VI else e["place"],
            }
            for e in reversed(view["events"])
        ],
    }


class TrackPageController(Controller):
    """The citizens' page; mounted with the rate-limited public API (see app.py)."""

    opt = {"public": True}
    include_in_schema = False
    dependencies = TRACKING

    @get("/track", sync_to_thread=True)
    def track(
        self, request: Request, tracking: Tracking, settings: AppSettings, no: FromQuery[str | None] = None,
        tracking_no: FromQuery[str | None] = None, phone_last4: FromQuery[str | None] = None,
    ) -> Template:  # fmt: skip
        """Status and timeline of a parcel, rendered on the server (a QR code opens `?no=`)."""
        return self._page(request, tracking, settings, tracking_no or no, phone_last4)

    @post("/track/feedback", status_code=200, sync_to_thread=True)
    def feedback(
        self, request: Request, tracking: Tracking, settings: AppSettings, data: URLEncodedBody[CitizenForm]
    ) -> Template:  # fmt: skip
        """Rate a delivered result (works without JavaScript); keeps what was typed."""
        t = strings(chosen_lang(request)[0])
        problem = self._digits_problem(data, t)
        if problem is None and data.rating.strip() not in ("1", "2", "3", "4", "5"):
            problem = ("rating", t["feedback_need_rating"], 422)
        comment = _checked(_COMMENT, data.comment)
        if problem is None and comment is None:
            problem = ("comment", t["feedback_invalid"], 422)
        if problem is None:
            try:
                tracking.give_feedback(data.feedback_no[:60], data.phone_last4.strip(), int(data.rating.strip()),
                                       comment or None)  # fmt: skip
            except (Forbidden, NotFound, InvalidInput):
                # Which of the number or the digits was wrong is not said (API.md, Complaints).
                problem = ("phone_last4", t["feedback_wrong"], 422)
            except Conflict as exc:
                problem = ("form", t["feedback_not_yet" if "current_status" in exc.extra else "feedback_already"], 409)
        return self._answer(request, tracking, settings, data, "feedback", problem, None)

    @post("/track/complaint", status_code=200, sync_to_thread=True)
    def complaint(
        self, request: Request, tracking: Tracking, settings: AppSettings, data: URLEncodedBody[CitizenForm]
    ) -> Template:  # fmt: skip
        """File a complaint about the parcel shown (works without JavaScript); keeps what was typed."""
        t = strings(chosen_lang(request)[0])
        problem, filed = self._digits_problem(data, t), None
        if problem is None and data.kind not in COMPLAINT_KINDS:
            problem = ("kind", t["complaint_need_kind"], 422)
        if problem is None and not data.text.strip():
            problem = ("text", t["complaint_need_text"], 422)
        text = _checked(_COMPLAINT_TEXT, data.text)
        if problem is None and text is None:
            problem = ("text", t["complaint_invalid"], 422)
        if problem is None and text is not None:
            try:
                kind = cast(ComplaintKind, data.kind)  # checked against COMPLAINT_KINDS above
                filed = tracking.complain(data.view_no[:60], data.phone_last4.strip(), kind, text,
                                          None)  # fmt: skip
            except NotFound:
                problem = ("phone_last4", t["feedback_wrong"], 422)
            except Conflict:
                problem = ("form", t["complaint_closed"], 409)
            except InvalidInput:
                problem = ("text", t["complaint_invalid"], 422)
        return self._answer(request, tracking, settings, data, "complaint", problem, filed)

    @staticmethod
    def _digits_problem(data: CitizenForm, t: Mapping[str, str]) -> tuple[str, str, int] | None:
        digits = data.phone_last4.strip()
        return None if len(digits) == 4 and ascii_digits(digits) else ("phone_last4", t["track_bad_phone"], 422)

    def _answer(
        self, request: Request, tracking: Tracking, settings: Settings, data: CitizenForm, form: str,
        problem: tuple[str, str, int] | None, filed: Mapping[str, Any] | None,
    ) -> Template:  # fmt: skip
        typed = {"phone_last4": data.phone_last4.strip()[:8], "rating": data.rating.strip()[:2],
                 "comment": data.comment[:1000], "kind": data.kind[:16], "text": data.text[:2000]}  # fmt: skip
        answer = {"form": form, "typed": typed, "error": problem, "done": problem is None}
        if filed is not None:
            answer["due_on"] = filed["due_on"].strftime("%d/%m/%Y")
        # After a success the typed text is not shown again (a reload must not send it twice).
        if problem is None:
            answer["typed"] = {"phone_last4": typed["phone_last4"]}
        status = problem[2] if problem else 200
        shown = data.view_no or data.feedback_no
        return self._page(request, tracking, settings, shown, None, answer=answer, status_code=status)

    @staticmethod
    def _page(
        request: Request, tracking: Tracking, settings: Settings, raw_no: str | None, phone_last4: str | None,
        *, answer: dict[str, Any] | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        t = strings(chosen_lang(request)[0])
        raw = (raw_no or "").strip()[:60]
        last4 = (phone_last4 or "").strip()[:8] or None
        context: dict[str, Any] = {"tracking_no": raw, "phone_last4": last4 or "", "answer": answer}
        if not raw:
            return render(request, settings, "track.html", context)
        if last4 is not None and not (len(last4) == 4 and ascii_digits(last4)):
            context["phone_error"] = t["track_bad_phone"]
            last4 = None
        try:
            number = normalize_tracking_no(raw)
        except InvalidTrackingNumber:
            compact = re.sub(r"[\s-]+", "", raw).upper()
            key = "track_bad_check" if S10_PATTERN.match(compact) else "track_bad_format"
            context["error"] = t[key].format(no=compact)
            return render(request, settings, "track.html", context, status_code=422)
        context["tracking_no"] = number
        try:
            view = tracking.track(number, last4)
        except NotFound:
            context["error"] = t["track_not_found"].format(no=number)
            return render(request, settings, "track.html", context, status_code=404)
        result = _leg_for_page(dict(view), t)
        result["name_masked"] = view.get("name_masked")
        result["hamlet"] = view.get("hamlet")
        result["complaints"] = view.get("complaints") or []  # with the right digits only
        result["return_leg"] = _leg_for_page(dict(view["return_leg"]), t) if "return_leg" in view else None
        pickup = view.get("pickup_leg")
        result["pickup_leg"] = {**pickup, "number": group_tracking_no(pickup["tracking_no"])} if pickup else None
        # Feedback is on the delivered result: this leg, or the return leg shown under it.
        delivered = [leg for leg in (result, result["return_leg"]) if leg and leg["status"] == "delivered"]
        context["feedback_no"] = delivered[0]["tracking_no"] if delivered else None
        context["complaint_kinds"] = COMPLAINT_KINDS
        context["result"] = result
        return render(request, settings, "track.html", context, status_code=status_code)
