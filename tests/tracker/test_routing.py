"""tracker.routing: the one optional-slash rule, and every route of the project following it."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, re_path, resolve, reverse
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from tracker.routing import optional_slash, with_optional_slash


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
