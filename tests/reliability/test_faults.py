"""Faults injected into real services (issue 9, marker ``services``). The shared PostgreSQL on
5432 and the shared Redis on 6379 are never touched: each test starts a private server on this
branch's ports (8180-8189) and stops it.

- Redis stopped while the API serves: requests keep succeeding without limits (fail open), the
  fault is logged once and shown by /health/ready, and limits resume by themselves once Redis is
  back.
- PostgreSQL stopped in the middle of a write load against a real gunicorn: requests during the
  outage answer 503 JSON, requests after the restart succeed without restarting the worker, and
  every run that was answered 201 is in the database afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from tests.helpers import port_open, skip_or_fail
from tracker import throttling
from tracker.throttling import cache_health

pytestmark = pytest.mark.services

REDIS_PORT = 8187
PG_PORT = 8185
PG_APP_PORT = 8186
READ_LIMIT = 5


# --- Redis ----------------------------------------------------------------------------------------


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server is not installed")
    if port_open("127.0.0.1", REDIS_PORT):
        skip_or_fail(f"port {REDIS_PORT} is busy")
    server = PrivateRedis(REDIS_PORT)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.django_db
def test_redis_outage_fails_open_logs_reports_and_limits_resume(
    private_redis, runner, caplog, monkeypatch
):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # After a fault the throttles leave the cache alone for a while; a short pause keeps the test
    # quick without changing the behaviour under test.
    monkeypatch.setattr(throttling, "CACHE_RETRY_AFTER_S", 1)
    rates = {"read": f"{READ_LIMIT}/minute", "write": "100/minute"}
    client = APIClient()
    client.force_authenticate(runner)
    cache_health.reset()
    with (
        override_settings(CACHES=caches),
        mock.patch.object(api_settings, "DEFAULT_THROTTLE_RATES", rates),
        caplog.at_level("WARNING", logger="tracker.throttling"),
    ):
        # Redis up: the budget counts down and the request after it is 429.
        first = client.get("/api/v1/runs")
        assert (first.status_code, first["X-RateLimit-Limit"]) == (200, str(READ_LIMIT))
        statuses = [client.get("/api/v1/runs").status_code for _ in range(READ_LIMIT)]
        assert statuses == [200] * (READ_LIMIT - 1) + [429]

        private_redis.stop()
        during = [client.get("/api/v1/runs") for _ in range(READ_LIMIT * 3)]
        assert [r.status_code for r in during] == [200] * (READ_LIMIT * 3)  # fail open
        ready = client.get("/health/ready")
        assert ready.status_code == 200  # the database is fine, so still ready
        assert ready.json()["rate_limiting"]["status"] == "fail-open"
        assert ready.json()["rate_limiting"]["last_cache_fault"]
        disabled = [r for r in caplog.records if "rate limiting disabled" in r.getMessage()]
        assert len(disabled) == 1  # logged once, not once per request

        private_redis.start()  # empty again: a fresh budget
        time.sleep(1.1)  # the throttles' pause after a fault
        back = [client.get("/api/v1/runs") for _ in range(READ_LIMIT + 1)]
        assert [r.status_code for r in back] == [200] * READ_LIMIT + [429]
        assert back[0]["X-RateLimit-Remaining"] == str(READ_LIMIT - 1)
        assert any("rate limiting restored" in r.getMessage() for r in caplog.records)
        assert client.get("/health/ready").json()["rate_limiting"]["status"] == "active"
    cache_health.reset()


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.fixture
def private_postgres():
    """A throw-away cluster on PG_PORT, as tests/production/test_live_servers.py builds one."""
    from tests.production.helpers import PG_BIN, as_postgres

    if not (PG_BIN / "initdb").exists() or not shutil.which("runuser"):
        skip_or_fail("needs PostgreSQL 15 binaries and runuser to run a private cluster")
    if port_open("127.0.0.1", PG_PORT):
        skip_or_fail(f"port {PG_PORT} is busy")
    root = Path(tempfile.mkdtemp(prefix="tracker-rel-pg-"))
    shutil.chown(root, "postgres")
    data = root / "data"
    as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {PG_PORT} -k {root} -c listen_addresses=127.0.0.1"
    pg_ctl = str(PG_BIN / "pg_ctl")

    def start() -> None:
        as_postgres(pg_ctl, "-D", str(data), "-o", options, "-l", f"{root}/log", "-w", "start")

    def stop() -> None:
        as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        yield start, stop
    finally:
        as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_stopped_mid_load_503s_then_recovers_and_keeps_every_201(private_postgres):
    import psycopg

    from tests.production.helpers import BASE_DIR, gunicorn, http_request, server_env

    start_db, stop_db = private_postgres
    if port_open("127.0.0.1", PG_APP_PORT):
        skip_or_fail(f"port {PG_APP_PORT} is busy")
    database_url = f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres"
    env = server_env("", "", DATABASE_URL=database_url, RATE_LIMIT_WRITE="100000/minute")
    env.pop("REDIS_URL")  # the in-process cache: this test is about the database alone

    def manage(*args: str) -> str:
        done = subprocess.run(
            [str(BASE_DIR / ".venv" / "bin" / "python"), "manage.py", *args],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate", "--no-input")
    token = manage(
        "shell", "-c",
        "from django.contrib.auth.models import User; from knox.models import AuthToken; "
        "u = User.objects.create_user('loader', password='x' * 20); "
        "print(AuthToken.objects.create(u)[1])",
    ).strip().splitlines()[-1]  # fmt: skip
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    body = json.dumps(
        {"started_at": "2026-01-06T07:00:00Z", "distance_m": 5000, "duration_s": 1500}
    )

    results: list[tuple[float, int, bytes]] = []
    stop_load = threading.Event()

    def load() -> None:
        while not stop_load.is_set():
            try:
                status, _, content = http_request(
                    PG_APP_PORT, "POST", "/api/v1/runs", body, headers, timeout=20
                )
            except OSError as exc:  # a dropped connection would be a failure: recorded
                status, content = 0, str(exc).encode()
            results.append((time.monotonic(), status, content))
            time.sleep(0.05)

    with gunicorn(PG_APP_PORT, env):
        workers = [threading.Thread(target=load) for _ in range(3)]
        for worker in workers:
            worker.start()
        try:
            time.sleep(3)
            stop_db()
            down_at = time.monotonic()
            time.sleep(6)
            start_db()
            up_at = time.monotonic()
            deadline = up_at + 25
            while time.monotonic() < deadline:
                if any(t > up_at and status == 201 for t, status, _ in list(results)):
                    break
                time.sleep(0.5)
            time.sleep(2)
        finally:
            stop_load.set()
            for worker in workers:
                worker.join(30)

    statuses = [status for _, status, _ in results]
    assert set(statuses) <= {201, 503}, sorted(set(statuses))
    outage = [(s, c) for t, s, c in results if down_at + 1 < t < up_at]
    assert outage and all(s == 503 for s, _ in outage), outage[:3]
    for _, content in outage:
        error = json.loads(content)
        assert error["type"] == "server_error" and error["errors"][0]["code"]
    assert any(t > up_at and s == 201 for t, s, _ in results), "no write succeeded after restart"
    accepted = {json.loads(c)["id"] for _, s, c in results if s == 201}
    with psycopg.connect(database_url) as connection:
        stored = {str(row[0]) for row in connection.execute("SELECT id FROM training_run")}
    assert accepted <= stored, f"{len(accepted - stored)} accepted runs are missing"
    print(
        f"\nPostgreSQL outage under load: {len(results)} requests, {statuses.count(201)} x 201 "
        f"(all {len(accepted)} found in the database), {statuses.count(503)} x 503"
    )
