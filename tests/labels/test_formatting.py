import datetime as dt

import pytest

from labels.formatting import format_datetime, format_km, format_vnd, group_tracking_no


@pytest.mark.parametrize(
    ("number", "grouped"),
    [("RR123456785VN", "RR 1234 5678 5 VN"), ("EE000000000VN", "EE 0000 0000 0 VN"), ("ABC", "ABC")],
)
def test_tracking_numbers_are_grouped_for_reading_aloud(number, grouped):
    assert group_tracking_no(number) == grouped


@pytest.mark.parametrize(
    ("amount", "text"), [(0, "0 đ"), (500, "500 đ"), (50_000, "50.000 đ"), (1_234_567, "1.234.567 đ")]
)
def test_money_groups_thousands_with_dots(amount, text):
    assert format_vnd(amount) == text


def test_distances_use_a_decimal_comma():
    assert format_km(12.34) == "12,3 km"


def test_aware_times_are_shown_in_the_communes_time_zone():
    assert format_datetime(dt.datetime(2026, 11, 27, 17, 5, tzinfo=dt.UTC)) == "00:05 ngày 28/11/2026"
    assert format_datetime(dt.datetime(2026, 11, 27, 9, 30)) == "09:30 ngày 27/11/2026"
