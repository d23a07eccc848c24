"""The benchmark's ceiling: the "50 newest runs of this runner" answer with no framework.

One raw psycopg query through a connection pool and orjson, under the same gunicorn settings as
the real app. It does no authentication, no throttling and no logging, so it bounds what any
framework could reach on this machine; the real endpoints are reported as a ratio to it.
"""

from __future__ import annotations

import os

import orjson
from psycopg_pool import ConnectionPool

QUERY = """
    SELECT id, plan_id, workout_id, started_at, timezone, distance_m, duration_s, elapsed_s,
           elevation_gain_m, avg_heart_rate, max_heart_rate, avg_cadence, perceived_effort, notes,
           source, created_at, updated_at
    FROM training_run WHERE runner_id = %s ORDER BY started_at DESC LIMIT 50
"""
COLUMNS = (
    "id",
    "plan",
    "workout",
    "started_at",
    "timezone",
    "distance_m",
    "duration_s",
    "elapsed_s",
    "elevation_gain_m",
    "avg_heart_rate",
    "max_heart_rate",
    "avg_cadence",
    "perceived_effort",
    "notes",
    "source",
    "created_at",
    "updated_at",
)

_pool: ConnectionPool | None = None


def _get_pool() -> ConnectionPool:
    global _pool
    if _pool is None:  # opened lazily so each gunicorn worker gets its own after fork
        dsn = os.environ["DATABASE_URL"].replace("postgresql://", "postgres://", 1)
        _pool = ConnectionPool(dsn, min_size=1, max_size=4, open=True)
    return _pool


def app(environ, start_response):
    runner_id = int(os.environ.get("BENCH_RUNNER_ID", "1"))
    with _get_pool().connection() as conn:
        rows = conn.execute(QUERY, (runner_id,)).fetchall()
    results = []
    for row in rows:
        item = dict(zip(COLUMNS, row, strict=True))
        item["pace_s_per_km"] = item["duration_s"] / (item["distance_m"] / 1000)
        results.append(item)
    body = orjson.dumps({"count": len(results), "next": None, "previous": None, "results": results})
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
