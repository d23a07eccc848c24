"""Querysets compiled once per shape, then run as prepared statements (docs/PERFORMANCE.md, 27).

On the hottest read paths, building a queryset and compiling it to SQL cost more than running it:
``GET /runs/{id}`` spent four fifths of its view's time in ``get_queryset`` and the compiler,
for a statement PostgreSQL answers in 0.02 ms. Yet the SQL of such a path depends only on a few
choices (is the caller a superuser, which ordering, what page size), and what changes from one
request to the next are a few values: an id, the caller's id.

:func:`compiled` builds and compiles the queryset **once** per *key* (the caller names the choices
the SQL depends on), with a distinct stand-in for each value. Where each stand-in landed among the
compiled parameters is remembered, so later calls only put the real values in those places
(:meth:`Statement.params`) and run the same SQL through :func:`tracker.database.prepared_cursor`,
which a connection prepares once it has run it a few times. Rows come back through the same
compiler's converters, so they are exactly what iterating the queryset would give.

A shape is refused (``None``: the caller takes the ORM path) when a stand-in is not found among the
parameters or shows up in the SQL text itself, when compiling shows no row can match, off
PostgreSQL, and for querysets this module does not turn into instances (``select_related``,
``prefetch_related``).

Values are ints and UUIDs (ids) and dates (days): anything else the SQL depends on belongs in the
key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

from tracker.database import prepared_cursor
from tracker.rows import compiled_rows

# Ids count up from 1, so a negative stand-in is never a real one. Within a 32-bit integer: the
# user's id is one (auth's AutoField), and Django turns a lookup outside a column's range into
# "no rows" (EmptyResultSet), which would refuse the shape.
_INT_STAND_IN = -2_031_000_000
_UUID_STAND_IN = 0x7A5C_0DE0_0000_0000_0000_0000_0000_0000
# Centuries before any day a run or a plan may have (training.models.EARLIEST_DATE).
_DATE_STAND_IN = date(1111, 1, 1)
_MAX_SHAPES = 512
_BOUND_KINDS = frozenset({int, uuid.UUID, date})


def _stand_in(kind: type, position: int) -> Any:
    if kind is int:
        return _INT_STAND_IN - position
    if kind is uuid.UUID:
        return uuid.UUID(int=_UUID_STAND_IN + position)
    if kind is date:
        return _DATE_STAND_IN + timedelta(days=position)
    raise TypeError(f"no stand-in for {kind.__name__}: put such a value in the key")


@dataclass(frozen=True)
class Statement:
    """A compiled queryset: its SQL, and for each parameter either the position of the value
    that goes there or the constant the queryset itself put there."""

    sql: str
    # (True, position of the value, the type the backend wrapped its stand-in in, or None) or
    # (False, the constant, None).
    bindings: tuple[tuple[bool, Any, type | None], ...]
    compiler: Any
    using: str

    def params(self, values: Sequence[Any]) -> list[Any]:
        return [
            (values[where] if wrap is None else wrap(values[where])) if is_value else where
            for is_value, where, wrap in self.bindings
        ]

    def rows(self, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of the queryset for ``values``, converted as the ORM converts them."""
        cursor = prepared_cursor(self.using)
        return compiled_rows(self.compiler, self.sql, self.params(values), cursor)

    def instances(self, values: Sequence[Any]) -> list[Model]:
        """The model instances of the queryset for ``values``, with its annotations, built as
        Django's ``ModelIterable`` builds them."""
        compiler = self.compiler
        klass_info = compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        attnames = [column[0].target.attname for column in compiler.select[start:end]]
        annotations = list(compiler.annotation_col_map.items())
        model = klass_info["model"]
        found = []
        for row in self.rows(values):
            instance = model.from_db(self.using, attnames, row[start:end])
            for name, position in annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found


_SHAPES: dict[Hashable, Statement | None] = {}


