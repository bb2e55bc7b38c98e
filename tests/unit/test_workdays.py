"""The working-day calendar on fixed dates: weekends, Tết, National Day (2 September)."""

from datetime import UTC, date, datetime

import pytest

from postal_tracker.workdays import add_working_days, end_of_day, is_working_day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 27), True),  # a Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 2, 17), False),  # Tết 2026 (Mùng 1, a Tuesday)
        (date(2026, 2, 23), True),  # the Monday after the Tết week
        (date(2026, 9, 2), False),  # National Day, a Wednesday
        (date(2026, 9, 1), False),  # its second day
        (date(2026, 8, 31), False),  # the bridge day off given for Saturday 22 August
        (date(2026, 8, 22), True),  # that Saturday, worked instead
        (date(2026, 4, 30), False),  # Reunification Day
        (date(2026, 5, 1), False),  # Labour Day
    ],
)
def test_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 26), 1, date(2026, 11, 27)),  # Thursday -> Friday
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> over the weekend -> Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # taken on a Saturday: Monday
        (date(2026, 11, 26), 2, date(2026, 11, 30)),  # Thursday + 2 -> Monday
        (date(2026, 2, 13), 1, date(2026, 2, 23)),  # the Friday before Tết -> after the Tết week
        (date(2025, 1, 24), 1, date(2025, 2, 3)),  # Tết 2025 likewise (27/1 to 31/1 off)
        (date(2026, 8, 28), 1, date(2026, 9, 3)),  # before 2 September: 31/8, 1/9, 2/9 are off
        (date(2026, 8, 28), 5, date(2026, 9, 9)),  # a complaint's 5 working days across them
        (date(2026, 8, 21), 1, date(2026, 8, 22)),  # the worked Saturday counts
        (date(2026, 11, 29), 0, date(2026, 11, 30)),  # n = 0 on a Sunday: the next working day
        (date(2026, 11, 27), 0, date(2026, 11, 27)),
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_end_of_day_is_the_last_local_second_in_utc():
    assert end_of_day(date(2026, 9, 3)) == datetime(2026, 9, 3, 16, 59, 59, tzinfo=UTC)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 3), -1)
