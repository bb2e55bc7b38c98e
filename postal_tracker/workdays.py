"""Working days: the one calendar behind every deadline the law sets (Circular 17/2017/TT-BTTTT).

A working day is Monday to Friday, less Vietnam's public holidays (Tết, Hùng Kings, 30/4, 1/5,
2/9 and the days off the government moves around them), as the maintained `holidays` package
publishes them; a Saturday the government makes a working day in exchange for a bridge day
off counts as one. Days are local days in Asia/Ho_Chi_Minh (`localtime`).

Deadlines built on it: a leg's `due_at` (J + n working days, J the day the post took it), the
next delivery attempt after a failure (`next_attempt_on`), a complaint's `due_on`.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
import sqlalchemy as sa

from postal_tracker.localtime import LOCAL_TZ, local_date

_calendar = holidays.country_holidays("VN")
_lock = threading.Lock()  # the calendar fills a year's dates on first use: one thread at a time


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    with _lock:
        return _calendar.is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The nth working day after `day` (n = 0: `day` itself when it is one, else the next one)."""
    if n < 0:
        raise ValueError("n counts working days forward")
    for _ in range(n):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    while not is_working_day(day):  # only when n = 0
        day += timedelta(days=1)
    return day


def end_of_day(day: date) -> datetime:
    """The last second of a local day, in UTC: what "by the end of that working day" means."""
    return datetime.combine(day, time(23, 59, 59), LOCAL_TZ).astimezone(UTC)


def transit_due_at(taken_at: datetime, working_days: int) -> datetime:
    """A leg's `due_at`: the end of working day J + n, J the local day the post took it."""
    return end_of_day(add_working_days(local_date(taken_at), working_days))


def next_attempt_on(failed_at: datetime, working_days: int) -> date:
    """The first local day a failed delivery may be attempted again."""
    return add_working_days(local_date(failed_at), working_days)


def on_time(arrival: sa.ColumnElement[bool], at: sa.ColumnElement, due_at: sa.ColumnElement) -> tuple[
    sa.ColumnElement[int], sa.ColumnElement[int]
]:  # fmt: skip
    """(legs measured, legs on time) as SQL aggregates over events, for the reports: the arrival
    events (`arrival`: `handed_to_desk`, `delivered`) by their leg's `due_at`; a leg without one
    (never taken by the post) is not measured."""
    measured = sa.and_(arrival, due_at.is_not(None))
    return (
        sa.func.count(sa.case((measured, 1))),
        sa.func.count(sa.case((sa.and_(measured, at <= due_at), 1))),
    )
