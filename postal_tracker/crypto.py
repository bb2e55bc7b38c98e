"""Encryption at rest of ID numbers, signatures and photos (Law 91/2025/QH15), with Fernet.

The columns holding them have the type `Encrypted`: every value is encrypted on its way into
the database and decrypted on its way out, whatever statement carries it, so no service can
forget. The key travels with the engine (`Database` puts a `DataCipher` on its dialect), since
a column type sees nothing else; an engine without a key refuses to read or write those columns.

Keys (`POSTAL_TRACKER_DATA_KEY`) are 32 random bytes in url-safe base64, as Fernet makes them;
several, comma-separated, rotate: the first encrypts, every one decrypts (`MultiFernet`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DataKeyError(RuntimeError):
    """No key, a key that is not a Fernet key, or a value that no configured key decrypts."""


def new_data_key() -> str:
    return Fernet.generate_key().decode()


class DataCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise DataKeyError("no data key")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys])
        except ValueError:
            raise DataKeyError("a data key is not 32 url-safe base64-encoded bytes (a Fernet key)") from None

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise DataKeyError("a stored value is not decrypted by any configured data key") from None

    def rotate(self, token: str) -> str:
        """The same value encrypted with the first (newest) key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise DataKeyError("a stored value is not decrypted by any configured data key") from None


def cipher_of(dialect: sa.Dialect) -> DataCipher:
    cipher = getattr(dialect, "data_cipher", None)
    if cipher is None:
        raise DataKeyError("this database was opened without a data key (POSTAL_TRACKER_DATA_KEY)")
    return cipher


class Encrypted(sa.TypeDecorator):
    """Text stored as a Fernet token; `None` stays NULL (so "has a signature" stays a cheap test)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else cipher_of(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else cipher_of(dialect).decrypt(value)
