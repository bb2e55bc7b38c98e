"""Real `postal-tracker serve` processes, started as an operator starts them, for tests that need
several of them, a kill -9, or the server's own handling of forwarded headers.

    with ServeProcess(env) as server:
        httpx.get(server.url + "/health")
        server.kill()            # SIGKILL: no shutdown hook runs
        server.start()           # the same port again
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

CLI = [sys.executable, "-m", "postal_tracker.cli"]
REDIS_URL = os.environ.get("POSTAL_TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url_or_skip() -> str:
    """The test Redis (127.0.0.1:6379 unless POSTAL_TRACKER_TEST_REDIS_URL says otherwise)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"these tests need Redis at {REDIS_URL} (set POSTAL_TRACKER_TEST_REDIS_URL)")
    finally:
        client.close()
    return REDIS_URL


def unique_redis_prefix() -> str:
    """Keys of one test run only: other runs share the same Redis at the same time."""
    return f"pt-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def drop_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)
    finally:
        client.close()


class ServeProcess:
    def __init__(self, env: dict[str, str], *extra_args: str, host: str = "127.0.0.1") -> None:
        self.env = {**os.environ, "POSTAL_TRACKER_LOG_LEVEL": "WARNING", **env}
        self.extra_args = extra_args
        self.host = host
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> ServeProcess:
        args = [*CLI, "serve", "--host", self.host, "--port", str(self.port), *self.extra_args]
        # Its own process group, so a kill reaches uvicorn's worker processes too.
        self.process = subprocess.Popen(
            args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("serve did not become ready in time")

    def kill(self) -> None:
        """kill -9 of the whole process group: nothing gets to finish or flush."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def _close(self) -> None:
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
