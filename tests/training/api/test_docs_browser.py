"""Swagger UI and ReDoc render in a real browser with no internet (docs/API.md, Conventions): every
asset comes from drf-spectacular-sidecar through the app, and any request to another host is
blocked."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offline(page, live_server):
    """Abort every request that does not go to the live server, and record it."""
    blocked: list[str] = []

    def route(route_obj):
        url = route_obj.request.url
        if url.startswith(live_server.url):
            route_obj.continue_()
        else:
            blocked.append(url)
            route_obj.abort()

    page.route("**/*", route)
    return blocked


def test_swagger_ui_lists_the_operations(page, live_server):
    blocked = _offline(page, live_server)
    page.goto(f"{live_server.url}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    flat = {p.replace("\u200b", "").strip() for p in paths}
    for expected in ("/api/v1/plans", "/api/v1/runs/{id}", "/api/v1/auth/token"):
        assert expected in flat, flat
    assert page.locator(".opblock-summary-method").filter(has_text="DELETE").count() >= 3
    assert blocked == []


def test_redoc_lists_the_operations(page, live_server):
    blocked = _offline(page, live_server)
    page.goto(f"{live_server.url}/redoc")
    # ReDoc renders each operation as a section heading (the sidebar groups may stay collapsed).
    page.locator("h2", has_text="Log a run").first.wait_for(timeout=20_000)
    headings = set(page.locator("h2").all_inner_texts())
    for summary in ("List plans", "Copy a plan to a runner", "Deletions feed (sync)"):
        assert summary in headings, headings
    # ReDoc's bundle links its own "powered by" logo; offline it is simply not shown.
    assert [url for url in blocked if not url.startswith("https://cdn.redoc.ly/")] == []
