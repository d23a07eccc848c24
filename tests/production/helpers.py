"""What the production-behaviour tests share: the small rate budgets their conftest sets, live
gunicorn servers on a port of their own, and commands run as the postgres user."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import port_open

READ_LIMIT = 5
WRITE_LIMIT = 3

BASE_DIR = Path(__file__).resolve().parents[2]


def server_env(redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "tests.production.server_settings",
        "SECRET_KEY": "live-test-secret-key-" + "k" * 40,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": redis_url,
        "TEST_CACHE_PREFIX": prefix,
        "DATABASE_URL": f"sqlite:///{BASE_DIR / 'var' / 'live-test.sqlite3'}",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "USE_JSON_LOGS": "true",
        "LOG_DIR": str(BASE_DIR / "var" / "live-test-logs"),
    }
    env.update(extra)
    return env


@contextmanager
def gunicorn(port: int, env: dict[str, str]):
    env = {**env, "PORT": str(port)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tracker.wsgi:application",
            "--config",
            "gunicorn.conf.py",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn on {port} did not start: {process.stderr.read()}")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def http_request(port, method, path, body=None, headers=None, timeout=15):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=False)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


PG_BIN = Path("/usr/lib/postgresql/15/bin")


def as_postgres(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )
