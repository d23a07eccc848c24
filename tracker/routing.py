"""The one optional-slash rule (docs/API.md): a path answers with and without its trailing slash.

Both spellings reach the same view directly — no redirect, which would drop a POST body — and
the OpenAPI schema documents the slash-less spelling only. Each route is written without the
slash; its twin with the slash is added here under the same name (request logs and metrics label
both spellings alike) and, for DRF views, built with ``schema=None`` so drf-spectacular leaves it
out.

- :func:`optional_slash` for a single route written as for ``django.urls.path``;
- :func:`with_optional_slash` for patterns built elsewhere (the API router's, ``re_path``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.urls import URLPattern, URLResolver, path, re_path
from django.urls.resolvers import RegexPattern

View = Callable[..., Any]


def optional_slash(route: str, view: View, name: str | None = None) -> list[URLPattern]:
    """``path(route, view, name=name)`` plus its undocumented ``route + "/"`` twin."""
    pattern = path(route, view, name=name)
    return [_slash_twin(pattern), pattern]


def with_optional_slash(
    patterns: Iterable[URLPattern | URLResolver],
) -> list[URLPattern | URLResolver]:
    """``patterns`` with each endpoint followed by its trailing-slash twin (includes and the
    empty root route are passed through as they are)."""
    result: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        # The twin goes first: when two patterns share a name, reverse() builds the last one.
        # The two never match the same path, so their order changes nothing else.
        if isinstance(pattern, URLPattern) and str(pattern.pattern) not in ("", "^$"):
            result.append(_slash_twin(pattern))
        result.append(pattern)
    return result


def _slash_twin(pattern: URLPattern) -> URLPattern:
    view = _hidden_from_schema(pattern.callback)
    route = str(pattern.pattern)
    if isinstance(pattern.pattern, RegexPattern):
        if not route.endswith("$") or route.endswith("/$"):
            raise ValueError(f"write {route!r} anchored with '$' and without its trailing slash")
        return re_path(f"{route[:-1]}/$", view, kwargs=pattern.default_args, name=pattern.name)
    if route.endswith("/"):
        raise ValueError(f"write {route!r} without its trailing slash")
    return path(f"{route}/", view, kwargs=pattern.default_args, name=pattern.name)


def _hidden_from_schema(view: View) -> View:
    """The same view, built again with ``schema=None``: DRF's endpoint enumerator (which
    drf-spectacular uses) skips views whose ``initkwargs`` say so. Views that are not DRF views
    never reach the schema and are reused as they are."""
    view_class = getattr(view, "cls", None)
    if view_class is None:
        return view
    initkwargs = {**view.initkwargs, "schema": None}  # type: ignore[attr-defined]
    actions = getattr(view, "actions", None)
    if actions is not None:  # a viewset bound to its method → action map
        return view_class.as_view(dict(actions), **initkwargs)  # type: ignore[no-any-return]
    return view_class.as_view(**initkwargs)  # type: ignore[no-any-return]
