"""Complaints (Circular 17/2017 Art. 8) on SQLite and PostgreSQL: filed by the citizen with the
phone digits (no oracle) or at the desk, within 6 months, due in 5 working days, resolved by
staff with compensation, their status on the public tracking answer, one commune's only."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from postal_tracker.complaints.service import filing_closes_on
from postal_tracker.localtime import LOCAL_TZ, local_today
from postal_tracker.models import Complaint, Shipment, table
from postal_tracker.workdays import add_working_days
from tests.builders import book, valid_number
from tests.conftest import make_world

TEXT = "Đã quá hạn mà chưa nhận được kết quả, bưu tá không gọi điện báo trước."


def complain(world, number: str, digits: str = "5678", **body) -> tuple[int, dict]:
    body = {"phone_last4": digits, "kind": "late", "text": TEXT, **body}
    answer = world.client.post(f"/api/v1/track/{number}/complaints", json=body)
    return answer.status_code, answer.json()


def count_complaints(database, number: str) -> int:
    complaints, shipments = table(Complaint), table(Shipment)
    with database.read() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(complaints.join(shipments))
            .where(shipments.c.tracking_no == number)
        ).scalar_one()  # fmt: skip


def test_a_citizen_files_a_complaint_due_in_five_working_days(world):
    number = book(world)["shipment"]["tracking_no"]
    status, filed = complain(world, number)
    assert status == 201, filed
    assert filed["status"] == "open" and filed["kind"] == "late" and filed["tracking_no"] == number
    assert filed["due_on"] == add_working_days(local_today(), 5).isoformat()
    assert "text" not in filed
    [listed] = world.client.get("/api/v1/complaints", headers=world.headers("clerk")).json()["items"]
    assert listed["complaint_id"] == filed["complaint_id"] and listed["text"] == TEXT
    assert listed["source"] == "citizen" and listed["created_by_user_id"] is None and listed["overdue"] is False


def test_wrong_digits_answer_exactly_as_an_unknown_number_and_store_nothing(world, database):
    number = book(world)["shipment"]["tracking_no"]
    unknown = valid_number("24681357")
    wrong_status, wrong = complain(world, number, "0000")
    unknown_status, nobody = complain(world, unknown, "0000")
    assert wrong_status == unknown_status == 404
    assert {**wrong, "detail": wrong["detail"].replace(number, "<no>")} == {
        **nobody,
        "detail": nobody["detail"].replace(unknown, "<no>"),
    }
    assert count_complaints(database, number) == 0
    bad_check_digit = number[:10] + str((int(number[10]) + 1) % 10) + "VN"
    assert complain(world, bad_check_digit)[0] == 422


def booked_long_ago(database, number: str, when: datetime) -> None:
    """This scenario's parcel was booked in the past (the service dates bookings itself)."""
    shipments = table(Shipment)
    with database.write() as conn:
        conn.execute(shipments.update().where(shipments.c.tracking_no == number).values(created_at=when))


