"""What a runner does in a real browser (Debian's Chromium through Playwright) against a live
server: log in, read the week, log/edit/delete a run, switch units, use a phone.

Screenshots land in tests/dashboard/screenshots/ (git-ignored) for review:
    .venv/bin/pytest -m browser tests/dashboard/test_browser.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests.dashboard.demo_data import DEMO_PASSWORD, add_demo_track, build_demo_runner
from training.models import Run, Workout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def demo(transactional_db):
    return build_demo_runner()


def _login(page, live_server, username="demo", password=DEMO_PASSWORD):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url  # anonymous → login page
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_runner_sees_the_week_and_charts(page, live_server, demo):
    _, plan = demo
    _login(page, live_server)
    today = timezone.localdate()
    week_workouts = Workout.objects.filter(
        plan=plan, scheduled_date__gte=today - timezone.timedelta(days=today.weekday())
    ).order_by("scheduled_date")[:7]
    for workout in week_workouts:
        assert page.locator(f'[data-workout="{workout.pk}"]').count() == 1
    assert page.locator("li.day").count() == 7
    bars = page.locator("svg.chart-bars rect.bar")
    assert bars.count() == 12
    heights = [float(bars.nth(i).get_attribute("height")) for i in range(12)]
    assert sum(h > 0 for h in heights) >= 8  # data, not an empty frame
    assert page.locator("svg.chart-lines polyline").count() >= 3
    _shot(page, "home-desktop")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    assert page.locator("table.calendar tbody tr").count() == 12
    _shot(page, "plan-detail-desktop")
    page.goto(f"{live_server.url}/runs/new/")
    _shot(page, "log-run-desktop")
    # A logged session of 10 km or more: which one is the latest depends on today's weekday (the
    # demo plan is laid out around today), and a shorter one has fewer than ten splits.
    linked = Run.objects.filter(runner=plan.runner, workout__isnull=False, distance_m__gte=10_000)
    run = linked.order_by("-started_at")[0]
    add_demo_track(run)
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    assert page.locator("table.splits tbody tr").count() >= 10
    assert page.locator("svg.chart-profile polyline.pace").count() >= 1
    _shot(page, "run-detail-desktop")
    page.goto(f"{live_server.url}/profile/")
    _shot(page, "profile-desktop")


def test_log_edit_and_delete_a_run_linked_to_a_workout(page, live_server, demo):
    user, plan = demo
    today = timezone.localdate()
    workout = (
        Workout.objects.filter(plan=plan, scheduled_date=today)
        .exclude(workout_type=Workout.WorkoutType.REST)
        .first()
    )
    if workout is None:  # today is a rest day in the pattern: make it a run day
        workout = Workout.objects.create(
            plan=plan,
            name="Shakeout",
            workout_type="easy",
            scheduled_date=today,
            planned_distance_m=5000,
        )
    _login(page, live_server)
    card = page.locator(f'.workout[data-workout="{workout.pk}"]')
    assert card.get_attribute("data-done") == "no"

    page.click("text=+ Log run")
    page.wait_for_url(re.compile(r"/runs/new/$"))
    page.fill("#id_distance", "8.4")
    page.fill("#id_duration", "42:10")
    page.fill("#id_avg_heart_rate", "151")
    page.select_option("#id_perceived_effort", "5")
    page.select_option("#id_workout", str(workout.pk))
    page.fill("#id_notes", "Logged from the browser test")
    page.click("button:has-text('Save run')")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    assert page.locator("[data-testid=run-distance]").inner_text().startswith("8.40")
    assert "Run logged" in page.content()
    run = Run.objects.get(runner=user, notes="Logged from the browser test")
    assert run.workout_id == workout.pk and run.duration_s == 42 * 60 + 10

    page.goto(f"{live_server.url}/")
    card = page.locator(f'.workout[data-workout="{workout.pk}"]')
    assert card.get_attribute("data-done") == "yes"
    assert "Completed" in card.inner_text()

    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    page.click("text=Edit")
    page.fill("#id_distance", "10.25")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(f"{live_server.url}{run.get_absolute_url()}")
    assert page.locator("[data-testid=run-distance]").inner_text().startswith("10.25")

    page.click("a:has-text('Delete')")
    assert "Delete this run?" in page.content()
    page.click("button:has-text('Delete run')")
    page.wait_for_url(f"{live_server.url}/")
    assert not Run.objects.filter(pk=run.pk).exists()
    assert page.locator(f'.workout[data-workout="{workout.pk}"]').get_attribute("data-done") == "no"


def test_switching_to_miles_changes_the_numbers(page, live_server, demo):
    user, _ = demo
    run = Run.objects.filter(runner=user).order_by("-started_at").first()
    run.distance_m, run.duration_s = 10_000, 3000
    run.save()
    _login(page, live_server)
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    assert page.locator("[data-testid=run-distance]").inner_text().replace("\n", "") == "10.00km"
    assert page.locator("[data-testid=run-pace]").inner_text() == "5:00 /km"

    page.goto(f"{live_server.url}/profile/")
    page.check("input[name=units][value=mi]")
    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(r"/profile/$"))
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    assert page.locator("[data-testid=run-distance]").inner_text().replace("\n", "") == "6.21mi"
    assert page.locator("[data-testid=run-pace]").inner_text() == "8:03 /mi"
    page.goto(f"{live_server.url}/")
    assert "mi" in page.locator("[data-testid=week-distance]").inner_text()


def test_phone_layout_has_no_horizontal_scroll(browser, live_server, demo):
    _, plan = demo
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _login(page, live_server)
        for path, name in [
            ("/", "home-phone"),
            (plan.get_absolute_url(), "plan-detail-phone"),
            ("/runs/new/", "log-run-phone"),
        ]:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px"
            _shot(page, name)
    finally:
        context.close()
