"""The content security policy in a real browser (Debian's Chromium): Swagger UI, ReDoc and the
admin still work, a nonced inline script runs, an injected one does not."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.production.urls")]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI});
});
"""


def own_violations(page, origin: str) -> list[dict]:
    """Violations that would break the app itself: its own URLs, inline code, eval, data:/blob:.
    Blocking third-party hosts (ReDoc links Google Fonts and a logo on cdn.redoc.ly; the project
    serves no CDN assets) is the policy doing its job, not a breakage."""
    third_party = [
        v["blocked"]
        for v in page.evaluate("window.__cspViolations")
        if v["blocked"].startswith(("http://", "https://")) and not v["blocked"].startswith(origin)
    ]
    return [v for v in page.evaluate("window.__cspViolations") if v["blocked"] not in third_party]


@pytest.fixture
def csp_page(page):
    page.add_init_script(COLLECT_VIOLATIONS)
    return page


@pytest.fixture
def live(live_server, django_db_blocker):
    with django_db_blocker.unblock():
        yield live_server.url


def test_swagger_ui_renders_under_the_policy(csp_page, live):
    response = csp_page.goto(f"{live}/docs")
    assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
    csp_page.wait_for_selector(".swagger-ui .info .title")
    assert own_violations(csp_page, live) == []


def test_redoc_renders_under_the_policy(csp_page, live):
    csp_page.goto(f"{live}/redoc")
    csp_page.wait_for_selector(".api-info, [data-role='redoc-description'], h1")
    assert own_violations(csp_page, live) == []


def test_admin_login_and_changelist_work_under_the_policy(csp_page, live, superuser):
    superuser.set_password("admin-pass-123")
    superuser.save()
    csp_page.goto(f"{live}/admin/login/")
    csp_page.fill("#id_username", superuser.username)
    csp_page.fill("#id_password", "admin-pass-123")
    csp_page.click("input[type=submit]")
    csp_page.wait_for_selector("#site-name")
    csp_page.goto(f"{live}/admin/auth/user/")
    csp_page.wait_for_selector("#result_list")
    assert own_violations(csp_page, live) == []


def test_only_the_nonced_inline_script_runs(csp_page, live):
    csp_page.goto(f"{live}/probe/nonce")
    assert csp_page.evaluate("document.body.dataset.allowed") == "ran"
    assert csp_page.evaluate("document.body.dataset.injected") is None
    blocked = csp_page.evaluate("window.__cspViolations")
    assert [v["directive"] for v in blocked] == ["script-src-elem"]
