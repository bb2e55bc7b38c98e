"""What an attacker (or a broken client) sends: each answer is a 4xx naming the problem, never a
500, and changes nothing (issue 9, item 1). On SQLite and PostgreSQL."""

from __future__ import annotations

from postal_tracker.requests import MAX_JSON_DEPTH, json_depth_exceeds
from tests.builders import valid_number
from tests.routes import concrete, http_routes, takes_a_body

PATH_VALUES = {
    "tracking_no": valid_number("12345678"), "dossier_id": "1", "exception_id": "1", "delivery_id": "1",
    "handover_ref": "1", "code": "PLANG", "file_path": "app.js", "path": "openapi.json",
}  # fmt: skip


def test_json_depth_is_measured_outside_strings():
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    quoted = b'{"a": "' + b"[" * 1000 + b'\\" {{{"}'
    assert not json_depth_exceeds(quoted)
    assert not json_depth_exceeds(b"[" + b"[1],[2]," * 5000 + b"[3]]")


def test_deeply_nested_json_is_a_400_on_every_json_endpoint(world):
    deep = b"[" * 100_000 + b"]" * 100_000
    principals = [{}, *(world.headers(role) for role in ("clerk", "postal", "supervisor", "integration"))]
    app = world.client.app
    body_routes = [(m, p) for m, p in http_routes(app) if takes_a_body(app, m, p)]
    assert len(body_routes) >= 14
    for method, template in body_routes:
        path = concrete(template, PATH_VALUES)
        statuses = set()
        for headers in principals:
            answer = world.client.request(
                method, path, content=deep, headers={**headers, "content-type": "application/json"}
            )
            assert answer.status_code < 500, (method, path, answer.text)
            statuses.add(answer.status_code)
            if answer.status_code == 400:
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert f"deeper than {MAX_JSON_DEPTH}" in answer.json()["detail"]
        if template.startswith("/api/"):
            assert 400 in statuses, (method, path, statuses)  # some principal reaches the body
