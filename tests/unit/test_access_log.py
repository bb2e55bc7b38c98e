"""The access line is written without the logging machinery where it can be, and as logging
would write it: the same line, to the same handlers, honouring levels, filters and propagate."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from postal_tracker.logs import JsonFormatter, access_log, utc_time, write_access_line

FIELDS = {"method": "GET", "path": "/api/v1/track/không-có", "status": 422, "ms": 1.5}


class OtherJsonFormatter(JsonFormatter):
    """The same format, but not the formatter the fast path knows: lines go through logging."""


def stream_handler(formatter: logging.Formatter) -> tuple[logging.StreamHandler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    return handler, stream


@pytest.fixture
def access() -> Iterator[logging.Logger]:
    handlers, level, propagate = list(access_log.handlers), access_log.level, access_log.propagate
    access_log.setLevel(logging.INFO)
    try:
        yield access_log
    finally:
        access_log.handlers[:] = handlers
        access_log.filters.clear()
        access_log.setLevel(level)
        access_log.propagate = propagate


def test_the_fast_line_is_the_line_logging_would_write(access):
    fast, fast_out = stream_handler(JsonFormatter())
    slow, slow_out = stream_handler(OtherJsonFormatter())
    access.addHandler(fast)
    access.addHandler(slow)
    write_access_line(dict(FIELDS))
    assert fast_out.getvalue() == slow_out.getvalue()
    line = json.loads(fast_out.getvalue())
    assert line == {**line, "level": "INFO", "logger": "postal_tracker.access", "message": "request", **FIELDS}
    assert "không-có" in fast_out.getvalue()  # UTF-8 as it is
    assert fast_out.getvalue().count("\n") == 1


def test_no_line_below_a_handlers_level_and_filters_are_honoured(access):
    quiet, quiet_out = stream_handler(JsonFormatter())
    quiet.setLevel(logging.WARNING)
    picky, picky_out = stream_handler(JsonFormatter())
    picky.addFilter(lambda record: record.fields["status"] != 422)
    access.addHandler(quiet)
    access.addHandler(picky)
    write_access_line(dict(FIELDS))
    write_access_line({**FIELDS, "status": 200})
    assert quiet_out.getvalue() == ""
    assert [json.loads(line)["status"] for line in picky_out.getvalue().splitlines()] == [200]
    access.addFilter(lambda record: False)  # a filter on the logger itself: nothing at all
    write_access_line(dict(FIELDS))
    assert len(picky_out.getvalue().splitlines()) == 1


def test_the_line_goes_up_to_the_parents_handlers_unless_propagate_is_off(access):
    parent_handler, parent_out = stream_handler(JsonFormatter())
    parent = logging.getLogger("postal_tracker")
    parent.addHandler(parent_handler)
    try:
        write_access_line(dict(FIELDS))
        access.propagate = False
        write_access_line(dict(FIELDS))
    finally:
        parent.removeHandler(parent_handler)
    assert len(parent_out.getvalue().splitlines()) == 1


def test_the_time_is_isoformat_in_milliseconds():
    for timestamp in (0.0, 1764614003.1649, 1764614003.9999, 1764614004.0005):
        expected = datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
        assert utc_time(timestamp) == expected
