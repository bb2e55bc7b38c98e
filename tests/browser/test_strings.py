"""The pages' strings and choices, checked without a browser."""

from __future__ import annotations

import re

from postal_tracker.lifecycle import REASONS, TRANSITIONS, Status
from postal_tracker.web.controllers import SCAN_EVENTS
from postal_tracker.web.i18n import EN, VI


def test_every_string_exists_in_both_languages_with_the_same_placeholders():
    assert VI.keys() == EN.keys()
    for key in VI:
        assert set(re.findall(r"\{(\w+)\}", VI[key])) == set(re.findall(r"\{(\w+)\}", EN[key])), key


def test_every_status_event_and_reason_has_a_label():
    for strings in (VI, EN):
        assert all(f"status.{s.value}" in strings for s in Status)
        assert all(f"event.{e.value}" in strings for e in TRANSITIONS)
        assert all(f"reason.{r.value}" in strings for r in REASONS)


def test_the_scan_page_offers_every_event_once():
    assert sorted(SCAN_EVENTS) == sorted(TRANSITIONS)
