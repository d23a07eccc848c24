"""tracker.routing: the one optional-slash rule, and every route of the project following it."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import (
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    re_path,
    resolve,
    reverse,
)
from django.urls import path as url_path
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from tracker.routing import (
    FirstSegmentResolver,
    first_segments,
    optional_slash,
    segment_include,
    with_optional_slash,
)


class _Probe(APIView):
    def get(self, request):
        return Response({"ok": True})


class _ProbeViewSet(ViewSet):
    def list(self, request):
        return Response([])


def _plain(request):
    return HttpResponse("ok")


def _hidden(callback) -> bool:
    # What DRF's endpoint enumerator (and so drf-spectacular) checks to leave a view out.
    return callback.initkwargs.get("schema", "missing") is None


def test_optional_slash_serves_both_spellings_and_documents_only_the_slashless_one():
    twin, route = optional_slash("probe/<uuid:pk>", _Probe.as_view(), "probe")
    assert str(route.pattern) == "probe/<uuid:pk>"
    assert str(twin.pattern) == "probe/<uuid:pk>/"
    assert twin.name == route.name == "probe"
    assert not _hidden(route.callback)
    assert _hidden(twin.callback)
    assert twin.callback.cls is route.callback.cls


def test_viewset_twins_keep_their_action_map():
    twin, route = with_optional_slash(
        [re_path("^probes$", _ProbeViewSet.as_view({"get": "list"}), name="probes")]
    )
    assert str(twin.pattern) == "^probes/$"
    assert twin.name == route.name == "probes"
    assert twin.callback.actions == {"get": "list"}
    assert _hidden(twin.callback)


def test_plain_django_views_are_reused_as_they_are():
    twin, route = optional_slash("plain", _plain, "plain")
    assert twin.callback is route.callback is _plain


def test_reverse_gives_the_slashless_path_and_both_spellings_resolve_to_one_name():
    for name, path in [
        ("run-list", "/api/v1/runs"),
        ("run-import", "/api/v1/runs/import"),
        ("api-token", "/api/v1/auth/token"),
        ("analytics:summary", "/api/v1/analytics/summary"),
        ("health", "/health"),
        ("swagger-ui", "/docs"),
    ]:
        assert reverse(name) == path
        assert resolve(path).view_name == resolve(f"{path}/").view_name == name


def _endpoints(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern) != "admin/":
                found.extend(_endpoints(entry, prefix + str(entry.pattern)))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found


def test_the_optional_slash_is_written_one_way():
    """No route spells the rule its own way (a ``/?`` regex, a hand-made twin view class): every
    API route is a slash-less route plus the twin tracker.routing adds."""
    endpoints = _endpoints(get_resolver())
    assert not [route for route, _ in endpoints if "/?" in route]
    api = [(route, p) for route, p in endpoints if route.startswith("api/")]
    routes = {route.replace("^", "").replace("$", "") for route, _ in api}
    for route, pattern in api:
        bare = route.replace("^", "").replace("$", "")
        if bare.endswith("/") and bare != "api/v1/":
            assert bare.rstrip("/") in routes, f"{route} has no slash-less spelling"
            assert pattern.callback.cls.__name__ in {
                p.callback.cls.__name__
                for r, p in api
                if r.replace("^", "").replace("$", "") == bare.rstrip("/")
            }
        elif bare != "api/v1/":
            assert f"{bare}/" in routes, f"{route} has no trailing-slash twin"


# Paths of every kind the API routes: both slash spellings, converters and regex ids, fixed
# segments beside detail routes, nested routes, the API root, and paths that match nothing.
_PLAN = "a9bee417-6643-4361-9998-a4f4e33a0446"
_PATHS = [
    "/api/v1/",
    "/api/v1",
    "/api/v1/runs",
    "/api/v1/runs/",
    f"/api/v1/runs/{_PLAN}",
    f"/api/v1/runs/{_PLAN}/",
    f"/api/v1/runs/{_PLAN}/comments",
    "/api/v1/runs/import",
    "/api/v1/runs/import/",
    "/api/v1/runs/export.csv",
    "/api/v1/runs/not-a-uuid",
    "/api/v1/runs//",
    f"/api/v1/plans/{_PLAN}/progress",
    f"/api/v1/plans/{_PLAN}/workouts/",
    f"/api/v1/plans/{_PLAN}/runs",
    f"/api/v1/plans/{_PLAN}/copy",
    f"/api/v1/plans/{_PLAN}/calendar.ics",
    f"/api/v1/analytics/plan/{_PLAN}",
    "/api/v1/analytics/summary/",
    "/api/v1/auth/logout-all",
    "/api/v1/profile",
    "/api/v1/imports",
    f"/api/v1/imports/{_PLAN}/undo",
    "/api/v1/plan-templates",
    "/api/v1/nothing-here",
    "/api/v1/plans-and-more",
    "/api/v2/runs",
    "/health/",
    "/admin/",
    "/",
]


def _match(path: str):
    try:
        found = resolve(path)
    except Resolver404:
        return None
    return (
        found.view_name,
        found.func.__name__,
        found.args,
        found.kwargs,
        found.route,
        found.namespaces,
        found.app_names,
        found.captured_kwargs,
    )


def test_first_segment_routing_resolves_every_path_as_django_s_own_resolver(monkeypatch):
    """The indexed includes change how fast a route is found, never which one: each path
    resolves to the same view, arguments and route as with Django's resolver trying every
    route in turn."""
    indexed = {path: _match(path) for path in _PATHS}
    assert indexed["/api/v1/runs/"][0] == "run-list"
    assert indexed["/api/v1/runs/import"][0] == "run-import"
    assert indexed["/api/v1/nothing-here"] is None
    monkeypatch.setattr(FirstSegmentResolver, "resolve", URLResolver.resolve)
    assert {path: _match(path) for path in _PATHS} == indexed


def _fake_view(request):
    return HttpResponse("ok")


def test_first_segments_of_each_kind_of_route():
    assert first_segments(url_path("runs/import", _fake_view)) == {"runs"}
    assert first_segments(url_path("imports", _fake_view)) == {"imports"}
    assert first_segments(url_path("<uuid:pk>/runs", _fake_view)) is None
    assert first_segments(re_path(r"^runs/(?P<pk>[0-9a-f-]+)$", _fake_view)) == {"runs"}
    assert first_segments(re_path(r"^runs$", _fake_view)) == {"runs"}
    assert first_segments(re_path(r"^$", _fake_view)) == {""}
    # A literal start that a regex construct follows can match other segments.
    assert first_segments(re_path(r"^runs?$", _fake_view)) is None
    assert first_segments(re_path(r"^(?P<kind>runs|plans)$", _fake_view)) is None
    nested = segment_include(
        [url_path("runs", _fake_view), url_path("plans/<uuid:pk>", _fake_view)]
    )
    assert first_segments(nested) == {"runs", "plans"}
    assert first_segments(segment_include([url_path("", _fake_view)], prefix="api/v1/")) == {"api"}
    opaque = segment_include([url_path("<slug:anything>", _fake_view)])
    assert opaque.segments is None and first_segments(opaque) is None


def test_an_include_no_route_of_which_begins_with_a_literal_tries_them_all():
    include_any = segment_include(
        [url_path("runs", _fake_view), url_path("<slug:kind>", _fake_view)]
    )
    assert include_any.resolve("runs").func is _fake_view
    assert include_any.resolve("anything").kwargs == {"kind": "anything"}
    with pytest.raises(Resolver404):
        include_any.resolve("two/segments")


def _same_as_django(resolver: URLResolver, target: str):
    plain = URLResolver(resolver.pattern, resolver.urlconf_name)
    try:
        expected = plain.resolve(target)
    except Resolver404:
        with pytest.raises(Resolver404):
            resolver.resolve(target)
        return None
    found = resolver.resolve(target)
    for attribute in ("func", "args", "kwargs", "route", "captured_kwargs", "extra_kwargs"):
        assert getattr(found, attribute) == getattr(expected, attribute), attribute
    return found


@pytest.mark.parametrize(
    "target",
    ["2026/runs", "2026/runs/import", "2026/runs/7", "2026/anything", "runs", "2026/a/b"],
)
def test_an_indexed_include_builds_the_match_django_s_resolver_builds(target):
    """Captured prefix arguments, positional groups and routes that start with a converter,
    each as Django's own resolver gives them."""
    resolver = segment_include(
        [
            url_path("runs/import", _fake_view),
            re_path(r"^runs/([0-9]+)$", _fake_view),
            url_path("<slug:kind>", _fake_view),
        ],
        prefix="<int:year>/",
    )
    found = _same_as_django(resolver, target)
    if target == "2026/runs":  # the segment begins "runs/import", yet the converter matches
        assert found.kwargs == {"year": 2026, "kind": "runs"}
    if target == "2026/runs/7":
        assert found.kwargs == {"year": 2026} and found.args == ("7",)