def test_complaints_close_six_months_after_booking_whatever_the_digits(world, database):
    number = book(world)["shipment"]["tracking_no"]
    today = local_today()
    booked_long_ago(database, number, datetime.now(UTC) - timedelta(days=200))
    right_status, right = complain(world, number)
    wrong_status, wrong = complain(world, number, "0000")
    assert right_status == wrong_status == 409 and right == wrong  # the booking day is public: no oracle
    assert "6 months" in right["detail"]
    assert count_complaints(database, number) == 0
    still_open = book(world)["shipment"]["tracking_no"]
    # Booked at noon on the day that makes today the last day of the 6 months: still accepted.
    month = today.month - 7
    start = date(today.year + month // 12, month % 12 + 1, 1)
    day = next(
        start + timedelta(days=d)
        for d in range(62)
        if filing_closes_on(datetime.combine(start + timedelta(days=d), datetime.min.time(), LOCAL_TZ).replace(hour=12))
        >= today
    )
    booked_long_ago(database, still_open, datetime.combine(day, datetime.min.time(), LOCAL_TZ).replace(hour=12))
    assert complain(world, still_open)[0] == 201


@pytest.mark.parametrize(
    ("booked", "closes"),
    [
        (date(2026, 3, 15), date(2026, 9, 15)),
        (date(2025, 8, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2026, 9, 2), date(2027, 3, 2)),  # across the year
    ],
)
def test_the_six_months_are_calendar_months_of_local_days(booked, closes):
    late_evening = datetime.combine(booked, datetime.min.time(), LOCAL_TZ).replace(hour=23, minute=30)
    assert filing_closes_on(late_evening.astimezone(UTC)) == closes


def test_the_desk_files_lists_and_resolves_with_compensation(world):
    number = book(world)["shipment"]["tracking_no"]
    clerk = world.headers("clerk")
    filed = world.client.post("/api/v1/complaints", json={"tracking_no": number.lower(), "kind": "damaged",
                                                          "text": "Hồ sơ bị ướt, rách bìa"}, headers=clerk)  # fmt: skip
    assert filed.status_code == 201, filed.text
    complaint_id = filed.json()["complaint_id"]
    opened = world.client.get("/api/v1/complaints?status=open", headers=clerk).json()
    assert opened["total"] == 1 and opened["items"][0]["source"] == "desk"
    assert opened["items"][0]["created_by_user_id"] == world.user_ids["clerk"]
    url = f"/api/v1/complaints/{complaint_id}"
    resolution = {"status": "resolved", "resolution": "Đã xin lỗi và bồi thường", "compensation_vnd": 50_000}
    resolved = world.client.patch(url, json=resolution, headers=world.headers("supervisor"))
    assert resolved.status_code == 200, resolved.text
    view = resolved.json()
    assert view["status"] == "resolved" and view["compensation_vnd"] == 50_000 and view["resolved_at"]
    assert view["resolved_by_user_id"] == world.user_ids["supervisor"]
    again = world.client.patch(url, json={"status": "resolved", "resolution": "lần nữa"}, headers=clerk)
    assert again.status_code == 409
    assert world.client.get(url, headers=clerk).json()["resolution"] == "Đã xin lỗi và bồi thường"
    assert world.client.get("/api/v1/complaints?status=open", headers=clerk).json()["total"] == 0
    assert world.client.get("/api/v1/complaints?status=resolved", headers=clerk).json()["total"] == 1


def test_the_citizen_sees_the_status_never_the_text(world):
    number = book(world)["shipment"]["tracking_no"]
    filed = complain(world, number, kind="lost")[1]
    verified = world.client.get(f"/api/v1/track/{number}?phone_last4=5678").json()
    assert verified["complaints"] == [
        {"complaint_id": filed["complaint_id"], "kind": "lost", "status": "open", "due_on": filed["due_on"]}
    ]
    assert TEXT not in str(verified)
    for anonymous in (f"/api/v1/track/{number}", f"/api/v1/track/{number}?phone_last4=0000"):
        assert "complaints" not in world.client.get(anonymous).json()
    resolution = {"status": "resolved", "resolution": "Đã tìm thấy"}
    world.client.patch(f"/api/v1/complaints/{filed['complaint_id']}", json=resolution, headers=world.headers("clerk"))
    assert world.client.get(f"/api/v1/track/{number}?phone_last4=5678").json()["complaints"][0]["status"] == "resolved"


def test_another_communes_complaints_and_parcels_are_404(world, database, client):
    other = make_world(database, client)
    theirs = book(other)["shipment"]["tracking_no"]
    their_complaint = complain(other, theirs)[1]["complaint_id"]
    mine = world.headers("clerk")
    assert world.client.post("/api/v1/complaints", json={"tracking_no": theirs, "kind": "late", "text": "x"},
                             headers=mine).status_code == 404  # fmt: skip
    assert world.client.get(f"/api/v1/complaints/{their_complaint}", headers=mine).status_code == 404
    resolve = {"status": "resolved", "resolution": "không phải của tôi"}
    assert world.client.patch(f"/api/v1/complaints/{their_complaint}", json=resolve, headers=mine).status_code == 404
    assert world.client.get("/api/v1/complaints", headers=mine).json()["total"] == 0
    assert other.client.get(f"/api/v1/complaints/{their_complaint}", headers=other.headers("clerk")).json()[
        "status"] == "open"  # fmt: skip


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "angry"},
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 2001},
        {"text": "a\x00b"},
        {"phone_last4": "٥٦٧٨"},  # Arabic-Indic digits are not the phone's digits
        {"phone_last4": None},
    ],
)
def test_bad_complaints_are_422_naming_the_field(world, database, body):
    number = book(world)["shipment"]["tracking_no"]
    status, answer = complain(world, number, **body)
    assert status == 422, answer
    assert [e["field"] for e in answer["errors"]] == [next(iter(body))], answer
    assert count_complaints(database, number) == 0


