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


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local day."""
    start = datetime.combine(day, time.min, LOCAL_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local month."""
    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)
