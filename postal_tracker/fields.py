"""Field types that request bodies share: text, coordinates, ids, phone numbers.

No `from __future__ import annotations` here: pydantic reads these annotations at run time.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from postal_tracker.errors import InvalidInput
from postal_tracker.personal import ascii_digits, normalize_phone, normalize_text, plain_text


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidInput as exc:
        raise ValueError(exc.detail) from None


def _id_number(value: str) -> str:
    # CMND has 9 digits, CCCD (citizen identity card) 12.
    if not (ascii_digits(value) and len(value) in (9, 12)):
        raise ValueError("an ID number has 9 (CMND) or 12 (CCCD) digits")
    return value


def _not_a_boolean(value: object) -> object:
    # Litestar validates leniently, and lenient pydantic reads `true` as 1: a coordinate or an id
    # sent as a boolean is a client's mistake to refuse, not a 0.0 to store.
    if isinstance(value, bool):
        raise ValueError("a number, not true/false")
    return value


Latitude = Annotated[float, BeforeValidator(_not_a_boolean), Field(ge=-90, le=90)]
Longitude = Annotated[float, BeforeValidator(_not_a_boolean), Field(ge=-180, le=180)]
UserId = Annotated[int, BeforeValidator(_not_a_boolean), Field(ge=1, le=2**31 - 1)]


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """Text a person typed, as `Annotated[str, Text(100)]`: stripped, 1 to 100 characters, visible
    characters only, NFC. One group of constraints, so that type checkers see a `str`."""

    max_length: int
    min_length: int = 1

    def __iter__(self) -> Iterator[object]:
        yield from StringConstraints(strip_whitespace=True, min_length=self.min_length, max_length=self.max_length)
        yield AfterValidator(plain_text)
        yield AfterValidator(normalize_text)


Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_phone)]
IdNumber = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_id_number)]
"""A CMND (9 digits) or CCCD (12 digits) number, in the digits 0-9."""
