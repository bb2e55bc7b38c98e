"""ZPL labels through the HTTP API (`?format=zpl`, `"format": "zpl"`), on SQLite and PostgreSQL."""

from __future__ import annotations

from postal_tracker.lifecycle import group_tracking_no
from tests.api.test_booking import book
from tests.api.test_documents import NAME, link, problem
from tests.labels.test_zpl import parse

ZPL_PROCEDURE_FEE = "THU HỘ 50.000 đ"


def zpl(answer, filename: str):
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zpl"
    assert answer.headers["content-disposition"] == f'inline; filename="{filename}"'
    assert answer.headers["cache-control"] == "private, no-store"
    return parse(answer.content)


def test_a_label_as_zpl_carries_every_field_of_the_parcel(world):
    booked = book(world, procedure_code="2.000884")  # a procedure with a fee: 50.000 đ to collect
    number = booked["shipment"]["tracking_no"]
    answer = world.client.get(f"{booked['label_url']}?format=zpl", headers=world.headers("postal"))
    [label] = zpl(answer, f"label-{number}.zpl")
    assert [f.data for f in label.fields if f.kind == "code128"] == [number]
    assert [f.data for f in label.fields if f.kind == "qr"] == [f"QA,{link(world, number)}"]
    texts = label.texts()
    assert texts[0] == "THU GOM HỒ SƠ" and group_tracking_no(number) in texts
    assert NAME in texts and "Phước Lăng" in texts and "ĐT: 0912 345 678" in texts
    assert "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản" in texts
    assert ZPL_PROCEDURE_FEE in texts


def test_a_batch_as_zpl_keeps_the_order_and_refuses_a4(world, database, client):
    from tests.conftest import make_world

    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(3)][::-1]
    headers = world.headers("clerk")
    answer = world.client.post("/api/v1/labels", json={"tracking_nos": numbers, "format": "zpl"}, headers=headers)
    labels = zpl(answer, "labels-3.zpl")
    assert [next(f.data for f in label.fields if f.kind == "code128") for label in labels] == numbers

    body = {"tracking_nos": numbers, "format": "zpl", "size": "a4"}
    assert problem(world.client.post("/api/v1/labels", json=body, headers=headers), 422)["errors"][0]["field"] == "size"
    body = {"tracking_nos": numbers, "format": "epl"}
    assert problem(world.client.post("/api/v1/labels", json=body, headers=headers), 422)
    assert problem(world.client.get(f"/api/v1/shipments/{numbers[0]}/label.pdf?format=png", headers=headers), 422)
    theirs = book(make_world(database, client))["shipment"]["tracking_no"]
    assert problem(world.client.get(f"/api/v1/shipments/{theirs}/label.pdf?format=zpl", headers=headers), 404)
    assert world.client.get(f"/api/v1/shipments/{numbers[0]}/label.pdf?format=zpl").status_code == 401
