"""What a coach does in a real browser (Debian's Chromium through Playwright) against a live
server with the demo data: log in to the admin, read the squad, find the runner who missed a key
session, open their calendar and a workout's form, and edit it in human units.

Screenshots land in tests/coaching/screenshots/ (git-ignored) for review: the squad page, the
calendar and the workout form at 1280 px, and the squad page at 375 px.
    .venv/bin/pytest -m browser tests/coaching/test_browser.py
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from training.management.commands.seed_demo import (
    COACH_PASSWORD,
    COACH_USERNAME,
    seed_demo,
    seed_squad,
)
from training.models import Workout

COACH_MIGRATION = importlib.import_module("training.migrations.0002_coach_group")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def squad(transactional_db):
    now = timezone.now()
    summary = seed_demo(now)
    seed_squad(coach=summary.plan.coach, now=now)
    # A transactional test before this one flushed the coach group's permissions, which a
    # migration grants (Django's app list on the squad page reads them); grant them again.
    coach_group = Group.objects.get(name="coach")
    for model, actions in COACH_MIGRATION.COACH_PERMISSIONS.items():
        for action in actions:
            coach_group.permissions.add(
                Permission.objects.get(
                    content_type__app_label="training", codename=f"{action}_{model}"
                )
            )
    return summary


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", COACH_USERNAME)
    page.fill("#id_password", COACH_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_coach_finds_the_missed_key_session_and_edits_a_workout_in_human_units(
    page, live_server, squad
):
    _login(page, live_server)
    rows = page.locator("tr.squad-row")
    assert rows.count() == 6
    for label in ("Missed key session", "Form below -30", "No run for 7 days", "Plan ends"):
        assert page.locator(".squad-flag", has_text=label).count() >= 1
    _shot(page, "squad-desktop")

    # Sorting by athlete puts them in name order; flags first is the default.
    page.click("th a.squad-sort:has-text('Athlete')")
    page.wait_for_url(re.compile(r"\?sort=athlete$"))
    names = [rows.nth(i).get_attribute("data-runner") for i in range(rows.count())]
    assert names == sorted(names)

    flagged = page.locator("tr.squad-row", has=page.locator(".flag-missed_key_session"))
    missed = [flagged.nth(i).get_attribute("data-runner") for i in range(flagged.count())]
    assert "maya" in missed  # ivy, idle for eight days, has missed hers too
    runner = "maya"
    page.locator(f"tr.squad-row[data-runner='{runner}'] a.squad-athlete").click()
    page.wait_for_url(re.compile(r"/admin/training/plan/[0-9a-f-]{36}/calendar/$"))
    assert page.locator("#calendar").is_visible()
    assert page.locator(".cal-chip[data-band='missed']").count() >= 1
    _shot(page, "calendar-desktop")

    # Open a coming easy run's form from its chip.
    workout = (
        Workout.objects.filter(
            plan__runner__username=runner,
            workout_type=Workout.WorkoutType.EASY,
            scheduled_date__gte=timezone.localdate() + timezone.timedelta(days=1),
        )
        .order_by("scheduled_date")
        .first()
    )
    page.click(f".cal-chip[data-workout='{workout.pk}']")
    page.wait_for_url(re.compile(rf"/admin/training/workout/{workout.pk}/change/$"))
    assert page.input_value("#id_planned_distance_m") == "8 km"
    page.fill("#id_planned_distance_m", "10 km")
    page.fill("#id_planned_duration_s", "55:00")
    page.fill("#id_target_pace_min_s_per_km", "5:20")
    page.fill("#id_target_pace_max_s_per_km", "5:40")
    page.fill("#id_steps", "warmup 2 km\n4 x [work 1 km at 4:30; jog 2 min]\ncooldown 2 km")
    _shot(page, "workout-form-desktop")

    # A typing slip first: the field says what to type and nothing is saved.
    page.fill("#id_target_pace_min_s_per_km", "520")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.locator(".errorlist", has_text="e.g. 5:45").count() == 1
    page.fill("#id_target_pace_min_s_per_km", "5:20")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/calendar/$"))
    workout.refresh_from_db()
    assert workout.planned_distance_m == 10_000
    assert workout.planned_duration_s == 55 * 60
    assert (workout.target_pace_min_s_per_km, workout.target_pace_max_s_per_km) == (320, 340)
    assert workout.steps[1]["kind"] == "repeat" and workout.steps[1]["repeat"] == 4


def test_squad_page_fits_a_phone(browser, live_server, squad):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        _login(page, live_server)
        assert page.locator("tr.squad-row").count() == 6
        assert page.locator(".app-training").count() == 1  # the list of models, below
        width = page.evaluate(
            "document.querySelector('.squad-table').getBoundingClientRect().right"
        )
        assert width <= PHONE["width"]
        _shot(page, "squad-phone")
    finally:
        context.close()
