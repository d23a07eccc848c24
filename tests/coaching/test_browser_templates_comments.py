"""The coach's workspace in a real browser (Debian's Chromium through Playwright, issue 17): as a
coach, log in to the admin, save a 4-week plan as a template counted from race day, make a plan
for a new runner from it with a race date, shift its first week by two days and comment on a
run; then, as the runner, see the comment marked new and answer it.

Screenshots land in tests/coaching/screenshots/ (git-ignored):
    .venv/bin/pytest -m browser tests/coaching/test_browser_templates_comments.py
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from tests.factories import (
    DEFAULT_PASSWORD,
    CoachFactory,
    PlanFactory,
    RunFactory,
    UserFactory,
    WorkoutFactory,
)
from training.models import Comment, Plan, PlanTemplate, Workout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).parent / "screenshots"
# What migrations 0002_coach_group and the templates-and-comments migration grant the coach
# group; a transactional test before this one flushed them.
COACH_PERMISSIONS = {
    "plan": ("view", "add", "change", "delete"),
    "workout": ("view", "add", "change", "delete"),
    "run": ("view",),
    "runnerprofile": ("view",),
    "plantemplate": ("view", "add", "change", "delete"),
    "comment": ("view", "add"),
}
BLOCK_START = date(2027, 3, 1)  # a Monday; the block runs 28 days, race on Sunday 28 March


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def squad(transactional_db):
    group, _ = Group.objects.get_or_create(name="coach")
    for model, actions in COACH_PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label="training", codename=f"{action}_{model}"
                )
            )
    coach = CoachFactory(username="coach_kim")
    ana = UserFactory(username="ana")
    block = PlanFactory(
        runner=ana,
        coach=coach,
        name="4 weeks to a 10K",
        start_date=BLOCK_START,
        end_date=BLOCK_START + timedelta(days=27),
    )
    for day, name, kind in (
        (1, "Easy 8k", Workout.WorkoutType.EASY),
        (3, "Tempo 5k", Workout.WorkoutType.TEMPO),
        (13, "Long 16k", Workout.WorkoutType.LONG),
        (27, "10K race", Workout.WorkoutType.RACE),
    ):
        WorkoutFactory(
            plan=block, name=name, workout_type=kind, scheduled_date=BLOCK_START + timedelta(day)
        )
    newbie = UserFactory(username="newbie")
    # A coach picks among the runners they coach; a new runner joins with a first plan (docs/
    # ARCHITECTURE.md, Visibility).
    PlanFactory(runner=newbie, coach=coach, name="Welcome", status=Plan.Status.DRAFT)
    run = RunFactory(runner=newbie, started_at=datetime(2026, 11, 30, 7, tzinfo=UTC))
    return {"coach": coach, "block": block, "newbie": newbie, "run": run}


def pick_action(page, plan: Plan, action: str) -> None:
    page.check(f'input.action-select[value="{plan.pk}"]')
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.click("button[name=index]")


def test_coach_plans_from_a_template_shifts_a_week_and_talks_with_the_runner(
    page, live_server, squad
):
    base = live_server.url
    # --- as the coach, in the admin ----------------------------------------------------------
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "coach_kim")
    page.fill("#id_password", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.goto(f"{base}/admin/training/plan/")
    pick_action(page, squad["block"], "save_as_template")
    page.select_option("#id_anchor", "race")
    with page.expect_navigation():
        page.click("input[name=apply]")
    assert "as the template" in page.inner_text(".messagelist")
    template = PlanTemplate.objects.get()
    assert template.start_offset_days == -27

    with page.expect_navigation():
        page.click("text=Apply to a runner…")
    page.select_option("#id_runner", label="newbie")
    page.fill("#id_race_date", "2027-06-06")  # a Sunday
    shot(page, "apply-template-desktop")
    with page.expect_navigation():
        page.click("input[name=apply]")
    plan = Plan.objects.get(runner=squad["newbie"], name="4 weeks to a 10K")
    # Race on 6 June; the plan starts 27 days before, Monday 10 May.
    assert (plan.start_date, plan.end_date) == (date(2027, 5, 10), date(2027, 6, 6))
    assert plan.coach == squad["coach"]
    assert "Made “4 weeks to a 10K” for newbie" in page.inner_text(".messagelist")

    page.goto(f"{base}/admin/training/plan/")
    pick_action(page, plan, "shift_workouts")
    page.fill("#id_days", "2")
    page.fill("#id_first_day", "2027-05-10")
    page.fill("#id_last_day", "2027-05-16")
    with page.expect_navigation():
        page.click("input[name=apply]")
    assert "Moved 2 workouts" in page.inner_text(".messagelist")
    # Week one's Tuesday and Thursday (11 and 13 May) move to Thursday and Saturday.
    assert list(plan.workouts.values_list("name", "scheduled_date")) == [
        ("Easy 8k", date(2027, 5, 13)),
        ("Tempo 5k", date(2027, 5, 15)),
        ("Long 16k", date(2027, 5, 23)),
        ("10K race", date(2027, 6, 6)),
    ]

    run = squad["run"]
    page.goto(f"{base}/admin/training/run/{run.pk}/change/")
    with page.expect_navigation():
        page.click(f'a[href="/admin/training/run/{run.pk}/comments/"]')
    page.fill("#id_body", "Lovely relaxed pace. Keep Thursday just as easy.")
    with page.expect_navigation():
        page.click("input[type=submit][value='Send comment']")
    assert "Lovely relaxed pace." in page.inner_text("#content-main")
    shot(page, "run-comments-coach-desktop")

    # --- as the runner, on the dashboard -----------------------------------------------------
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "newbie")
    page.fill("#id_password", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{base}/runs/{run.pk}/")
    thread = page.locator("#comments")
    assert "Lovely relaxed pace." in thread.inner_text()
    assert thread.locator(".badge", has_text="New").count() == 1
    page.fill("#id_body", "Thanks! Legs felt fresh.")
    with page.expect_navigation():
        page.click("#comments button[type=submit]")
    assert "Thanks! Legs felt fresh." in page.locator("#comments").inner_text()
    assert page.locator("#comments .badge", has_text="New").count() == 0
    shot(page, "run-comments-runner-desktop")
    assert list(Comment.objects.order_by("created_at").values_list("author__username", "run")) == [
        ("coach_kim", run.pk),
        ("newbie", run.pk),
    ]
