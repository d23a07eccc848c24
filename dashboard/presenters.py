"""Dashboard-facing views of analytics: turn the analytics selectors' results and a run's track
into what the pages draw (charts, splits, compliance bands). No training rule is decided here;
analytics.science and the analytics selectors own them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.safestring import SafeString

from analytics import route, science, selectors
from analytics.calendar import (  # noqa: F401  (re-exported for dashboard.views)
    PLAN_BAND_LABELS,
    WEEKDAY_NAMES,
    ZONE_NAMES,
    CalendarCell,
    CalendarWeek,
    WorkoutItem,
    band_for,
    plan_calendar_weeks,
    plan_context,
    workout_item,
    zone_paces,
)
from dashboard import charts
from training import formatting
from training import shoes as shoe_rules

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


def route_map_chart(samples: dict[str, Any], *, units: str, distance_m: float) -> SafeString | None:
    """The run's route as inline SVG with a marker at the end of each km or mile (the same
    boundaries as the splits table); ``None`` when the track has no positions to draw."""
    shape = route.route_map(samples, split_m=formatting.metres_per_unit(units))
    if shape is None:
        return None
    unit = formatting.unit_label(units)
    width_m, height_m = round(shape.span_east_m), round(shape.span_north_m)
    description = (
        f"The route of this {formatting.format_distance(distance_m, units)} run, about "
        f"{width_m:,} m east to west and {height_m:,} m north to south, north up, from the "
        "start (round dot) to the finish (square)"
    )
    if shape.markers:
        description += (
            f", with a numbered marker at the end of each {unit} (1 to {shape.markers[-1].number})"
        )
    return charts.route_map(
        shape, title="Route map", description=description + ".", marker_label=unit
    )


# --- Shoes ---------------------------------------------------------------------------------------

WEAR_LABELS = {
    "ok": "",
    "near_retirement": "Near retirement",
    "past_retirement": "Past retirement",
}


@dataclass(frozen=True)
class ShoeRow:
    """A shoe as the dashboard lists it, in the runner's units (docs/API.md, Shoes)."""

    shoe: Any
    distance: str  # "532 km"
    retirement: str
    remaining: str
    wear: str  # training.shoes.Wear
    wear_label: str
    used_percent: int  # of the retirement distance, capped at 100, for the meter


def shoe_rows(shoes: Iterable[Any], *, units: str) -> list[ShoeRow]:
    """Rows for shoes annotated by ``training.selectors.shoes_with_distance``."""
    rows = []
    for shoe in shoes:
        distance_m = float(shoe.distance_m)
        wear = shoe_rules.wear(distance_m, shoe.retirement_distance_m)
        rows.append(
            ShoeRow(
                shoe=shoe,
                distance=formatting.format_distance(distance_m, units, decimals=0),
                retirement=formatting.format_distance(
                    shoe.retirement_distance_m, units, decimals=0
                ),
                remaining=formatting.format_distance(
                    shoe_rules.remaining_m(distance_m, shoe.retirement_distance_m),
                    units,
                    decimals=0,
                ),
                wear=wear,
                wear_label=WEAR_LABELS[wear],
                used_percent=min(100, round(100 * distance_m / shoe.retirement_distance_m)),
            )
        )
    return rows


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

# The standard distances by their best-effort key (analytics.science.BEST_EFFORT_DISTANCES_M).
EFFORT_NAMES = {
    "400m": "400 m",
    "1k": "1 km",
    "1mi": "1 mile",
    "5k": "5 km",
    "10k": "10 km",
    "half": "Half marathon",
    "marathon": "Marathon",
}
PB_NAMES = {science.BEST_EFFORT_DISTANCES_M[key]: name for key, name in EFFORT_NAMES.items()}


def pb_name(distance_m: float) -> str:
    return PB_NAMES.get(distance_m) or PB_NAMES.get(round(distance_m)) or f"{distance_m:g} m"


def training_paces_rows(paces: science.TrainingPaces | None) -> list[dict[str, Any]]:
    """Daniels' zones, easiest first, each with its fastest and slowest pace (s/km)."""
    if paces is None:
        return []
    rows = []
    for zone in science.PACE_ZONES:
        fast, slow = paces.zone_range(zone)
        rows.append(
            {"zone": zone, "name": ZONE_NAMES[zone], "fast_s_per_km": fast, "slow_s_per_km": slow}
        )
    return rows


def run_efforts_context(efforts: Sequence[Any]) -> list[dict[str, Any]]:
    """A run's best efforts (``training.selectors.run_best_efforts``) with their names."""
    return [{"name": EFFORT_NAMES.get(e.distance, e.distance), "effort": e} for e in efforts]


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
        "training_paces": training_paces_rows(summary.training_paces),
        "vdot": summary.vdot,
        "week_zones": selectors.week_time_in_zones(
            runner, first_day=science.week_start(today), last_day=today
        ),
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
