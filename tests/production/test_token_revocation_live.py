"""Two live gunicorn processes sharing one Redis and one database (marker ``services``): a token
both have verified and cached (tracker/authentication.py) is refused by both at once after a
logout on either, and every token of the user after a logout-all. knox's rows stay the source of
truth; the cache only spares the database the repeat verifications."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import redis

from tests.helpers import port_open, skip_or_fail
from tests.production.helpers import BASE_DIR, gunicorn, http_request, server_env

pytestmark = pytest.mark.services

# This branch's ports for the two servers.
PORTS = (8163, 8164)
PRIVATE = "/api/v1/probe/private"
MAKE_TOKENS = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from knox.models import AuthToken
user = get_user_model().objects.create_user("two-servers", password="x")
other = get_user_model().objects.create_user("bystander", password="x")
tokens = [AuthToken.objects.create(user=user, expiry=timedelta(hours=1))[1] for _ in range(3)]
print(json.dumps({"user": user.pk, "tokens": tokens,
                  "other": AuthToken.objects.create(user=other, expiry=timedelta(hours=1))[1]}))
"""


@pytest.fixture
def two_servers(redis_url):
    for port in PORTS:
        if port_open("127.0.0.1", port):
            skip_or_fail(f"port {port} is busy")
    prefix = f"test-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="tracker-revoke-") as scratch:
        database = Path(scratch) / "db.sqlite3"
        env = server_env(
            redis_url, prefix, DATABASE_URL=f"sqlite:///{database}", RATE_LIMIT_READ="1000/minute"
        )

        def manage(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert done.returncode == 0, done.stderr[-3000:]
            return done.stdout

        manage("migrate", "--no-input", "-v0")
        made = json.loads(manage("shell", "-c", MAKE_TOKENS).strip().splitlines()[-1])
        with gunicorn(PORTS[0], env) as first, gunicorn(PORTS[1], env) as second:
            assert first.pid != second.pid
            yield made
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def get(port: int, token: str) -> int:
    status, _, _ = http_request(port, "GET", PRIVATE, headers={"Authorization": f"Token {token}"})
    return status


def post(port: int, path: str, token: str) -> int:
    status, _, _ = http_request(port, "POST", path, headers={"Authorization": f"Token {token}"})
    return status


def test_logout_and_logout_all_revoke_at_once_on_both_server_processes(two_servers, redis_url):
    first, second = PORTS
    tokens, other = two_servers["tokens"], two_servers["other"]
    # Each token verified and served from the shared entry by both processes (each server runs
    # one worker, so these are two processes with their own memory).
    for token in [*tokens, other]:
        assert [get(port, token) for port in (first, second, first, second)] == [200] * 4
    entries = [
        key
        for key in redis.Redis.from_url(redis_url).scan_iter(match="*knox:*")
        if key.decode().startswith("test-")
    ]
    assert len(entries) >= 4  # the cache really holds them: revocation must go through it

    assert post(first, "/api/v1/auth/logout", tokens[0]) == 204
    assert [get(second, tokens[0]), get(first, tokens[0])] == [401, 401]
    assert [get(second, tokens[1]), get(first, tokens[1])] == [200, 200]  # only that token

    assert post(second, "/api/v1/auth/logout-all", tokens[1]) == 204
    for token in tokens[1:]:
        assert [get(first, token), get(second, token)] == [401, 401]
    assert [get(first, other), get(second, other)] == [200, 200]  # another user's token stays
