"""The PostgreSQL backend the settings name (``ENGINE = "tracker.database"``): django-prometheus's
wrapper, plus the pool check and the prepared statements of :mod:`tracker.database`."""

from __future__ import annotations

import functools
from typing import Any

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.utils import CursorWrapper
from django_prometheus.db.backends.postgresql.base import (
    DatabaseWrapper as PrometheusDatabaseWrapper,
)
from django_prometheus.db.common import ExportingCursorWrapper

from tracker.database import check_pooled_connection


@functools.cache
def exporting_cursor_class(cursor_class: type, alias: str, vendor: str) -> type:
    """django-prometheus's counting cursor class for ``cursor_class``, built once. Its
    ``ExportingCursorWrapper`` builds a new class on every call, and its backend calls it for
    every connection checkout from the pool, as does ``prepared_cursor`` below for every hot
    statement: two to seven class builds a request (about 15 µs each, and a new class starts
    with a cold attribute cache), seen in the 304's and the summary's profiles
    (docs/PERFORMANCE.md, section 35)."""
    return ExportingCursorWrapper(cursor_class, alias, vendor)


class DatabaseOperations(PostgresOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        # Django reads the client-bound cursor's query text; a prepared_cursor() binds on the
        # server and has none, so the query log (DEBUG, tests capturing queries) composes it.
        shown = super().last_executed_query(cursor, sql, params)
        return str(self.compose_sql(sql, params)) if shown is None else shown


class DatabaseWrapper(PrometheusDatabaseWrapper):  # type: ignore[misc]
    ops_class = DatabaseOperations

    @property
    def pool(self) -> Any:
        # Django builds the pool with psycopg's round-trip check when CONN_HEALTH_CHECKS is on
        # and with none when it is off, and takes no check of one's own (a ``check`` in
        # OPTIONS["pool"] is passed twice). So the settings turn CONN_HEALTH_CHECKS off and the
        # check is put in place here, where psycopg_pool keeps it, before the pool opens
        # (Django opens it on the first connection). tests/production/test_db_pool.py fails if
        # a psycopg_pool upgrade moves it.
        pool = super().pool
        if pool is not None and pool._check is None:
            pool._check = check_pooled_connection
        return pool

    def get_connection_params(self) -> dict[str, Any]:
        # As django-prometheus's, with its cursor class built once (``exporting_cursor_class``).
        params = PostgresDatabaseWrapper.get_connection_params(self)
        params["cursor_factory"] = exporting_cursor_class(
            params["cursor_factory"], self.alias, self.vendor
        )
        return params

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor like ``cursor()`` (query log, metrics, execute wrappers) whose statements are
        bound on the server, so that psycopg prepares each one once per connection when
        ``OPTIONS["prepare_threshold"]`` allows it (tracker/settings.py)."""
        self.ensure_connection()
        raw = self.connection
        client_factory = raw.cursor_factory
        raw.cursor_factory = exporting_cursor_class(ServerBindingCursor, self.alias, self.vendor)
        try:
            return self.cursor()
        finally:
            raw.cursor_factory = client_factory
