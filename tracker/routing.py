"""The one optional-slash rule (docs/API.md): a path answers with and without its trailing slash.

Both spellings reach the same view directly — no redirect, which would drop a POST body — and
the OpenAPI schema documents the slash-less spelling only. Each route is written without the
slash; its twin with the slash is added here under the same name (request logs and metrics label
both spellings alike) and, for DRF views, built with ``schema=None`` so drf-spectacular leaves it
out.

- :func:`optional_slash` for a single route written as for ``django.urls.path``;
- :func:`with_optional_slash` for patterns built elsewhere (the API router's, ``re_path``).

Django resolves a path by trying each pattern in turn, descending into every include whose
prefix matches; under ``/api/v1/`` the includes have an empty prefix, so a run's path was tried
against some fifty patterns first (80 µs of a 1.5 ms request, docs/PERFORMANCE.md section 34).
:class:`FirstSegmentResolver` (built by :func:`segment_include`) is an include that tries only
the routes a path's first segment can begin. Which route answers a path does not change: the
routes keep their order, and a route is skipped only when it could not have matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.urls import URLPattern, URLResolver, include, path, re_path
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, ResolverMatch, RoutePattern

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


# The literal start of a regex route, up to its first "/" or its end ("$").
_LITERAL_START = re.compile(r"[A-Za-z0-9_-]*")


def first_segments(entry: URLPattern | URLResolver) -> frozenset[str] | None:
    """The first path segments ``entry`` can match (``""``: the empty path), or ``None`` when
    its route does not begin with a literal segment (a converter, a regex construct)."""
    if isinstance(entry, FirstSegmentResolver) and str(entry.pattern) == "":
        return entry.segments
    route = str(entry.pattern)
    if isinstance(entry.pattern, RegexPattern):
        route = route.removeprefix("^")
        literal = _LITERAL_START.match(route)
        head = literal.group() if literal else ""
        rest = route[len(head) :]
        return frozenset({head}) if rest == "" or rest[0] in "/$" else None
    head, slash, _ = route.partition("/")
    if "<" in head or (isinstance(entry, URLResolver) and not slash):
        return None  # a converter; or an include's partial prefix ("" is handled above)
    return frozenset({head})


class FirstSegmentResolver(URLResolver):
    """An include that tries, for a path, only the routes its first segment can begin (in their
    order), and keeps no record of the routes it passed over: Django's resolver copies that
    record up through every level on each request, for its debug 404 page alone."""

    @cached_property
    def segments(self) -> frozenset[str] | None:
        found: set[str] = set()
        for entry in self.url_patterns:
            entry_segments = first_segments(entry)
            if entry_segments is None:
                return None  # any path may match
            found |= entry_segments
        return frozenset(found)

    @cached_property
    def _candidates(self) -> tuple[dict[str, tuple[Any, ...]], tuple[Any, ...]]:
        """Per first segment, the routes that can match it, in order; and the routes any path
        can match (for a segment none of the others begins with)."""
        entries = [(entry, first_segments(entry)) for entry in self.url_patterns]
        known = {segment for _, segments in entries if segments for segment in segments}
        by_segment = {
            segment: tuple(e for e, segs in entries if segs is None or segment in segs)
            for segment in known
        }
        return by_segment, tuple(e for e, segs in entries if segs is None)

    def resolve(self, path: Any) -> Any:
        path = str(path)
        match = self.pattern.match(path)
        if not match:
            raise Resolver404({"path": path})
        new_path, args, kwargs = match
        by_segment, anywhere = self._candidates
        for entry in by_segment.get(new_path.partition("/")[0], anywhere):
            try:
                sub_match = entry.resolve(new_path)
            except Resolver404:
                continue
            if not sub_match:
                continue
            # As URLResolver.resolve builds the match (django/urls/resolvers.py), minus "tried".
            sub_match_dict = {**kwargs, **self.default_kwargs, **sub_match.kwargs}
            current_route = "" if isinstance(entry, URLPattern) else str(entry.pattern)
            route = sub_match.route
            if current_route:  # joined as URLResolver._join_route joins them
                route = current_route + route.removeprefix("^")
            return ResolverMatch(
                sub_match.func,
                sub_match.args if sub_match_dict else args + sub_match.args,
                sub_match_dict,
                sub_match.url_name,
                [self.app_name, *sub_match.app_names],
                [self.namespace, *sub_match.namespaces],
                route,
                [],
                captured_kwargs=sub_match.captured_kwargs,
                extra_kwargs={**self.default_kwargs, **sub_match.extra_kwargs},
            )
        raise Resolver404({"tried": [], "path": new_path})


def segment_include(arg: Any, prefix: str = "") -> FirstSegmentResolver:
    """``path(prefix, include(arg))``, as a :class:`FirstSegmentResolver`."""
    urlconf_module, app_name, namespace = include(arg)
    return FirstSegmentResolver(
        RoutePattern(prefix, is_endpoint=False),
        urlconf_module,
        app_name=app_name,
        namespace=namespace,
    )
