"""The province's commands (`communes`, `users`, `apikeys`), run as an administrator runs them,
against both databases; their effects are checked through the HTTP API."""

from __future__ import annotations

import uuid

import pytest

from tests.api.province import sign_in
from tests.api.test_cli import run_cli
from tests.conftest import PASSWORD

HAMLETS_CSV = "code,name,lat,lon\nANNHUT,An Nhứt,10.4912,107.2035\nANTHANH,An Thạnh,10.4855,107.2133\n"


def _code() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def test_communes_add_reads_hamlets_from_a_csv_file_then_staff_work_there(
    monkeypatch, capsys, database_url, client, tmp_path, world
):
    csv_file = tmp_path / "ap.csv"
    csv_file.write_bytes(b"\xef\xbb\xbf" + HAMLETS_CSV.encode())  # as Excel saves it
    code = _code()
    out = run_cli(monkeypatch, capsys, database_url, "communes", "add", code, "--name", "Tam An",
                  "--province", "Bà Rịa – Vũng Tàu", "--hamlets", str(csv_file))  # fmt: skip
    assert f"commune {code} (Tam An) created with 2 hamlets" in out
    assert code in run_cli(monkeypatch, capsys, database_url, "communes", "list")
    name = f"clerk-{code}"
    run_cli(monkeypatch, capsys, database_url, "users", "add", name, "--role", "clerk", "--password", PASSWORD,
            "--commune", code)  # fmt: skip
    headers = {"Authorization": f"Bearer {sign_in(client, name)}"}
    hamlets = client.get("/api/v1/hamlets", headers=headers).json()
    assert sorted(h["name"] for h in hamlets) == ["An Nhứt", "An Thạnh"]
    listed = client.get("/api/v1/communes", headers=world.headers("admin")).json()
    tam_an = next(c for c in listed["items"] if c["code"] == code)
    assert tam_an["name"] == "Tam An" and tam_an["hamlets"] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,name,lat\nA,Ấp A,10.5\n", "columns"),
        ("code,name,lat,lon\nA,Ấp A,10.5,107.2\nB,,10.5,107.2\n", "line 3, name"),
        ("code,name,lat,lon\nA,Ấp A,north,107.2\n", "line 2, lat"),
        ("code,name,lat,lon\nA,Ấp A,10.5,107.2\nA,Ấp B,10.5,107.2\n", "taken"),
    ],
)
def test_a_bad_hamlets_file_creates_nothing_and_says_where(monkeypatch, capsys, database_url, client, world, tmp_path,
                                                          content, message):  # fmt: skip
    csv_file = tmp_path / "ap.csv"
    csv_file.write_text(content, encoding="utf-8")
    code = _code()
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "communes", "add", code, "--name", "X", "--province", "Y",
                "--hamlets", str(csv_file))  # fmt: skip
    assert message in capsys.readouterr().err
    listed = client.get("/api/v1/communes", params={"limit": 500}, headers=world.headers("admin")).json()
    assert code not in [c["code"] for c in listed["items"]]


def test_communes_merge_from_the_command_line(monkeypatch, capsys, database_url, client, world, tmp_path):
    csv_file = tmp_path / "ap.csv"
    csv_file.write_text(HAMLETS_CSV, encoding="utf-8")
    into = _code()
    run_cli(monkeypatch, capsys, database_url, "communes", "add", into, "--name", "Tam An", "--province", "BR-VT",
            "--hamlets", str(csv_file))  # fmt: skip
    out = run_cli(
        monkeypatch, capsys, database_url, "communes", "merge", world.code, "--into", into, "--on", "2025-01-01"
    )
    assert f"commune {world.code} merged into {into}" in out and "6 hamlets" in out
    me = client.get("/api/v1/hamlets", headers=world.headers("clerk")).json()
    assert len(me) == 8
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "communes", "merge", into, "--into", into)
    assert "into itself" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "communes", "merge", into, "--into", world.code)
    assert "merged into another" in capsys.readouterr().err


def test_users_disable_and_set_role_take_effect_on_the_next_request(monkeypatch, capsys, database_url, client):
    name = f"thu-{uuid.uuid4().hex[:6]}"
    run_cli(monkeypatch, capsys, database_url, "users", "add", name, "--role", "clerk", "--password", PASSWORD)
    headers = {"Authorization": f"Bearer {sign_in(client, name)}"}
    assert client.get("/api/v1/scans/exceptions", headers=headers).status_code == 200
    assert "now postal" in run_cli(monkeypatch, capsys, database_url, "users", "set-role", name, "postal")
    assert client.get("/api/v1/scans/exceptions", headers=headers).status_code == 403
    assert "disabled" in run_cli(monkeypatch, capsys, database_url, "users", "disable", name)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    run_cli(monkeypatch, capsys, database_url, "users", "enable", name)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401  # that session stays ended
    assert sign_in(client, name)
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "users", "disable", "nobody-at-all")
    assert "no user" in capsys.readouterr().err


def test_users_add_an_admin_belongs_to_no_commune(monkeypatch, capsys, database_url, client, world):
    name = f"tinh-{uuid.uuid4().hex[:6]}"
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "users", "add", name, "--role", "admin", "--password", PASSWORD,
                "--commune", world.code)  # fmt: skip
    assert "no commune" in capsys.readouterr().err
    run_cli(monkeypatch, capsys, database_url, "users", "add", name, "--role", "admin", "--password", PASSWORD)
    headers = {"Authorization": f"Bearer {sign_in(client, name)}"}
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["role"] == "admin" and me["commune_id"] is None
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "users", "add", f"x-{name}", "--role", "clerk", "--password",
                PASSWORD, "--commune", "no-such-commune")  # fmt: skip
    assert "unknown commune" in capsys.readouterr().err
