"""The `postal-tracker` command, run as a user runs it, against both databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from postal_tracker.cli import main
from tests.builders import free_port


def run_cli(monkeypatch, capsys, database_url, *args):
    monkeypatch.setenv("POSTAL_TRACKER_DATABASE_URL", database_url)
    main(list(args))
    return capsys.readouterr().out


def test_migrations_match_the_models(database):
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_db_upgrade_is_repeatable(monkeypatch, capsys, database_url):
    assert "up to date" in run_cli(monkeypatch, capsys, database_url, "db", "upgrade")
    assert "up to date" in run_cli(monkeypatch, capsys, database_url, "db", "upgrade")


def test_users_add_then_login(monkeypatch, capsys, database_url, client):
    name = f"thu-{os.urandom(3).hex()}"
    out = run_cli(
        monkeypatch, capsys, database_url, "users", "add", name, "--role", "clerk", "--password", "mật khẩu dài"
    )
    assert name in out
    answer = client.post("/api/v1/auth/token", json={"username": name, "password": "mật khẩu dài"})
    assert answer.status_code == 200 and answer.json()["role"] == "clerk"
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "users", "add", name, "--role", "clerk", "--password", "x" * 9)


def test_apikeys_add_prints_the_key_alone_on_its_last_line(monkeypatch, capsys, database_url, client):
    out = run_cli(monkeypatch, capsys, database_url, "apikeys", "add", "cổng dịch vụ công")
    key = out.strip().splitlines()[-1]
    assert key.startswith("pt_") and " " not in key
    assert client.get("/api/v1/procedures", headers={"X-API-Key": key}).status_code == 200


def test_demo_then_serve_answers_over_real_http(tmp_path):
    env = {**os.environ, "POSTAL_TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    cli = [sys.executable, "-m", "postal_tracker.cli"]
    demo = subprocess.run([*cli, "demo"], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "demo user: clerk" in demo.stdout
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "clerk", "password": "demo-clerk-2026"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = httpx.get(f"{base}/api/v1/shipments", headers=headers).json()
        assert listed["total"] >= 5
        number = listed["items"][0]["tracking_no"]
        assert httpx.get(f"{base}/api/v1/track/{number}").json()["tracking_no"] == number
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_misspelt_variable_stops_the_command_naming_it(monkeypatch, capsys, database_url):
    monkeypatch.setenv("POSTAL_TRACKER_PUBLIC_RATE_LIMT", "100")
    with pytest.raises(SystemExit) as stopped:
        run_cli(monkeypatch, capsys, database_url, "db", "upgrade")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "error: unknown setting POSTAL_TRACKER_PUBLIC_RATE_LIMT; did you mean POSTAL_TRACKER_PUBLIC_RATE_LIMIT?\n"
    )


def test_serve_with_two_worker_processes_and_no_delivery_loop(tmp_path):
    env = {**os.environ, "POSTAL_TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'two.db'}"}
    cli = [sys.executable, "-m", "postal_tracker.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, capture_output=True, timeout=60, check=True)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--workers", "2", "--no-worker"], env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120  # two processes import everything; the machine may be busy
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else "serve stopped"
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve --workers 2 did not answer"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json() == {"status": "ready"}
    finally:
        server.terminate()
        server.wait(timeout=20)
