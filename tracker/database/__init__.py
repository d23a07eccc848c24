"""PostgreSQL connections: the pool's health check without a round trip per request, and
prepared statements for the hottest hand-written queries (:func:`prepared_cursor`).

Django's pool (``CONN_HEALTH_CHECKS`` with ``OPTIONS["pool"]``) checks every connection it hands
out with ``psycopg_pool.ConnectionPool.check_connection``: an empty query, one round trip to
PostgreSQL on every request, whatever the request does. On the bench's list page that was a third
of the request's round trips (docs/PERFORMANCE.md, section 26).

What the check exists for is a connection that died while it sat in the pool: PostgreSQL
restarted, an administrator's ``pg_terminate_backend``, an idle timeout on the server. In each of
those the server says so on the socket before it closes it (an error message, then end of file),
so the socket of a dead pooled connection is *readable*, while a healthy idle connection has
nothing to read. Asking the kernel whether the socket is readable costs one ``poll`` system call.

So: a socket with nothing to read is handed out at once; a readable one (a dead connection, or
the rare harmless asynchronous message such as a ``NOTICE``) gets psycopg's full check, which
raises for a dead one so that the pool discards it and tries the next. What this cannot see is a
peer that vanished without a word (a cable pulled, a host gone): then the first query fails and the
request answers 503 (tracker/db_faults.py), exactly as a query that fails mid-request does, and the
pool replaces the broken connection when it comes back.
"""

from __future__ import annotations

import select
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper
from psycopg_pool import ConnectionPool


def check_pooled_connection(connection: Any) -> None:
    """``check`` callback of the psycopg pool (tracker/settings.py): raise if ``connection`` is
    not usable, else return."""
    if connection.closed or connection.broken:
        raise ConnectionError("the pooled connection is closed")
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        # Something arrived while the connection sat idle; most likely the server's goodbye.
        ConnectionPool.check_connection(connection)


def prepared_cursor(alias: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """A cursor for a hot statement: on PostgreSQL, one whose statements become prepared
    statements on a pooled connection once they have run there ``settings.PREPARE_AFTER``
    times, so that PostgreSQL plans them once and then only executes them; elsewhere the usual
    cursor. (PostgreSQL may then settle on a generic plan; docs/PERFORMANCE.md, section 26,
    shows the plans it chose for the bench's statements.)

    For statements whose planning costs as much as running them: plan progress and plan
    analytics spent 0.35 to 0.54 ms planning their one statement and 0.5 to 0.8 ms running it
    (docs/PERFORMANCE.md, section 26). Name the columns in such a statement (no ``SELECT *``):
    a prepared statement whose result columns change under it fails until re-prepared.
    Prepared statements live in the server session, so a pooler in front of PostgreSQL must keep
    them (PgBouncer ≥ 1.21 with ``max_prepared_statements``), or ``DB_PREPARED_STATEMENTS=false``
    turns them off (docs/PRODUCTION.md).
    """
    connection = connections[alias]
    make = getattr(connection, "prepared_cursor", None)
    return make() if make is not None else connection.cursor()
