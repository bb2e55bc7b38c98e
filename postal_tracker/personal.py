"""Personal data: normalising it on the way in, masking it on the way out.

Names, phones, ID numbers and addresses are shown in full only to staff of the dossier's
commune; the public sees masked forms; logs see nothing.
"""

from __future__ import annotations

import hmac
import unicodedata

import phonenumbers

from postal_tracker.errors import InvalidInput, NotFound

# Unicode categories no name, address or note contains: control characters (Cc), invisible
# format characters (Cf: the bidi overrides and isolates U+202A-202E and U+2066-2069 that make
# a name print reversed, zero-width spaces and joiners U+200B-200D, U+2060, the BOM U+FEFF),
# surrogates (Cs) and private-use characters (Co). Tab and line breaks are folded into spaces.
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


def nfc(text: str) -> str:
    """Vietnamese typed on different keyboards arrives composed or decomposed; store NFC."""
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


def mask_phone(e164: str) -> str:
    return e164[:3] + "*" * (len(e164) - 6) + e164[-3:] if len(e164) > 6 else "***"
