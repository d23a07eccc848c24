"""The plan as a Monday-to-Sunday calendar with compliance colours: the grid the runner's plan
page (dashboard) and the coach's athlete calendar (coaching) both draw, from ``plan_analytics``'s
bands. No rule is decided here; analytics.science and analytics.selectors own them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from analytics import science, selectors
from training.steps import StepsError, flat_steps, resolve_pace_zones, validate_steps

ZONE_NAMES = {
    "easy": "Easy",
    "marathon": "Marathon",
    "threshold": "Threshold",
    "interval": "Interval",
    "repetition": "Repetition",
}


def plan_context(*, plan: Any, today: date) -> dict[str, Any]:
    """The plan's analytics, its compliance band per workout id and its weeks by start date."""
    result = selectors.plan_analytics(plan=plan, today=today)
    return {
        "analytics": result,
        "bands": {item.workout_id: item.band for item in result.compliance},
        "weeks_by_start": {week.start_date: week for week in result.weeks},
    }


def band_for(workout: Any, bands: dict[Any, str]) -> str:
    """The calendar colour of a workout: its analytics band, else ``rest`` or ``upcoming``
    (analytics leaves both out of compliance)."""
    if workout.is_rest:
        return "rest"
    return bands.get(workout.pk, "upcoming")


# --- Plan calendar ---------------------------------------------------------------------------

PLAN_BAND_LABELS = {
    "green": "On target",
    "yellow": "Partly done",
    "red": "Off target",
    "missed": "Missed",
    "upcoming": "Upcoming",
    "rest": "Rest",
}
WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass(frozen=True)
class WorkoutItem:
    """One workout as a calendar chip: its linked runs, its band and where a click leads."""

    workout: Any
    runs: list[Any]
    band: str
    band_label: str
    href: str | None = None
    # The steps' Daniels zones with the runner's own paces: (name, fastest, slowest s/km).
    zone_paces: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarCell:
    day: date
    in_plan: bool
    is_today: bool
    items: list[WorkoutItem]


@dataclass(frozen=True)
class CalendarWeek:
    monday: date
    cells: list[CalendarCell]
    week: Any  # the plan analytics' week starting inside this row, if any
    current: bool
    future: bool


def workout_item(
    workout: Any,
    bands: dict[Any, str],
    *,
    href: str | None = None,
    paces: science.TrainingPaces | None = None,
) -> WorkoutItem:
    """``workout`` (with its runs prefetched) as a chip coloured by ``band_for``; with the
    runner's ``paces``, its steps' pace zones resolved to them."""
    band = band_for(workout, bands)
    return WorkoutItem(
        workout=workout,
        runs=list(workout.runs.all()),
        band=band,
        band_label=PLAN_BAND_LABELS.get(band, band),
        href=href,
        zone_paces=zone_paces(workout.steps, paces) if paces is not None else [],
    )


def zone_paces(steps: Any, paces: science.TrainingPaces | None) -> list[tuple[str, float, float]]:
    """The distinct pace zones of ``steps`` in step order (inside repeat blocks too), resolved
    to ``paces`` (``training.steps.resolve_pace_zones``); none without paces or zones."""
    if paces is None or not steps:
        return []
    ranges = {zone: paces.zone_range(zone) for zone in science.PACE_ZONES}
    try:
        resolved = resolve_pace_zones(validate_steps(steps), ranges)
    except StepsError:
        return []  # stored before a rule changed: shown without zones rather than failing
    seen: dict[str, tuple[str, float, float]] = {}
    for step in flat_steps(resolved):
        zone = step.get("pace_zone")
        if zone and zone not in seen:
            seen[zone] = (
                ZONE_NAMES[zone],
                step["target_pace_min_s_per_km"],
                step["target_pace_max_s_per_km"],
            )
    return list(seen.values())


def _chip_href(item: WorkoutItem, log_run_url: str | None) -> str | None:
    """A completed workout opens its first run; an upcoming one, for its runner, opens the
    log-run form with the workout chosen."""
    if item.runs:
        href: str = item.runs[0].get_absolute_url()
        return href
    if log_run_url is not None and item.band == "upcoming":
        return f"{log_run_url}?workout={item.workout.pk}"
    return None


def plan_calendar_weeks(
    *,
    plan: Any,
    workouts: Iterable[Any],
    bands: dict[Any, str],
    weeks_by_start: dict[date, Any],
    today: date,
    log_run_url: str | None,
    href_for: Callable[[WorkoutItem], str | None] | None = None,
) -> list[CalendarWeek]:
    """The plan as Monday-to-Sunday rows covering its dates, each day with its workout chips.

    ``workouts`` have their runs prefetched; ``bands`` and ``weeks_by_start`` come from
    ``plan_context``; ``log_run_url`` is the log-run page for the plan's runner (``None`` for a
    coach, who does not log the runner's runs); ``href_for``, when given, decides where each
    chip leads instead (the coach's calendar opens the workout's form).
    """
    by_day: dict[date, list[WorkoutItem]] = {}
    for workout in workouts:
        item = workout_item(workout, bands)
        href = href_for(item) if href_for is not None else _chip_href(item, log_run_url)
        item = dataclasses.replace(item, href=href)
        by_day.setdefault(workout.scheduled_date, []).append(item)
    grid = []
    monday = plan.start_date - timedelta(days=plan.start_date.weekday())
    while monday <= plan.end_date:
        days = [monday + timedelta(days=offset) for offset in range(7)]
        cells = [
            CalendarCell(
                day=day,
                in_plan=plan.start_date <= day <= plan.end_date,
                is_today=day == today,
                items=by_day.get(day, []),
            )
            for day in days
        ]
        week = next((weeks_by_start[day] for day in days if day in weeks_by_start), None)
        grid.append(
            CalendarWeek(
                monday=monday,
                cells=cells,
                week=week,
                current=monday <= today <= days[-1],
                future=monday > today,
            )
        )
        monday += timedelta(days=7)
    return grid
