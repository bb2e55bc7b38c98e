"""Property tests (hypothesis): random scan sequences, duplicated, shuffled and delayed as offline
scanners send them, against a pure model of the status machine built from `lifecycle.py`'s
table (issue 9, item 8). On SQLite and PostgreSQL.

The model: the server applies what reaches it in the order it arrives, and each batch in order
of scan time (`at`, compared as moments); a `scan_id` seen before answers its first outcome
again and changes nothing; any other scan is accepted exactly when the table allows its event
for the parcel's leg, status and failed attempts. Every scan's outcome and the parcel's final
status and attempts must be the model's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postal_tracker.lifecycle import FAILURE_EVENTS, TRANSITIONS, Event, Leg, Status, allowed_events
from tests.builders import pickup_body
from tests.conftest import make_world

MAX_ATTEMPTS = 3  # the test app's POSTAL_TRACKER_MAX_DELIVERY_ATTEMPTS (the default)
EVENTS_OF = {leg: [e for e, t in TRANSITIONS.items() if leg in t.allowed_from] for leg in Leg}
OFFSETS = [timezone for timezone in (UTC, ZoneInfo("Asia/Ho_Chi_Minh"), ZoneInfo("America/Lima"))]


@dataclass
class Model:
    """The parcel as the table says it should be."""

    leg: Leg
    status: Status = Status.BOOKED
    attempts: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)

    def apply(self, scan_id: str, event: Event) -> str:
        if scan_id in self.outcomes:
            return "duplicate"
        if event in allowed_events(self.leg, self.status, self.attempts, MAX_ATTEMPTS):
            self.status = TRANSITIONS[event].to
            self.attempts += event in FAILURE_EVENTS
            outcome = "accepted"
        else:
            outcome = "rejected"
        self.outcomes[scan_id] = outcome
        return outcome


def scan_of(number: str, event: Event, at: datetime) -> dict:
    body = {"scan_id": str(uuid.uuid4()), "tracking_no": number, "event": event.value, "at": at.isoformat()}
    if TRANSITIONS[event].required == ("reason",):
        body["reason"] = "not_home"
    if event is Event.DELIVERED:
        body["recipient_name"] = "Nguyễn Thị Hằng"
    return body


@st.composite
def deliveries(draw, leg: Leg):
    """A scanner's scans as they reach the server: batches (some of one scan sent alone), with
    scans repeated within and across batches, shuffled, and times that go back and forth."""
    events = draw(st.lists(st.sampled_from(EVENTS_OF[leg]), min_size=1, max_size=12))
    seconds = draw(st.lists(st.integers(0, 6 * 3600), min_size=len(events), max_size=len(events)))
    zones = draw(st.lists(st.sampled_from(OFFSETS), min_size=len(events), max_size=len(events)))
    start = datetime.now(UTC) - timedelta(hours=7)
    scans = [(event, start + timedelta(seconds=s), zone) for event, s, zone in zip(events, seconds, zones, strict=True)]
    sends = draw(st.lists(st.tuples(st.booleans(), st.lists(st.integers(0, len(scans) - 1), min_size=1, max_size=6)),
                          min_size=1, max_size=6))  # fmt: skip
    return scans, sends


@pytest.fixture(scope="module")
def scanner(database, client):
    return make_world(database, client)


def book(world, leg: Leg) -> str:
    if leg is Leg.PICKUP:
        answer = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk"))
    else:
        body = {k: v for k, v in pickup_body().items() if k != "documents"}
        answer = world.client.post("/api/v1/returns", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    return answer.json()["shipment"]["tracking_no"]


def moment(scan: dict) -> datetime:
    return datetime.fromisoformat(scan["at"])


@pytest.mark.parametrize("leg", list(Leg))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_scan_sequences_follow_the_table(scanner, leg, data):
    scans, sends = data.draw(deliveries(leg))
    number = book(scanner, leg)
    bodies = [scan_of(number, event, at.astimezone(zone)) for event, at, zone in scans]
    model = Model(leg)
    headers = scanner.headers("postal")
    for alone, picks in sends:
        batch = [bodies[i] for i in picks]
        if alone:
            for body in batch:
                answer = scanner.client.post("/api/v1/scans", json=body, headers=headers)
                assert answer.status_code < 500, answer.text
                expected = model.apply(body["scan_id"], Event(body["event"]))
                got = "duplicate" if answer.json()["duplicate"] else ("accepted" if answer.json()["accepted"] else
                                                                      "rejected")  # fmt: skip
                assert got == expected, (body, answer.text)
            continue
        answer = scanner.client.post("/api/v1/scans/batch", json={"scans": batch}, headers=headers)
        assert answer.status_code == 200, answer.text
        results = answer.json()["results"]
        assert [r["scan_id"] for r in results] == [b["scan_id"] for b in batch]  # answered in the order sent
        order = sorted(range(len(batch)), key=lambda i: moment(batch[i]))  # applied in order of the moment
        expected = {i: model.apply(batch[i]["scan_id"], Event(batch[i]["event"])) for i in order}
        assert [r["outcome"] for r in results] == [expected[i] for i in range(len(batch))], (batch, results)
    parcel = scanner.client.get(f"/api/v1/shipments/{number}", headers=scanner.headers("clerk")).json()
    assert (parcel["status"], parcel["attempts"]) == (model.status.value, model.attempts)
    accepted = [e["scan_id"] for e in parcel["events"] if e["event"] != "booked"]
    assert len(accepted) == len(set(accepted)) == sum(o == "accepted" for o in model.outcomes.values())
