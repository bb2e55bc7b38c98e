"""Local days in the commune: what "today", a report's day and a month mean.

Times are stored in UTC; a day or month shown to people is a local one in Asia/Ho_Chi_Minh
(UTC+7, no daylight saving), so a booking at 00:30 on the 1st belongs to that local month
although it is still the previous day in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # what a day in this service can be


class OutsideServiceDates(ValueError):
    """A day or month before FIRST_DAY or after LAST_DAY; the caller says which field it came from."""


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local day."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise OutsideServiceDates(f"a date between {FIRST_DAY} and {LAST_DAY}")
    start = datetime.combine(day, time.min, LOCAL_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local month."""
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise OutsideServiceDates(f"a month between {FIRST_DAY.year} and {LAST_DAY.year}")
    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)
