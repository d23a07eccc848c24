"""Reading a ``values_list`` queryset fast: psycopg's C loader for ``timestamptz``.

Django registers its own ``timestamptz`` loader on every PostgreSQL connection, a Python subclass
of psycopg's that only swaps the result's ``tzinfo`` for Django's UTC object; being a subclass, it
cannot use psycopg's C parser. On a 50-run page (three datetimes a row) it was 0.9 ms of a
request's 7.7 ms in-process (docs/PERFORMANCE.md, section 24). The datetimes psycopg's own C
loader returns are the same instants in the connection's time zone (Django sets it to UTC), so
everything downstream that converts to the current time zone and formats them prints the same
text.

The loader is registered on the one cursor that runs the query, through psycopg's public
adapters API: the connection, and every other query on it, keep Django's loader. Django's field
converters still run (JSONField parses its text there), so the rows are exactly what iterating
the queryset would give, apart from the ``tzinfo`` object of each datetime.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable


def fetch_rows(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list()`` queryset, as tuples, read with C loaders on PostgreSQL.

    Other querysets, and other databases, are simply iterated."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or queryset._iterable_class is not ValuesListIterable:
        return list(queryset)
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a filter no row can match (``.none()``, ``IN ()``): no query
        return []
    return compiled_rows(compiler, sql, params, connection.cursor())


def compiled_rows(
    compiler: Any, sql: str, params: Any, cursor: CursorWrapper
) -> list[tuple[Any, ...]]:
    """Run ``compiler``'s ``sql`` with ``params`` on ``cursor`` (a PostgreSQL cursor) and give
    its rows through the compiler's converters, ``timestamptz`` read by psycopg's C loader.
    Also what tracker/statements.py's compiled statements run through."""
    # Imported here: psycopg is only installed where PostgreSQL is used.
    from psycopg.types.datetime import TimestamptzLoader

    with cursor:
        # psycopg swaps a loader class of its own for its C implementation when registered.
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return list(compiler.results_iter(results=[fetched], tuple_expected=True))


def iso_datetime(value: datetime, tz: tzinfo) -> str:
    """What DRF's ``DateTimeField`` prints for an aware datetime in time zone ``tz``: ISO 8601,
    ``Z`` for UTC. Used by the lean read paths, which build bodies without DRF's fields."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
