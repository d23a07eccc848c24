from collections.abc import Callable
from typing import Any

from django.db.models import IntegerField, QuerySet, Subquery
from django.db.models.query import ModelIterable, ValuesListIterable
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination as DRFLimitOffsetPagination
from rest_framework.request import Request

from tracker.rows import fetch_rows
from tracker.statements import Shape


class RowCount(Subquery):
    """``COUNT(*)`` of a queryset's rows, as a scalar subquery that can ride along another query.

    Uncorrelated, so PostgreSQL and SQLite evaluate it once per statement (an InitPlan), not
    per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted_rows)"
    output_field = IntegerField()


def page_total_expression(queryset: QuerySet[Any, Any], view: Any) -> Any:
    """The total of a list page as a scalar subquery riding along the page's statement: the
    view's own cheaper total when it knows one (a ``page_total(queryset)`` method returning an
    expression, or ``None`` when it cannot), else ``COUNT`` of the queryset's rows."""
    known = getattr(view, "page_total", None)
    total = known(queryset) if callable(known) else None
    return total if total is not None else RowCount(queryset.order_by().values("pk"))


class LimitOffsetPagination(DRFLimitOffsetPagination):
    """The project's one pagination: ``limit``/``offset``, 20 by default, at most 100.

    Unlike DRF's, nonsense is refused rather than silently replaced (issue 9, limit/offset
    abuse): a ``limit`` that is not a whole number ≥ 1 or an ``offset`` that is not a whole
    number ≥ 0 answers 400 naming the parameter, so a client never pages through the wrong
    window without knowing. A ``limit`` above 100 still clamps to 100 (docs/API.md, Lists, filters,
    ordering).
    """

    default_limit = 20
    max_limit = 100
    # The attribute each row of a page carries with the total (see paginate_queryset).
    total_alias = "pagination_total_count"
    _page: list[Any] | None = None

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        """The page and the total count in one query instead of DRF's two.

        Each row of the page carries the count of the whole (unsliced) queryset, computed in the
        same statement, so the count and the page also see the same snapshot. Only an empty
        page (past the end, or nothing at all) needs a separate ``COUNT``. Querysets this does
        not fit (not of model rows or ``values_list`` tuples, combined, distinct) take DRF's
        two-query path.

        A view reading only the columns its body shows (``page_row_columns`` on the view, or a
        ``values_list`` queryset) gets tuples back, the count taken off their end, read with
        ``fetch_rows``' C loaders.
        """
        if not self._can_count_along(queryset):
            self._page = super().paginate_queryset(queryset, request, view)
            return self._page
        self._begin(request)
        rows: list[tuple[Any, ...]] | None = None
        columns = getattr(view, "page_row_columns", None)
        if columns is not None:
            rows = fetch_rows(self._window(queryset.values_list(*columns), view))
        elif queryset._iterable_class is ValuesListIterable:
            rows = fetch_rows(self._window(queryset, view))
        if rows is not None:
            self.count = rows[0][-1] if rows else self.get_count(queryset)
            return self._finish([row[:-1] for row in rows])
        page = list(self._window(queryset, view))
        self.count = getattr(page[0], self.total_alias) if page else self.get_count(queryset)
        return self._finish(page)

    def paginate_shape(
        self, shape: Shape, request: Request, view: Any, count_rows: Callable[[], int]
    ) -> list[tuple[Any, ...]] | None:
        """The page as tuples read through ``shape`` (a tracker.statements ``Shape`` of the
        list's ``values_list`` queryset), the total riding along as in ``paginate_queryset``;
        ``count_rows()`` counts the list only when the page is empty. ``None`` when the shape
        takes the ORM path (then call ``paginate_queryset``)."""
        self._begin(request)
        window = shape.then(
            ("window", self.offset, self.limit), lambda queryset: self._window(queryset, view)
        )
        rows = window.rows()
        if rows is None:
            return None
        self.count = rows[0][-1] if rows else count_rows()
        return self._finish([row[:-1] for row in rows])

    def _begin(self, request: Request) -> None:
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)

    def _finish(self, page: list[Any]) -> list[Any]:
        if self.count > self.limit and self.template is not None:  # type: ignore[operator]
            self.display_page_controls = True
        self._page = page
        return page

    def _window(self, queryset: QuerySet[Any, Any], view: Any) -> QuerySet[Any, Any]:
        """The page's slice of ``queryset``, each row carrying the total."""
        counted = queryset.annotate(**{self.total_alias: page_total_expression(queryset, view)})
        offset, limit = int(self.offset or 0), int(self.limit or self.default_limit)
        return counted[offset : offset + limit]

    def get_paginated_response(self, data: Any) -> Any:
        """DRF's response, after letting go of the page's model instances.

        By now they are serialized into ``data``. The list serializer still holds the page, and it
        sits in a reference cycle with its child (DRF binds ``child.parent``), so the instances
        would live on until Python's cyclic garbage collector ran: on a 50-run page, 300 objects
        per request for it to trace. Emptying the page list frees them at once, by reference
        counting (docs/PERFORMANCE.md). Anything ``data`` refers to is unaffected.
        """
        page = self._page
        if page is not None:
            page.clear()
            self._page = None
        return super().get_paginated_response(data)

    @staticmethod
    def _can_count_along(queryset: Any) -> bool:
        if not isinstance(queryset, QuerySet) or queryset._iterable_class not in (
            ModelIterable,
            ValuesListIterable,
        ):
            return False
        query = queryset.query
        return not (query.combinator or query.distinct or query.is_sliced)

    @staticmethod
    def _whole_number(request: Request, name: str, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        # isdecimal() refuses signs, spaces and non-ASCII digits that int() would accept.
        if not (raw.isascii() and raw.isdecimal()) or len(raw) > 18 or int(raw) < minimum:
            raise ValidationError(
                {name: [f"Must be a whole number of at least {minimum}."]}, code="invalid"
            )
        return int(raw)

    def get_limit(self, request: Request) -> int:
        limit = self._whole_number(request, self.limit_query_param, 1)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return self._whole_number(request, self.offset_query_param, 0) or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum = 1 if parameter["name"] == self.limit_query_param else 0
            # At most 18 digits (see _whole_number): longer numbers are refused.
            parameter["schema"] = {**parameter["schema"], "minimum": minimum, "maximum": 10**18 - 1}
        return parameters
