"""SMS to citizens, in Vietnamese (pure).

Pickup-leg events speak of the dossier (hồ sơ), return-leg events of the result (kết quả).
A failed attempt says why and what happens next, in the words of `postal_tracker.wording` (the
service's one catalogue, pure like this package) and with the next step of
`postal_tracker.lifecycle.REASONS`; a caller with another policy passes `next_step=`.

With `unaccented=True` the text is plain GSM-7 ASCII and, when it would exceed one 160-char
segment, the time is left out, then the procedure name shortened or left out; the tracking
number and the link always stay (so a very long link can still take two segments).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from integrations.sms.text import SMS_GSM7_LIMIT, gsm7_length, to_gsm7
from postal_tracker.lifecycle import REASONS
from postal_tracker.wording import SMS_NEXT_STEP_VI, SMS_REASON_VI

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

PICKUP, RETURN = "pickup", "return"

# event -> (leg, template). Placeholders: tracking_no, procedure (" (name)" or ""), when
# (" lúc 14:30 ngày 05/03" or ""), day (" trong ngày 05/03" or ""), reason, next_step,
# link (" Xem: url" or "").
TEMPLATES: Mapping[str, tuple[str, str]] = {
    "picked_up": (
        PICKUP,
        "Bưu điện đã nhận hồ sơ {tracking_no}{procedure}{when}, đang chuyển đến Bộ phận Một cửa.{link}",
    ),
    "pickup_failed": (
        PICKUP,
        "Chưa nhận được hồ sơ {tracking_no}{procedure}{when} do {reason}. {next_step}{link}",
    ),
    "out_for_delivery": (
        RETURN,
        "Bưu tá đang phát kết quả hồ sơ {tracking_no}{procedure} đến ông/bà{day}. "
        "Vui lòng chuẩn bị giấy tờ tùy thân để nhận.{link}",
    ),
    "delivered": (
        RETURN,
        "Kết quả hồ sơ {tracking_no}{procedure} đã được phát thành công{when}. Cảm ơn ông/bà.{link}",
    ),
    "delivery_failed": (
        RETURN,
        "Chưa phát được kết quả hồ sơ {tracking_no}{procedure}{when} do {reason}. {next_step}{link}",
    ),
}
SMS_EVENTS = frozenset(TEMPLATES)
FAILURE_EVENTS = frozenset({"pickup_failed", "delivery_failed"})

# Why, and what next, as the citizen reads them (per leg): the service's one wording catalogue.
REASON_TEXT: Mapping[str, Mapping[str, str]] = {
    str(leg): {str(reason): text for reason, text in texts.items()} for leg, texts in SMS_REASON_VI.items()
}
REASON_NEXT_STEP: Mapping[str, str] = {str(reason): str(step) for reason, step in REASONS.items()}
NEXT_STEP_TEXT: Mapping[str, Mapping[str, str]] = {
    str(leg): {str(step): text for step, text in texts.items()} for leg, texts in SMS_NEXT_STEP_VI.items()
}

# A failed delivery with a known next attempt says the day (the legal spacing between attempts).
NEXT_ATTEMPT_TEXT: Mapping[str, str] = {
    "retry_next_round": "Bưu tá sẽ phát lại ngày {day}.",
    "call_citizen": "Bưu điện sẽ gọi để hẹn lại, phát lại từ ngày {day}.",
}

_LINK = " Xem: {url}"
_ELLIPSIS = "..."
_MIN_PROCEDURE_CHARS = 10  # shorter than this, a cut name says little: leave it out


def render_sms(
    event: str,
    *,
    tracking_no: str,
    procedure_name: str,
    at: datetime,
    reason: str | None = None,
    tracking_url: str | None = None,
    unaccented: bool = False,
    next_step: str | None = None,
    next_attempt_on: date | None = None,
) -> str:
    """The SMS for `event` (one of SMS_EVENTS); `at` (aware) is shown in Vietnam's local time.

    Failure events need `reason` (not_home, not_ready, wrong_address, refused, moved, other);
    `next_step` (retry_next_round, call_citizen, hold_at_post_office, return_to_desk) defaults
    to the reason's. A failed delivery with `next_attempt_on` (a local day) says when the
    postman comes again, when the next step is to come again.
    """
    if event not in TEMPLATES:
        raise ValueError(f"no SMS for event {event!r}; SMS events: {sorted(SMS_EVENTS)}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: `at` must carry its offset")
    leg, template = TEMPLATES[event]
    local = at.astimezone(LOCAL_TZ)
    fields = {
        "tracking_no": tracking_no,
        "reason": "",
        "next_step": "",
        "link": _LINK.format(url=tracking_url) if tracking_url else "",
    }
    undated_step = ""
    if event in FAILURE_EVENTS:
        if reason is None or reason not in REASON_NEXT_STEP:
            raise ValueError(f"a failed attempt needs a known reason, got {reason!r}")
        step = next_step or REASON_NEXT_STEP[reason]
        if step not in NEXT_STEP_TEXT[leg]:
            raise ValueError(f"unknown next step {step!r}")
        fields["reason"] = REASON_TEXT[leg][reason]
        fields["next_step"] = NEXT_STEP_TEXT[leg][step]
        if leg == RETURN and next_attempt_on is not None and step in NEXT_ATTEMPT_TEXT:
            undated_step = fields["next_step"]
            fields["next_step"] = NEXT_ATTEMPT_TEXT[step].format(day=f"{next_attempt_on:%d/%m}")
    timed = {"when": f" lúc {local:%H:%M} ngày {local:%d/%m}", "day": f" trong ngày {local:%d/%m}"}
    untimed = {"when": "", "day": ""}
    procedure = " ".join(unicodedata.normalize("NFC", procedure_name).split())

    if not unaccented:
        text = template.format(procedure=_in_brackets(procedure), **timed, **fields)
        return unicodedata.normalize("NFC", text)

    # Over one segment, give up in this order: the time (the phone shows when the SMS came),
    # then the next attempt's day, then the procedure name's tail, then the procedure name.
    procedure = to_gsm7(procedure)
    text = to_gsm7(template.format(procedure=_in_brackets(procedure), **timed, **fields))
    if gsm7_length(text) <= SMS_GSM7_LIMIT:
        return text
    without = to_gsm7(template.format(procedure="", **untimed, **fields))
    if gsm7_length(without) > SMS_GSM7_LIMIT and undated_step:  # last: the next attempt's day
        fields["next_step"] = undated_step
        without = to_gsm7(template.format(procedure="", **untimed, **fields))
    shortened = _shorten(procedure, SMS_GSM7_LIMIT - gsm7_length(without))
    return to_gsm7(template.format(procedure=_in_brackets(shortened), **untimed, **fields))


def _in_brackets(procedure: str) -> str:
    return f" ({procedure})" if procedure else ""


def _shorten(procedure: str, room: int) -> str:
    """`procedure` cut on a word so that ` (procedure)` takes at most `room` septets, or ""."""
    room -= len(" ()")
    if gsm7_length(procedure) <= room:
        return procedure
    room -= len(_ELLIPSIS)
    cut = procedure[: max(room, 0) + 1]
    while cut and gsm7_length(cut) > room + 1:
        cut = cut[:-1]
    cut = cut.rpartition(" ")[0] if " " in cut else ""  # the last word may be cut: drop it
    cut = cut.rstrip(" ,;:-(")
    return cut + _ELLIPSIS if len(cut) >= _MIN_PROCEDURE_CHARS else ""