def test_bad_resolutions_are_422_and_change_nothing(world):
    number = book(world)["shipment"]["tracking_no"]
    complaint_id = complain(world, number)[1]["complaint_id"]
    url, clerk = f"/api/v1/complaints/{complaint_id}", world.headers("clerk")
    for body in ({"status": "open", "resolution": "x"}, {"status": "resolved"},
                 {"status": "resolved", "resolution": "x", "compensation_vnd": -1},
                 {"status": "resolved", "resolution": "x", "compensation_vnd": 10**12}):  # fmt: skip
        assert world.client.patch(url, json=body, headers=clerk).status_code == 422, body
    assert world.client.get(url, headers=clerk).json()["status"] == "open"
    for path, field in (("/2147483648", "complaint_id"), ("?status=closed", "status")):
        refused = world.client.get(f"/api/v1/complaints{path}", headers=clerk)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field


def test_vietnamese_text_is_kept_composed(world):
    number = book(world)["shipment"]["tracking_no"]
    decomposed = unicodedata.normalize("NFD", "Bưu tá làm rơi hồ sơ ở ấp Phước Lăng")
    complain(world, number, kind="staff", text=decomposed)
    [item] = world.client.get("/api/v1/complaints", headers=world.headers("clerk")).json()["items"]
    assert item["text"] == unicodedata.normalize("NFC", decomposed)


def test_the_same_idempotency_key_files_once(world):
    number = book(world)["shipment"]["tracking_no"]
    body = {"tracking_no": number, "kind": "other", "text": "Gọi điện hỏi"}
    headers = {**world.headers("clerk"), "Idempotency-Key": "k-1"}
    first = world.client.post("/api/v1/complaints", json=body, headers=headers)
    second = world.client.post("/api/v1/complaints", json=body, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert world.client.get("/api/v1/complaints", headers=world.headers("clerk")).json()["total"] == 1


def test_reading_complaint_texts_is_audited(world):
    booked = book(world)
    complaint_id = complain(world, booked["shipment"]["tracking_no"])[1]["complaint_id"]
    clerk = world.headers("clerk")
    world.client.get("/api/v1/complaints", headers=clerk)
    world.client.get(f"/api/v1/complaints/{complaint_id}", headers=clerk)
    answer = world.client.get("/api/v1/audit", params={"dossier_id": booked["dossier_id"]},
                              headers=world.headers("supervisor"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    reads = [e for e in answer.json()["items"] if e["what"] == "complaints"]
    assert len(reads) == 2 and {e["user_id"] for e in reads} == {world.user_ids["clerk"]}


def test_the_desk_parcel_page_and_the_citizen_s_tracking_page_show_the_complaint_and_its_deadline(world):
    from postal_tracker.accounts.auth import TOKEN_COOKIE

    number = book(world)["shipment"]["tracking_no"]
    filed = complain(world, number)[1]
    due = add_working_days(local_today(), 5).strftime("%d/%m/%Y")

    def desk_page() -> str:
        world.client.cookies.set(TOKEN_COOKIE, world.headers("clerk")["Authorization"].removeprefix("Bearer "))
        try:
            page = world.client.get(f"/desk/parcels/{number}", params={"lang": "vi"})
        finally:
            world.client.cookies.delete(TOKEN_COOKIE)
        assert page.status_code == 200, page.text
        return page.text.split('data-testid="complaints"', 1)[1].split("</section>", 1)[0]

    def citizen_page(digits: str) -> str:
        page = world.client.get("/track", params={"no": number, "phone_last4": digits, "lang": "vi"})
        assert page.status_code == 200, page.text
        return page.text

    open_at_desk = desk_page()
    assert "Chậm trễ" in open_at_desk and TEXT in open_at_desk and "Đang giải quyết" in open_at_desk
    assert f"Hạn trả lời: {due}" in open_at_desk and "Quá hạn" not in open_at_desk
    mine = citizen_page("5678").split('data-testid="my-complaints"', 1)[1].split("</ul>", 1)[0]
    assert "Chậm trễ · <strong>Đang giải quyết</strong>" in mine and f"Hạn trả lời: {due}" in mine
    assert TEXT not in citizen_page("5678")  # the citizen sees the status, not the text
    assert 'data-testid="my-complaints"' not in citizen_page("0000")  # wrong digits: nothing more

    resolution = {"status": "resolved", "resolution": "Đã xin lỗi và bồi thường.", "compensation_vnd": 50000}
    answer = world.client.patch(f"/api/v1/complaints/{filed['complaint_id']}", json=resolution,
                                headers=world.headers("clerk"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    resolved_at_desk = desk_page()
    assert "Đã giải quyết" in resolved_at_desk and "Bồi thường 50.000 đ" in resolved_at_desk
    assert "Đã xin lỗi và bồi thường." in resolved_at_desk
    mine = citizen_page("5678").split('data-testid="my-complaints"', 1)[1].split("</ul>", 1)[0]
    assert "<strong>Đã giải quyết</strong>" in mine and "Hạn trả lời" not in mine
