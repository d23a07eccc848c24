"""tracker.wsgi warms a worker up at boot: the URLconf is imported and every route's regex is
compiled before the first request (docs/PERFORMANCE.md §6)."""

from __future__ import annotations

from django.urls import URLResolver, clear_url_caches, get_resolver, resolve


def all_patterns(resolver: URLResolver):
    for pattern in resolver.url_patterns:
        yield pattern
        if isinstance(pattern, URLResolver):
            yield from all_patterns(pattern)


def test_warm_up_imports_the_urlconf_and_compiles_every_route():
    from tracker import wsgi

    clear_url_caches()
    assert "url_patterns" not in get_resolver().__dict__
    wsgi._warm_up()
    resolver = get_resolver()
    assert "url_patterns" in resolver.__dict__
    patterns = list(all_patterns(resolver))
    assert len(patterns) > 20
    # LocaleRegexDescriptor / LocaleRegexRouteDescriptor keep compiled regexes per instance.
    assert all("regex" in p.pattern.__dict__ or p.pattern._regex_dict for p in patterns)
    assert resolve("/api/v1/runs").url_name
