"""docker/compose.yaml as a deployment: what each service is, and that the web instances trust
the proxy and only it. No Docker engine runs on these machines, so nothing is started here;
`docker compose config` (or `docker-compose config`) checks the file where the tool is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from postal_tracker.settings import Settings

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def _compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_postgres_redis_two_web_instances_behind_a_proxy_and_the_worker():
    services = _compose()["services"]
    assert set(services) == {"db", "redis", "migrate", "web1", "web2", "worker", "proxy"}
    proxy_address = services["proxy"]["networks"]["internal"]["ipv4_address"]
    for name in ("web1", "web2"):
        web = services[name]
        env = web["environment"]
        assert env["POSTAL_TRACKER_TRUSTED_PROXIES"] == proxy_address
        assert env["POSTAL_TRACKER_REDIS_URL"] == "redis://redis:6379/0"
        assert "--no-worker" in web["command"] and "serve" in web["command"]
        assert web["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["worker"]["command"] == ["postal-tracker", "worker"]
    for name in ("db", "redis", "web1", "web2", "proxy"):
        assert services[name]["healthcheck"]["test"], name
    assert {"pgdata", "redisdata"} <= set(_compose()["volumes"])
    caddyfile = (DOCKER / "Caddyfile").read_text()
    assert "reverse_proxy web1:8000 web2:8000" in caddyfile


def test_every_setting_in_the_file_is_one_the_service_knows():
    env = {k: v for k, v in _compose()["services"]["web1"]["environment"].items() if "${" not in str(v)}
    settings = Settings.from_env(env)
    assert settings.instances.trusted_proxies == ("172.28.0.10",)
    assert settings.instances.redis_url == "redis://redis:6379/0"


def _compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_docker_compose_config_accepts_the_file():
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")
    env = {**os.environ, "POSTAL_TRACKER_JWT_SECRET": "s" * 48, "POSTAL_TRACKER_DATA_KEY": "k" * 44}
    checked = subprocess.run([*command, "-f", str(DOCKER / "compose.yaml"), "config", "-q"], env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    refused = subprocess.run([*command, "-f", str(DOCKER / "compose.yaml"), "config", "-q"],
                             env={k: v for k, v in env.items() if k != "POSTAL_TRACKER_JWT_SECRET"},
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert refused.returncode != 0 and "32+ characters" in refused.stderr + refused.stdout
