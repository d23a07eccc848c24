"""The athlete calendar in the coach's admin (issue 17): a plan as the runner's plan page draws
it (``analytics.calendar``), with admin links: each day adds a workout on that date, each
workout opens its own form.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from analytics import calendar as plan_calendar
from analytics import selectors as analytics_selectors
from training import formatting, selectors
from training.models import Plan, Workout


def runner_units(plan: Plan) -> str:
    profile = getattr(plan.runner, "profile", None)
    return profile.units if profile is not None else formatting.DEFAULT_UNITS


def workout_change_url(workout: Workout) -> str:
    return reverse("admin:training_workout_change", args=[workout.pk])


def calendar_context(plan: Plan) -> dict[str, Any]:
    """The grid (``analytics.calendar.CalendarWeek`` rows), the runner's units and today, with
    each chip's link set to the workout's form. Queries: the plan's analytics and its workouts
    with their runs, whatever the plan's length."""
    today = analytics_selectors.runner_today(plan.runner)
    analytics = plan_calendar.plan_context(plan=plan, today=today)
    grid = plan_calendar.plan_calendar_weeks(
        plan=plan,
        workouts=selectors.plan_workouts_with_runs(plan),
        bands=analytics["bands"],
        weeks_by_start=analytics["weeks_by_start"],
        today=today,
        log_run_url=None,
        href_for=lambda item: workout_change_url(item.workout),
    )
    return {
        "grid": grid,
        "units": runner_units(plan),
        "today": today,
        "weekday_names": plan_calendar.WEEKDAY_NAMES,
        "band_labels": plan_calendar.PLAN_BAND_LABELS,
        "analytics": analytics["analytics"],
    }


def workout_links(plan: Plan) -> SafeString:
    """The plan's workouts as one line each (date, name, distance in the runner's units), each a
    link to its form, under a link to the plan's calendar."""
    units = runner_units(plan)
    workouts = plan.workouts.order_by("scheduled_date", "created_at")
    calendar_link = format_html(
        '<p><a href="{}">Open the calendar</a> to add, move or edit workouts by day.</p>',
        reverse("admin:training_plan_calendar", args=[plan.pk]),
    )
    items = format_html_join(
        "",
        '<li><a href="{}">{} · {}</a> <span class="squad-muted">{}</span></li>',
        (
            (
                workout_change_url(workout),
                f"{workout.scheduled_date:%a %-d %b}",
                workout.name,
                formatting.format_distance(workout.planned_distance_m, units, decimals=1)
                if workout.planned_distance_m
                else workout.get_workout_type_display(),
            )
            for workout in workouts
        ),
    )
    if not items:
        return format_html("{}<p>No workouts yet.</p>", calendar_link)
    return format_html('{}<ol class="workout-list">{}</ol>', calendar_link, items)
