"""The PostgreSQL backend the settings name (``ENGINE = "tracker.database"``): django-prometheus's
wrapper, plus the pool check and the prepared statements of :mod:`tracker.database`."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.utils import CursorWrapper
from django_prometheus.db.backends.postgresql.base import (
    DatabaseWrapper as PrometheusDatabaseWrapper,
)
from django_prometheus.db.common import ExportingCursorWrapper

from tracker.database import check_pooled_connection


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

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor like ``cursor()`` (query log, metrics, execute wrappers) whose statements are
        bound on the server, so that psycopg prepares each one once per connection when
        ``OPTIONS["prepare_threshold"]`` allows it (tracker/settings.py)."""
        self.ensure_connection()
        raw = self.connection
        client_factory = raw.cursor_factory
        raw.cursor_factory = ExportingCursorWrapper(ServerBindingCursor, self.alias, self.vendor)
        try:
            return self.cursor()
        finally:
            raw.cursor_factory = client_factory
