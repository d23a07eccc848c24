"""Runs out as CSV and planned workouts out as iCalendar (docs/API.md, Activity files), in the
runner's units.

Pure builders: they take model instances (already scoped by the caller through
``training.selectors``) and return text; the views only stream what these produce.
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterable, Iterator
from datetime import timedelta

from icalendar import Calendar, Event

from training.formatting import (
    format_clock_short,
    format_distance,
    format_pace,
    format_pace_number,
    metres_per_unit,
)
from training.models import Run, RunnerProfile, Workout

FEET_PER_METRE = 1 / 0.3048
CALENDAR_PRODID = "-//Running Training Tracker//Training plans//EN"
# Hosts in UIDs only make them globally unique (RFC 5545 3.8.4.7); they never change, so a
# calendar app that already has an event updates it in place instead of adding a duplicate.
UID_DOMAIN = "running-training-tracker"
# Spreadsheet apps run a cell that starts with these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def units_of(user: object) -> str:
    profile = getattr(user, "profile", None)
    return profile.units if isinstance(profile, RunnerProfile) else "km"


def format_hms(seconds: float | None) -> str:
    """Durations in files: ``m:ss`` under an hour, ``h:mm:ss`` above; empty for ``None``."""
    return format_clock_short(seconds, empty="")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def csv_header(units: str) -> list[str]:
    elevation_display = ["elevation_gain_ft"] if units == "mi" else []
    return [
        "id",
        "started_at",
        "local_start",
        "local_date",
        "timezone",
        "source",
        "plan_id",
        "plan_name",
        "workout_id",
        "workout_name",
        f"distance_{units}",
        "duration",
        "elapsed",
        f"pace_per_{units}",
        *elevation_display,
        "distance_m",
        "duration_s",
        "elapsed_s",
        "pace_s_per_km",
        "elevation_gain_m",
        "avg_heart_rate",
        "max_heart_rate",
        "avg_cadence",
        "perceived_effort",
        "notes",
        "created_at",
        "updated_at",
    ]


def csv_row(run: Run, units: str) -> list[str]:
    """One run as CSV cells; ``run.plan``/``run.workout`` should be select_related."""
    unit_m = metres_per_unit(units)
    pace = run.pace_s_per_km
    gain_m = run.elevation_gain_m
    elevation_display = (
        [_number(None if gain_m is None else gain_m * FEET_PER_METRE, 1)] if units == "mi" else []
    )
    return [
        str(run.id),
        run.started_at.isoformat(),
        _local_start(run),
        run.local_date.isoformat(),
        run.timezone,
        run.source,
        str(run.plan_id or ""),
        _safe_text(run.plan.name) if run.plan else "",
        str(run.workout_id or ""),
        _safe_text(run.workout.name) if run.workout else "",
        f"{run.distance_m / unit_m:.3f}",
        format_hms(run.duration_s),
        format_hms(run.elapsed_s),
        format_pace_number(pace, units, empty=""),
        *elevation_display,
        f"{run.distance_m:.1f}",
        str(run.duration_s),
        "" if run.elapsed_s is None else str(run.elapsed_s),
        _number(pace, 1),
        _number(run.elevation_gain_m, 1),
        "" if run.avg_heart_rate is None else str(run.avg_heart_rate),
        "" if run.max_heart_rate is None else str(run.max_heart_rate),
        "" if run.avg_cadence is None else str(run.avg_cadence),
        "" if run.perceived_effort is None else str(run.perceived_effort),
        _safe_text(run.notes),
        run.created_at.isoformat(),
        run.updated_at.isoformat(),
    ]


def _local_start(run: Run) -> str:
    try:
        zone = zoneinfo.ZoneInfo(run.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return run.started_at.astimezone(zone).isoformat()


class _Echo:
    """A write-only "file" that hands back what is written, so csv.writer feeds a generator."""

    def write(self, value: str) -> str:
        return value


def runs_csv(runs: Iterable[Run], units: str) -> Iterator[str]:
    """CSV text of ``runs``, line by line, header first (UTF-8, RFC 4180 quoting)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(csv_header(units))
    for run in runs:
        yield writer.writerow(csv_row(run, units))


def workout_event(workout: Workout, units: str) -> Event:
    """One planned workout as an all-day VEVENT with a UID stable across regenerations."""
    type_label = Workout.WorkoutType(workout.workout_type).label
    summary = workout.name
    if workout.planned_distance_m:
        summary += f" · {format_distance(workout.planned_distance_m, units)}"
    lines = [f"Type: {type_label}"]
    if workout.planned_distance_m:
        lines.append(f"Planned distance: {format_distance(workout.planned_distance_m, units)}")
    if workout.planned_duration_s:
        lines.append(f"Planned time: {format_hms(workout.planned_duration_s)}")
    if workout.target_pace_min_s_per_km and workout.target_pace_max_s_per_km:
        lines.append(
            "Target pace: "
            # Calendar descriptions keep the unit glued on: "4:30/km - 4:40/km".
            f"{format_pace(workout.target_pace_min_s_per_km, units, gap='')} - "
            f"{format_pace(workout.target_pace_max_s_per_km, units, gap='')}"
        )
    if workout.notes:
        lines.extend(["", workout.notes])

    event = Event()
    event.add("uid", workout_uid(workout))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("categories", [type_label])
    event.add("dtstart", workout.scheduled_date)
    event.add("dtend", workout.scheduled_date + timedelta(days=1))
    event.add("dtstamp", workout.updated_at)
    event.add("last-modified", workout.updated_at)
    event.add("transp", "TRANSPARENT")  # a planned run does not block the day as busy
    return event


def workout_uid(workout: Workout) -> str:
    return f"workout-{workout.id}@{UID_DOMAIN}"


def workouts_calendar(workouts: Iterable[Workout], *, name: str, units: str) -> bytes:
    """An iCalendar (RFC 5545) document with one all-day event per workout."""
    calendar = Calendar()
    calendar.add("prodid", CALENDAR_PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    # Hints for subscribing apps; most poll a few times a day whatever is said here.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for workout in workouts:
        calendar.add_component(workout_event(workout, units))
    content: bytes = calendar.to_ical()
    return content
