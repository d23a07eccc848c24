"""Dashboard-facing views of analytics: turn the analytics selectors' results and a run's track
into what the pages draw (charts, splits, compliance bands). No training rule is decided here;
analytics.science and the analytics selectors own them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.utils.safestring import SafeString

from analytics import science, selectors
from analytics.calendar import (  # noqa: F401  (re-exported for dashboard.views)
    PLAN_BAND_LABELS,
    WEEKDAY_NAMES,
    CalendarCell,
    CalendarWeek,
    WorkoutItem,
    band_for,
    plan_calendar_weeks,
    plan_context,
    workout_item,
)
from dashboard import charts
from training import formatting

WEEKS_SHOWN = 12


def track_profile_chart(
    samples: dict[str, Any], *, units: str, max_points: int = 240
) -> SafeString | None:
    """Pace and elevation against distance, in the runner's units; ``None`` when the track has
    no usable distance/time columns. Pace is smoothed over ~1/60 of the run (at least 100 m)
    because GPS pace sample-to-sample is mostly noise."""
    dist, times = science.track_points(samples, "t_s")
    if len(dist) < 2 or dist[-1] <= 0:
        return None
    ele_x, ele_y = science.track_points(samples, "ele_m")
    total_m = dist[-1]
    step_m = total_m / min(max_points, max(len(dist) - 1, 1))
    window_m = max(100.0, total_m / 60)
    per_unit = formatting.metres_per_unit(units)
    xs: list[float] = []
    paces: list[float | None] = []
    elevations: list[float | None] = []
    position = 0.0
    while position <= total_m + 1e-6:
        lo, hi = max(0.0, position - window_m / 2), min(total_m, position + window_m / 2)
        seconds = science.interpolate(dist, times, hi) - science.interpolate(dist, times, lo)
        xs.append(position / per_unit)
        paces.append(seconds / ((hi - lo) / per_unit) if hi > lo and seconds > 0 else None)
        elevations.append(science.interpolate(ele_x, ele_y, position) if len(ele_x) >= 2 else None)
        position += step_m
    return charts.profile_chart(
        distance=xs,
        pace=paces,
        elevation=elevations,
        # Paces here are already per display unit, so format them as per-km values of the
        # same number of seconds scaled back (format_pace_number converts km → units).
        pace_label=lambda s: formatting.format_pace_number(s * 1000 / per_unit, units),
        distance_unit=formatting.unit_label(units),
        title="Pace and elevation",
    )


# --- Runner summary (analytics.selectors.runner_summary) ---------------------------------------


def summary_window(today: date) -> tuple[date, date]:
    """The period the home page's totals cover: this ISO week up to today. (The summary's
    weekly series always spans the 12 weeks ending with ``date_to``.)"""
    return today - timedelta(days=today.weekday()), today


def weekly_distance_chart(weekly: Iterable[Any], *, units: str, today: date) -> SafeString:
    """Bars for the summary's ``weekly`` items (``week_start``, ``distance_m``, ``runs``,
    ``duration_s``), the current week highlighted."""
    current_monday = today - timedelta(days=today.weekday())
    bars = []
    for week in weekly:
        value = formatting.distance_in_units(week.distance_m, units) or 0.0
        tooltip = (
            f"Week of {week.week_start.day} {week.week_start:%b}: "
            f"{formatting.format_distance(week.distance_m, units)}"
            f", {week.runs} run{'s' if week.runs != 1 else ''}, "
            f"{formatting.format_duration(week.duration_s)}"
        )
        bars.append(
            charts.Bar(
                label=f"{week.week_start.day} {week.week_start:%b}",
                value=value,
                tooltip=tooltip,
                highlight=week.week_start == current_monday,
            )
        )
    return charts.bar_chart(
        bars, title="Weekly distance, last 12 weeks", unit=formatting.unit_label(units)
    )


def training_load_chart(series: Sequence[Any]) -> SafeString | None:
    """Fitness (CTL), fatigue (ATL) and form (TSB) from the summary's ``training_load.series``."""
    if not series:
        return None
    labels = []
    for index, point in enumerate(series):
        if point.day.day == 1 or index == 0:
            labels.append((index, f"{point.day.day} {point.day:%b}"))
    if len(labels) > 1 and labels[1][0] - labels[0][0] < 12:
        labels = labels[1:]  # the first label would collide with the next month's
    return charts.line_chart(
        [
            charts.Series("Fitness (CTL)", "ctl", [p.ctl for p in series]),
            charts.Series("Fatigue (ATL)", "atl", [p.atl for p in series]),
            charts.Series("Form (TSB)", "tsb", [p.tsb for p in series]),
        ],
        x_labels=labels,
        title="Fitness, fatigue and form, last 90 days",
        zero_line=True,
    )


# --- Adapters over analytics.selectors ---------------------------------------------------------

PB_NAMES = {1000: "1 km", 5000: "5 km", 10000: "10 km", 21097.5: "Half marathon", 42195: "Marathon"}


def pb_name(distance_m: float) -> str:
    return PB_NAMES.get(distance_m) or PB_NAMES.get(round(distance_m)) or f"{distance_m:g} m"


def home_context(*, runner: Any, units: str, today: date) -> dict[str, Any]:
    """This week's totals, the charts and the personal bests for the home page, from one
    ``runner_summary`` call whose period is this ISO week up to today."""
    date_from, date_to = summary_window(today)
    summary = selectors.runner_summary(
        runner=runner, date_from=date_from, date_to=date_to, today=today
    )
    return {
        "summary": summary,
        "week_totals": summary.totals,
        "weekly_chart": weekly_distance_chart(summary.weekly, units=units, today=today),
        "load_chart": training_load_chart(summary.training_load.series),
        "personal_bests": [
            {
                "name": pb_name(pb.distance_m),
                "pb": pb,
                "pace": science.pace_s_per_km(pb.distance_m, pb.duration_s),
            }
            for pb in summary.personal_bests
        ],
        "predictions": [
            {"name": pb_name(item.distance_m), "item": item} for item in summary.predictions
        ],
    }


def week_plan_context(plans: Iterable[Any], *, today: date) -> dict[str, Any]:
    """Compliance bands across ``plans`` (the few plans with workouts this week) and the
    planned distance of this week where a plan's weeks line up with the ISO week."""
    monday = today - timedelta(days=today.weekday())
    bands: dict[Any, str] = {}
    planned_m: float | None = None
    for plan in plans:
        context = plan_context(plan=plan, today=today)
        bands.update(context["bands"])
        week = context["weeks_by_start"].get(monday)
        if week is not None:
            planned_m = (planned_m or 0.0) + week.planned_distance_m
    return {"bands": bands, "week_planned_m": planned_m}


# The plan calendar grid is shared with the coach's admin calendar: it lives in analytics.calendar
# and is re-exported here for the dashboard's views.
