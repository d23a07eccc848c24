"""The pool's health check (tracker.database.py): a healthy pooled connection is handed out without
a query, a connection the server closed while it sat in the pool is found and replaced."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from psycopg_pool import ConnectionPool

from analytics.selectors import runner_summary, visible_plan_state
from tests.factories import PlanFactory, RunFactory
from tracker.database import check_pooled_connection

pytestmark = pytest.mark.skipif(
    connections["default"].vendor != "postgresql", reason="the pool is PostgreSQL's"
)


@pytest.fixture
def conninfo() -> str:
    # The server's maintenance database: the check needs a server, not the test tables.
    params = connections["default"].get_connection_params()
    return psycopg.conninfo.make_conninfo(
        host=params.get("host", ""),
        port=str(params.get("port", "")),
        user=params.get("user", ""),
        dbname="postgres",
    )


@pytest.fixture
def full_checks(monkeypatch) -> list[object]:
    """The connections given psycopg's round-trip check, which still runs as before."""
    seen: list[object] = []
    real_check = ConnectionPool.check_connection

    def counted(connection: object) -> None:
        seen.append(connection)
        real_check(connection)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return seen


@pytest.fixture
def pool(conninfo):
    with ConnectionPool(
        conninfo, min_size=1, max_size=1, check=check_pooled_connection, timeout=5
    ) as opened:
        yield opened


def _backend_pid(pool: ConnectionPool) -> int:
    with pool.connection() as connection:
        row = connection.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        return int(row[0])


def test_the_settings_pool_checks_with_it():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is False  # no round trip
    assert connections["default"].pool._check is check_pooled_connection


def test_a_healthy_pooled_connection_is_handed_out_without_a_round_trip(pool, full_checks):
    first = _backend_pid(pool)
    assert _backend_pid(pool) == first  # the same connection, reused
    assert full_checks == []


def test_a_connection_the_server_closed_is_replaced_before_a_request_sees_it(
    pool, conninfo, full_checks
):
    doomed_pid = _backend_pid(pool)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [doomed_pid])
    # The server's goodbye reaches the idle connection's socket (as on a restart).
    idle = pool._pool[0]  # the one pooled connection, idle
    deadline = time.monotonic() + 5
    while not select.select([idle.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the terminated connection never became readable"

    replacement_pid = _backend_pid(pool)

    assert replacement_pid != doomed_pid
    assert full_checks == [idle]  # only the readable connection cost a round trip


def test_a_closed_connection_is_refused_without_asking_the_server(conninfo, full_checks):
    connection = psycopg.connect(conninfo, autocommit=True)
    connection.close()
    with pytest.raises(ConnectionError):
        check_pooled_connection(connection)
    assert full_checks == []


def _prepared_statements_like(pattern: str) -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [pattern]
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_the_plan_state_statement_is_planned_once_per_connection(runner):
    plan = PlanFactory(runner=runner)
    for _ in range(settings.PREPARE_AFTER + 1):
        assert visible_plan_state(runner, plan.pk) is not None
    assert _prepared_statements_like("%WITH visible_plan AS%") == 1


@pytest.mark.django_db
def test_the_personal_bests_statement_is_planned_once_per_connection(runner):
    RunFactory(runner=runner)
    for _ in range(settings.PREPARE_AFTER + 1):
        runner_summary(runner=runner, date_from=None, date_to=None)
    assert _prepared_statements_like("%AS recent%") == 1


@pytest.mark.parametrize(("setting", "threshold"), [(None, "5"), ("false", "None")])
def test_prepared_statements_can_be_turned_off_for_a_pooler(setting, threshold):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tracker.settings_test",
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
    }
    if setting is not None:
        env["DB_PREPARED_STATEMENTS"] = setting
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == threshold
