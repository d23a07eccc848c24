"""Against real services (marker ``services``): real Redis shared by concurrent threads and by two
gunicorn processes, chunked bodies over real HTTP, and a real PostgreSQL that stops and starts.

Redis: only keys under a random prefix are written and deleted — the database is never flushed.
PostgreSQL: a private cluster in a temporary directory on a port of its own, never the shared
server on 5432.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from rest_framework.settings import api_settings

from tests.helpers import port_open, skip_or_fail
from tests.production.helpers import (
    BASE_DIR,
    PG_BIN,
    as_postgres,
    gunicorn,
    http_request,
    server_env,
)

pytestmark = [pytest.mark.services, pytest.mark.urls("tests.production.urls")]

OPEN = "/api/v1/probe/open"
# This branch's port range is 8130-8139.
SERVER_PORTS = (8130, 8131)
CHUNKED_PORT = 8132
PG_PORT = 8135
PG_APP_PORT = 8136


def _wait_for_window_room(window_s: int, needed_s: float = 20) -> None:
    """Fixed windows: start a counting test far enough from a boundary that it fits in one."""
    left = window_s - time.time() % window_s
    if left < needed_s:
        time.sleep(left + 0.1)


@pytest.fixture
def redis_prefix(redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)


def test_fifty_concurrent_requests_against_a_limit_of_twenty_admit_exactly_twenty(
    redis_url, redis_prefix
):
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": redis_prefix,
        }
    }
    rates = {"read": "20/hour", "write": "20/hour"}
    _wait_for_window_room(3600)
    with override_settings(CACHES=redis_cache), pytest.MonkeyPatch.context() as mp:
        mp.setattr(api_settings, "DEFAULT_THROTTLE_RATES", rates)
        caches["default"].get("warm-up")  # connect once before the threads race
        barrier = threading.Barrier(50)
        statuses: list[int] = []
        remaining: list[int] = []
        lock = threading.Lock()

        def one_request() -> None:
            client = Client(REMOTE_ADDR="10.50.0.1")
            barrier.wait()
            response = client.get(OPEN)
            with lock:
                statuses.append(response.status_code)
                remaining.append(int(response["X-RateLimit-Remaining"]))

        threads = [threading.Thread(target=one_request) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert statuses.count(200) == 20
    assert statuses.count(429) == 30
    # Each admitted request saw a different count: 19, 18, ... 0 left, no duplicates.
    admitted_remaining = sorted(r for s, r in zip(statuses, remaining, strict=True) if s == 200)
    assert admitted_remaining == list(range(20))


# --- live gunicorn servers ----------------------------------------------------------------------


def test_two_server_processes_share_one_budget(redis_url, redis_prefix):
    for port in SERVER_PORTS:
        if port_open("127.0.0.1", port):
            skip_or_fail(f"port {port} is busy")
    env = server_env(redis_url, redis_prefix, RATE_LIMIT_READ="6/hour")
    _wait_for_window_room(3600)
    with gunicorn(SERVER_PORTS[0], env) as first, gunicorn(SERVER_PORTS[1], env) as second:
        assert first.pid != second.pid
        results = []
        for i in range(8):
            port = SERVER_PORTS[i % 2]  # alternate between the two processes
            status, headers, _ = http_request(port, "GET", OPEN)
            results.append((status, int(headers["X-RateLimit-Remaining"])))
    assert results == [
        (200, 5),
        (200, 4),
        (200, 3),
        (200, 2),
        (200, 1),
        (200, 0),
        (429, 0),
        (429, 0),
    ]


def test_chunked_bodies_over_real_http_are_limited_and_parsed(redis_url, redis_prefix):
    if port_open("127.0.0.1", CHUNKED_PORT):
        skip_or_fail(f"port {CHUNKED_PORT} is busy")
    env = server_env(redis_url, redis_prefix, MAX_REQUEST_SIZE="1000")

    def chunks(payload: bytes, size: int = 100):
        for start in range(0, len(payload), size):
            yield payload[start : start + size]

    def post_chunked(payload: bytes):
        conn = http.client.HTTPConnection("127.0.0.1", CHUNKED_PORT, timeout=15)
        try:
            conn.putrequest("POST", OPEN)
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for piece in chunks(payload):
                conn.send(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    with gunicorn(CHUNKED_PORT, env):
        small = json.dumps({"name": "chunked"}).encode()
        status, body = post_chunked(small)
        assert status == 200, body
        assert json.loads(body) == {"name": "chunked", "size": len(small)}
        big = json.dumps({"name": "x" * 5000}).encode()
        status, body = post_chunked(big)
        assert status == 413
        assert json.loads(body)["errors"][0]["code"] == "request_too_large"
        # And the same body with a Content-Length is refused before it is read.
        status, _, body = http_request(
            CHUNKED_PORT, "POST", OPEN, big, {"Content-Type": "application/json"}
        )
        assert status == 413


# --- a real PostgreSQL that goes away and comes back --------------------------------------------


@pytest.fixture
def private_postgres():
    """A throw-away cluster on PG_PORT (trust auth on 127.0.0.1) owned by the postgres user."""
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or not shutil.which("runuser"):
        skip_or_fail("needs root and PostgreSQL 15 binaries to run a private cluster")
    if port_open("127.0.0.1", PG_PORT):
        skip_or_fail(f"port {PG_PORT} is busy")
    root = Path(tempfile.mkdtemp(prefix="tracker-prod-pg-"))
    shutil.chown(root, "postgres")
    data = root / "data"
    as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {PG_PORT} -k {root} -c listen_addresses=127.0.0.1"

    def start():
        as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", f"{root}/log", "-w",
            "start",
        )  # fmt: skip

    def stop():
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        yield start, stop
    finally:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def _timed(port, path):
    started = time.monotonic()
    status, headers, body = http_request(port, "GET", path, timeout=30)
    return status, headers, body, time.monotonic() - started


def test_a_real_postgresql_outage_answers_503_fast_and_recovers_without_restart(
    private_postgres, redis_url, redis_prefix
):
    start_db, stop_db = private_postgres
    if port_open("127.0.0.1", PG_APP_PORT):
        skip_or_fail(f"port {PG_APP_PORT} is busy")
    env = server_env(
        redis_url,
        redis_prefix,
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres",
        RATE_LIMIT_READ="1000/minute",
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    with gunicorn(PG_APP_PORT, env):
        status, _, body, _ = _timed(PG_APP_PORT, "/health")
        assert status == 200, body
        assert _timed(PG_APP_PORT, "/api/v1/probe/db")[0] == 200

        stop_db()
        for path in ("/health", "/api/v1/probe/db", "/health/ready"):
            status, headers, body, elapsed_s = _timed(PG_APP_PORT, path)
            assert elapsed_s < 10, (path, elapsed_s)
            assert status == 503, (path, body)
            assert headers["Content-Type"] == "application/json"
        assert json.loads(_timed(PG_APP_PORT, "/health")[2])["database"] == "disconnected"
        # Keep the outage going long enough for the pool to back off between attempts.
        time.sleep(12)

        start_db()
        back_at = time.monotonic()
        while True:
            status, _, _, _ = _timed(PG_APP_PORT, "/health")
            if status == 200:
                break
            assert time.monotonic() - back_at < 20, "no recovery within 20 s"
            time.sleep(0.5)
        recovered_s = time.monotonic() - back_at
        assert _timed(PG_APP_PORT, "/api/v1/probe/db")[0] == 200
    print(f"recovered {recovered_s:.1f} s after PostgreSQL came back")
