"""How numbers, money, dates and times read on paper (Vietnamese conventions)."""

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_S10 = re.compile(r"([A-Z]{2})(\d{4})(\d{4})(\d)([A-Z]{2})")


def nfc(text: str) -> str:
    """Composed form: one code point per accented letter, as the fonts and text search expect."""
    return unicodedata.normalize("NFC", text)


def group_tracking_no(tracking_no: str) -> str:
    """``RR123456785VN`` -> ``RR 1234 5678 5 VN``: chunks a person can read aloud on the phone."""
    match = _S10.fullmatch(tracking_no)
    return " ".join(match.groups()) if match else tracking_no


def format_vnd(amount: int) -> str:
    """``50000`` -> ``50.000 đ`` (Vietnamese groups thousands with dots)."""
    return f"{amount:,} đ".replace(",", ".")


def format_km(km: float) -> str:
    """``12.34`` -> ``12,3 km`` (decimal comma)."""
    return f"{km:.1f} km".replace(".", ",")


def format_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def local_time(moment: dt.datetime) -> dt.datetime:
    """Aware times are shown in the commune's time zone; naive ones are taken as already local."""
    return moment.astimezone(LOCAL_TZ) if moment.tzinfo else moment


def format_datetime(moment: dt.datetime) -> str:
    """``14:05 ngày 27/11/2026``, the order used in Vietnamese administrative records."""
    local = local_time(moment)
    return f"{local:%H:%M} ngày {format_date(local)}"
