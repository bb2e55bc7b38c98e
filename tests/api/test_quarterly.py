"""The quarterly report (Circular 17/2017 Art. 13) against a hand-computed scenario, as JSON, CSV
and PDF, through the API and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, time

import pytest
from pypdf import PdfReader

from postal_tracker.localtime import LOCAL_TZ
from postal_tracker.models import Commune, Complaint, table
from tests.api.test_legal_clock import scan
from tests.builders import book, quarter_start, this_quarter


def result_of(world, booked: dict) -> str:
    answer = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    return answer.json()["shipment"]["tracking_no"]


def complain(world, number: str, kind: str) -> int:
    answer = world.client.post("/api/v1/complaints", json={"tracking_no": number, "kind": kind, "text": "Khiếu nại"},
                               headers=world.headers("clerk"))  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["complaint_id"]


def resolve(world, complaint_id: int, compensation: int | None = None) -> None:
    body = {"status": "resolved", "resolution": "Đã giải quyết", "compensation_vnd": compensation}
    answer = world.client.patch(f"/api/v1/complaints/{complaint_id}", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 200, answer.text


@pytest.fixture
def scenario(world, database):
    """Q3 2026 (1/7-30/9), local times:
    A: picked up Fri 10/7 (fee 50.000), at the desk Mon 13/7 (due 13/7: on time); its result
       collected Mon 20/7, delivered Tue 21/7 (due 21/7: on time).
    B: picked up Fri 28/8 (fee 30.000), at the desk Fri 4/9 (due Thu 3/9 after 31/8-2/9: late);
       its result collected Mon 7/9, failed once, returned to the desk Thu 10/9.
    C: picked up Tue 30/6 (Q2, fee 20.000), at the desk Wed 1/7 (due 1/7: on time, counts in Q3).
    D: picked up on the first day of the current quarter.
    Complaints: one about A filed 15/9 (back-dated: lost, due 22/9), resolved now with 100.000 đ
    (late); now: B damaged (resolved now, no compensation: on time) and C late (open).
    """
    a, b, c, d = (book(world, fee_vnd=fee) for fee in (50_000, 30_000, 20_000, 0))  # the fees collected below
    an, bn, cn, dn = (x["shipment"]["tracking_no"] for x in (a, b, c, d))
    scan(world, an, "picked_up", "2026-07-10 09:00", fee_collected_vnd=50_000)
    scan(world, an, "handed_to_desk", "2026-07-13 16:00")
    a_back = result_of(world, a)
    scan(world, a_back, "collected_from_desk", "2026-07-20 08:00")
    scan(world, a_back, "out_for_delivery", "2026-07-21 08:00")
    scan(world, a_back, "delivered", "2026-07-21 10:00")
    scan(world, bn, "picked_up", "2026-08-28 09:00", fee_collected_vnd=30_000)
    scan(world, bn, "handed_to_desk", "2026-09-04 09:00")
    b_back = result_of(world, b)
    scan(world, b_back, "collected_from_desk", "2026-09-07 08:00")
    scan(world, b_back, "out_for_delivery", "2026-09-07 09:00")
    scan(world, b_back, "delivery_failed", "2026-09-07 10:00")
    scan(world, b_back, "returned_to_desk", "2026-09-10 10:00")
    scan(world, cn, "picked_up", "2026-06-30 15:00", fee_collected_vnd=20_000)
    scan(world, cn, "handed_to_desk", "2026-07-01 10:00")
    scan(world, dn, "picked_up", datetime.combine(quarter_start(), time(0, 0, 1)).isoformat(sep=" "))

    lost = complain(world, an, "lost")
    complaints = table(Complaint)
    with database.write() as conn:
        conn.execute(complaints.update().where(complaints.c.id == lost).values(
            created_at=datetime(2026, 9, 15, 10, 0, tzinfo=LOCAL_TZ), due_on=datetime(2026, 9, 22).date(),
        ))  # fmt: skip
    resolve(world, lost, 100_000)
    damaged = complain(world, bn, "damaged")
    resolve(world, damaged, 0)
    complain(world, cn, "late")
    return world


def quarterly(world, quarter: str, fmt: str = "json", role: str = "supervisor"):
    return world.client.get("/api/v1/reports/quarterly", params={"quarter": quarter, "format": fmt},
                            headers=world.headers(role))  # fmt: skip


Q3_2026 = {
    "dossiers_picked_up": 2, "results_delivered": 1, "results_returned_to_desk": 1, "fees_collected_vnd": 80_000,
    "complaints_received": 1, "complaints_resolved": 0, "complaints_resolved_on_time": 0, "lost": 1, "damaged": 0,
    "compensations": 0, "compensation_vnd": 0, "on_time_share": 0.75,
}  # fmt: skip
NOW = {
    "dossiers_picked_up": 1, "results_delivered": 0, "results_returned_to_desk": 0, "fees_collected_vnd": 0,
    "complaints_received": 2, "complaints_resolved": 2, "complaints_resolved_on_time": 1, "lost": 0, "damaged": 1,
    "compensations": 1, "compensation_vnd": 100_000, "on_time_share": None,
}  # fmt: skip


def test_the_quarters_figures_equal_the_hand_computed_ones(scenario):
    report = quarterly(scenario, "2026-Q3").json()
    assert report["quarter"] == "2026-Q3" and report["totals"] == Q3_2026
    [commune] = report["by_commune"]
    assert commune["commune_code"] == scenario.code and commune["commune_name"] == "Tam Phước"
    assert {k: commune[k] for k in Q3_2026} == Q3_2026
    assert quarterly(scenario, this_quarter()).json()["totals"] == NOW
    empty = quarterly(scenario, "2026-Q2").json()["totals"]
    assert empty["dossiers_picked_up"] == 1 and empty["fees_collected_vnd"] == 20_000  # C, in June
    assert empty["on_time_share"] is None


def test_csv_and_pdf_hold_the_same_figures(scenario):
    answer = quarterly(scenario, "2026-q3", "csv")
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="bao-cao-quy-2026-Q3.csv"' in answer.headers["content-disposition"]
    total, commune = csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))
    assert total["scope"] == "total" and total["fees_collected_vnd"] == "80000" and total["on_time_share"] == "0.75"
    assert commune["scope"] == "commune" and commune["name"] == "Tam Phước" and commune["lost"] == "1"
    pdf = quarterly(scenario, "2026-Q3", "pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Báo cáo quý III/2026" in text and "Tam Phước" in text
    assert "Bưu gửi bị mất" in text and "Tỷ lệ đúng thời hạn" in text and "75.0 %" in text
    assert "80.000" in text


def test_formula_like_names_are_not_run_by_a_spreadsheet(world, database):
    communes = table(Commune)
    with database.write() as conn:
        conn.execute(communes.update().where(communes.c.id == world.commune_id).values(name='=HYPERLINK("x")'))
    answer = quarterly(world, "2026-Q3", "csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[1][2] == rows[2][2] == '\'=HYPERLINK("x")'


def test_the_command_line_writes_the_same_files(scenario, database_url, tmp_path, monkeypatch):
    from postal_tracker import cli

    monkeypatch.setenv("POSTAL_TRACKER_DATABASE_URL", database_url)
    for ext in ("json", "csv", "pdf"):
        cli.main(["report", "quarterly", "--quarter", "2026-Q3", "--out", str(tmp_path / f"q3.{ext}"),
                  "--commune", scenario.code])  # fmt: skip
    assert json.loads((tmp_path / "q3.json").read_text("utf-8"))["totals"] == Q3_2026
    assert (tmp_path / "q3.csv").read_bytes() == quarterly(scenario, "2026-Q3", "csv").content
    assert (tmp_path / "q3.pdf").read_bytes().startswith(b"%PDF")
    cli.main(["report", "quarterly", "--quarter", "2026-Q3", "--out", str(tmp_path / "province.json")])
    province = json.loads((tmp_path / "province.json").read_text("utf-8"))
    assert province["commune"] is None and scenario.code in {c["commune_code"] for c in province["by_commune"]}
    for key in ("dossiers_picked_up", "complaints_received", "compensation_vnd"):
        assert province["totals"][key] == sum(c[key] for c in province["by_commune"])


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026-3", "2026-Q0", "Q3-2026", "", "9999-Q1", "1999-Q4"])
def test_a_quarter_that_is_no_quarter_is_a_422_naming_it(world, quarter):
    answer = quarterly(world, quarter)
    assert answer.status_code == 422, answer.text
    assert "quarter" in answer.text


def test_only_supervisors_read_it(world):
    assert quarterly(world, "2026-Q3", role="clerk").status_code == 403
    assert quarterly(world, "2026-Q3", role="postal").status_code == 403
    assert world.client.get("/api/v1/reports/quarterly?quarter=2026-Q3").status_code == 401


def test_the_province_admin_gets_every_commune_and_their_total(scenario, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    other_no = book(other, fee_vnd=10_000)["shipment"]["tracking_no"]
    scan(other, other_no, "picked_up", "2026-08-05 09:00", fee_collected_vnd=10_000)
    admin = scenario.headers("admin")
    province = scenario.client.get("/api/v1/reports/quarterly", params={"quarter": "2026-Q3"}, headers=admin).json()
    by_code = {c["commune_code"]: c for c in province["by_commune"]}
    assert province["commune"] is None and {scenario.code, other.code} <= by_code.keys()
    assert {k: by_code[scenario.code][k] for k in Q3_2026} == Q3_2026
    assert (by_code[other.code]["dossiers_picked_up"], by_code[other.code]["fees_collected_vnd"]) == (1, 10_000)
    for key in ("dossiers_picked_up", "fees_collected_vnd", "complaints_received", "lost", "compensation_vnd"):
        assert province["totals"][key] == sum(c[key] for c in province["by_commune"]), key
    named = scenario.client.get("/api/v1/reports/quarterly", params={"quarter": "2026-Q3", "commune": other.code},
                                headers=admin).json()  # fmt: skip
    assert [c["commune_code"] for c in named["by_commune"]] == [other.code] and named["totals"]["lost"] == 0
    csv_rows = scenario.client.get("/api/v1/reports/quarterly", params={"quarter": "2026-Q3", "format": "csv"},
                                   headers=admin).content.decode("utf-8-sig")  # fmt: skip
    assert scenario.code in csv_rows and other.code in csv_rows
