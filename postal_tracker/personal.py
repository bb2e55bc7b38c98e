"""Personal data: normalising it on the way in, masking it on the way out.

Names, phones, ID numbers and addresses are shown in full only to staff of the dossier's
commune; the public sees masked forms; logs see nothing.
"""

from __future__ import annotations

import hmac
import unicodedata

import phonenumbers

from postal_tracker.errors import InvalidInput, NotFound


def nfc(text: str) -> str:
    """Vietnamese typed on different keyboards arrives composed or decomposed; store NFC."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalize_phone(raw: str, field: str = "phone") -> str:
    """`0912345678`, `+84 912 345 678`, `84912345678` -> `+84912345678`, or InvalidInput."""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        raise InvalidInput("not a phone number", field=field) from None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise InvalidInput("not a valid Vietnamese phone number (e.g. 0912345678)", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """`+84912345678` -> `0912 345 678`, the way a postman dials it."""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_last4(e164: str) -> str:
    return e164[-4:]


def phone_digits_match(e164: str | None, last4: str | None) -> bool:
    """The citizen's proof on the public endpoints: the last 4 digits of the booked phone."""
    if not (e164 and last4):
        return False
    return hmac.compare_digest(phone_last4(e164).encode(), last4.encode())  # bytes: any text compares


def no_parcel_for_these_digits(tracking_no: str, note: str | None = None) -> NotFound:
    """The one answer of an endpoint to an unknown number and to wrong phone digits (and to
    whatever else must not tell them apart), so that no answer says which digits are right."""
    detail = f"no parcel {tracking_no} matches these phone digits (the last 4 of the phone given at booking)"
    return NotFound(f"{detail}; {note}" if note else detail)


def mask_name(full_name: str) -> str:
    """`Nguyễn Thị Hằng` -> `Nguyễn T. H.`: enough for a citizen to recognise their parcel."""
    parts = full_name.split()
    if not parts:
        return ""
    return " ".join([parts[0], *(p[0] + "." for p in parts[1:])])


def mask_phone(e164: str) -> str:
    return e164[:3] + "*" * (len(e164) - 6) + e164[-3:] if len(e164) > 6 else "***"