def compiled(
    key: Hashable,
    build: Callable[..., QuerySet[Any, Any]],
    kinds: Sequence[type],
    using: str = DEFAULT_DB_ALIAS,
) -> Statement | None:
    """The statement of ``build(*values)`` for values of ``kinds``, compiled on the first call
    for ``key``; ``None`` when this shape must take the ORM path (see the module's docstring).

    ``key`` must name everything the SQL depends on besides the values, and ``build`` must use
    each value only as a value (a filter's operand), never to choose what to build."""
    whole_key = (using, key)
    try:
        return _SHAPES[whole_key]
    except KeyError:
        pass
    statement = _compile(build, kinds, using)
    if len(_SHAPES) >= _MAX_SHAPES:
        _SHAPES.clear()
    _SHAPES[whole_key] = statement
    return statement


def compiled_rows_of(
    key: Hashable, build: Callable[..., QuerySet[Any, Any]], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The rows of ``build(*values)`` (a ``values_list`` queryset), through the statement
    compiled once for ``key`` (:func:`compiled`, the kinds taken from the values), or through
    the ORM where the shape is refused."""
    kinds = tuple(type(value) for value in values)
    # Anything but an id or a day (a datetime where a day was meant, say) takes the ORM path.
    if not set(kinds) <= _BOUND_KINDS:
        return list(build(*values))
    statement = compiled((key, kinds), build, kinds)
    if statement is None:
        return list(build(*values))
    return statement.rows(values)


def _is_stand_in(param: Any, stand_in: Any) -> bool:
    if type(param) is type(stand_in):
        return bool(param == stand_in)
    # An int subclass the backend wraps an integer in (psycopg's Int8 for a BigIntegerField).
    return type(stand_in) is int and isinstance(param, int) and int(param) == stand_in


def _compile(
    build: Callable[..., QuerySet[Any, Any]], kinds: Sequence[type], using: str
) -> Statement | None:
    if connections[using].vendor != "postgresql":
        return None
    stand_ins = [_stand_in(kind, position) for position, kind in enumerate(kinds)]
    queryset = build(*stand_ins)
    query = queryset.query
    if query.select_related or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        return None
    compiler = query.get_compiler(using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    bindings: list[tuple[bool, Any, type | None]] = []
    used = set()
    for param in params:
        position = next(
            (where for where, stand_in in enumerate(stand_ins) if _is_stand_in(param, stand_in)),
            None,
        )
        if position is None:
            bindings.append((False, param, None))
        else:
            # A bigint column's value comes wrapped (psycopg's Int8, so PostgreSQL is told its
            # type): the real value is wrapped the same way.
            wrap = None if type(param) is type(stand_ins[position]) else type(param)
            bindings.append((True, position, wrap))
            used.add(position)
    if len(used) != len(stand_ins) or any(str(stand_in) in sql for stand_in in stand_ins):
        return None
    return Statement(sql=sql, bindings=tuple(bindings), compiler=compiler, using=using)


@dataclass(frozen=True)
class Shape:
    """A view's queryset as a shape: ``key`` names what its SQL depends on besides ``values``
    (ids, of ``kinds``), ``building(*values)`` is a context manager giving the queryset for
    those values, and each :meth:`then` adds one more step (``values_list``, a page window) with
    the key of what that step depends on."""

    key: Hashable
    kinds: tuple[type, ...]
    values: tuple[Any, ...]
    building: Callable[..., AbstractContextManager[QuerySet[Any, Any]]]
    steps: tuple[Callable[[QuerySet[Any, Any]], QuerySet[Any, Any]], ...] = ()

    def then(
        self, key: Hashable, step: Callable[[QuerySet[Any, Any]], QuerySet[Any, Any]]
    ) -> Shape:
        return replace(self, key=(self.key, key), steps=(*self.steps, step))

    def _build(self, *values: Any) -> QuerySet[Any, Any]:
        with self.building(*values) as queryset:
            for step in self.steps:
                queryset = step(queryset)
            return queryset

    def rows(self, using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, ...]] | None:
        """The rows for this shape's values, or ``None`` when the shape takes the ORM path."""
        statement = compiled(self.key, self._build, self.kinds, using)
        return None if statement is None else statement.rows(self.values)
