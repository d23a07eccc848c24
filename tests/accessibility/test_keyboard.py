"""Keyboard use (WCAG 2.1.1, 2.4.3, 2.4.7): with Tab alone a runner reaches every action of a
page, in reading order, and each focused control shows a visible focus ring.

Tab is pressed through the whole page in Debian's Chromium; each stop records the control's
text and the focus ring Chromium paints (`outline` on `:focus-visible`).
"""

from __future__ import annotations

import pytest

from tests.dashboard.demo_data import DEMO_PASSWORD, add_demo_track, build_demo_runner
from training.models import Run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAB_STOPS = 250

# What the focused element is, and whether its focus is visible: an outline of at least 2 px,
# or (for controls that draw their own) a box-shadow.
FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const text = (el.getAttribute('aria-label') || el.innerText || el.value || el.name || '')
    .trim().replace(/\\s+/g, ' ');
  return {tag: el.tagName, text, href: el.getAttribute('href') || '',
          visible: outline || style.boxShadow !== 'none'};
}"""


@pytest.fixture
def demo(transactional_db):
    return build_demo_runner()


def _log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    # The login form itself is used by keyboard: type, Tab, type, Enter.
    page.focus("#id_username")
    page.keyboard.type("demo")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def _tab_stops(page) -> list[dict]:
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    stops: list[dict] = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_PROBE)
        if stop is None or (stops and stop == stops[0]):
            break  # focus left the page or wrapped around
        stops.append(stop)
    return stops


def _reached(stops: list[dict], text: str) -> dict:
    matches = [stop for stop in stops if text.lower() in stop["text"].lower()]
    assert matches, f"{text!r} is not reachable by Tab; stops: {[s['text'] for s in stops]}"
    return matches[0]


def test_every_action_is_reached_by_tab_with_a_visible_focus(page, live_server, demo):
    _, plan = demo
    _log_in(page, live_server)

    home = _tab_stops(page)
    # The skip link comes first, so a keyboard user can jump past the navigation.
    assert "skip" in home[0]["text"].lower()
    for action in ("Log run", "Upload"):
        _reached(home, action)
    assert all(stop["visible"] for stop in home), [s for s in home if not s["visible"]]

    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    calendar = _tab_stops(page)
    assert all(stop["visible"] for stop in calendar), [s for s in calendar if not s["visible"]]
    # Every day with a workout or a run in the calendar is a link a keyboard user reaches.
    linked_days = page.locator("table.calendar a[href]").count()
    assert linked_days > 0
    assert sum(1 for stop in calendar if stop["tag"] == "A") >= linked_days

    run = Run.objects.filter(runner=plan.runner).order_by("-started_at")[0]
    add_demo_track(run)
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    detail = _tab_stops(page)
    edit, delete = _reached(detail, "Edit"), _reached(detail, "Delete")
    assert detail.index(edit) < detail.index(delete)  # in reading order
    assert all(stop["visible"] for stop in detail), [s for s in detail if not s["visible"]]

    page.goto(f"{live_server.url}/runs/upload/")
    upload = _tab_stops(page)
    assert any(stop["tag"] == "INPUT" for stop in upload)  # the file input itself
    assert all(stop["visible"] for stop in upload), [s for s in upload if not s["visible"]]
