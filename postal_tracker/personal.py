"""Personal data: normalising it on the way in, masking it on the way out.

Names, phones, ID numbers and addresses are shown in full only to staff of the dossier's
commune; the public sees masked forms; logs see nothing. A phone is masked by
`integrations.sms.mask_phone` (`+84*******78`), for the logs and the delivery log alike.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

import phonenumbers

from postal_tracker.errors import InvalidInput, NotFound

# Unicode categories no name, address or note contains: control characters (Cc), invisible
# format characters (Cf: the bidi overrides and isolates U+202A-202E and U+2066-2069 that make
# a name print reversed, zero-width spaces and joiners U+200B-200D, U+2060, the BOM U+FEFF),
# surrogates (Cs) and private-use characters (Co). Tab and line breaks are folded into spaces.
T = TypeVar("T")

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
_FOLDED_WHITESPACE = frozenset("\t\n\r")


def plain_text(text: str) -> str:
    """The text, if every character in it is visible; else ValueError naming the first one.

    The one check of every free-text field (names of people, hamlets, communes and documents,
    addresses, notes): a bidi override in a name reverses what a label, a manifest or a CSV cell
    shows, a zero-width character makes two names look alike, and PostgreSQL refuses NUL."""
    for char in text:
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES and char not in _FOLDED_WHITESPACE:
            raise ValueError(f"invisible or control character U+{ord(char):04X} is not allowed")
    return text


def ascii_digits(text: str) -> bool:
    """Only 0-9. `str.isdigit` also accepts `²`, `١` (Arabic-Indic) and `１` (full-width), which
    `int()` reads as other numbers or refuses: ID numbers, tracking numbers and phone digits
    are typed on ordinary keypads."""
    return text.isascii() and text.isdigit()


def normalize_text(text: str) -> str:
    """How every typed text is stored: NFC (Vietnamese typed on different keyboards arrives
    composed or decomposed) with single spaces. (`labels.formatting.nfc` is NFC alone.)"""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalize_phone(raw: str, field: str = "phone") -> str:
    """`0912345678`, `+84 912 345 678`, `84912345678` -> `+84912345678`, or InvalidInput."""
    if not raw.isascii():  # phonenumbers would read full-width and Arabic-Indic digits as 0-9
        raise InvalidInput("a phone number is written with the digits 0-9", field=field)
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


def mask_id_number(id_number: str) -> str:
    """`079123456789` -> `********6789`: the last 4 characters, enough to check a card against."""
    return "*" * max(len(id_number) - 4, 0) + id_number[-4:]


# Keys under which answers and stored scans carry ID numbers, and the images of a hand-over.
ID_NUMBER_KEYS = frozenset({"id_number", "recipient_id_number"})
IMAGE_KEYS = frozenset({"signature_png", "photo_jpeg"})
NAME_KEYS = frozenset({"recipient_name"})
REMOVED_IMAGE = "[removed]"


def _walk(value: Any, change: Callable[[str, Any], Any]) -> Any:
    if isinstance(value, dict):
        return {k: change(k, v) if isinstance(v, str) else _walk(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, change) for v in value]
    return value


def ids_masked(answer: T) -> T:
    """The answer with every ID number down to its last 4 characters (for whoever may not see more)."""
    masked: T = _walk(answer, lambda k, v: mask_id_number(v) if k in ID_NUMBER_KEYS else v)
    return masked


def for_role(role: str, answer: T) -> T:
    """An answer about dossiers as this role may see it: ID numbers in full to clerks and
    supervisors, the last 4 characters to everyone else (postmen, integration keys, admins)."""
    return answer if role in FULL_ID_NUMBER_ROLES else ids_masked(answer)


FULL_ID_NUMBER_ROLES = frozenset({"clerk", "supervisor"})


def scrubbed(raw: Any) -> Any:
    """What a stored raw scan (request or answer) may keep: ID numbers masked, images dropped,
    recipients' names masked. The applied event keeps them (the images and numbers encrypted)."""

    def change(key: str, value: str) -> str:
        if key in ID_NUMBER_KEYS:
            return mask_id_number(value)
        if key in IMAGE_KEYS:
            return REMOVED_IMAGE
        if key in NAME_KEYS:
            return mask_name(value)
        return value

    return _walk(raw, change)


# What retention removes from stored JSON (raw scans, webhook bodies): every trace of a person.
PERSONAL_KEYS = ID_NUMBER_KEYS | IMAGE_KEYS | NAME_KEYS | {"note", "authorization_note", "full_name", "phone"}


def without_personal_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_personal_data(v) for k, v in value.items() if k not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [without_personal_data(v) for v in value]
    return value
