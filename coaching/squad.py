"""The squad page, the coach's admin home (issue 17): ``analytics.selectors.squad_overview``'s
rows as table lines in each runner's units, sorted by the column the coach picked.

The rules (what is flagged, what "this week" means) live in ``analytics``; this module only
words, orders and links them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse

from analytics.types import SquadRow
from training import formatting

FLAG_LABELS = {
    "missed_key_session": "Missed key session",
    "form_low": "Form below -30",
    "idle": "No run for 7 days",
    "plan_ending": "Plan ends within 2 weeks",
}
BAND_LABELS = {
    "green": "on target",
    "yellow": "partly done",
    "red": "off target",
    "missed": "missed",
    "upcoming": "upcoming",
}

# Sort keys: the column's value for a row. Rows without a value sort last either way.
_FAR = date.max


def _next_date(row: SquadRow) -> date:
    return row.next_race_date or row.plan_end or _FAR


SORTS: dict[str, tuple[str, Callable[[SquadRow], Any]]] = {
    "athlete": ("Athlete", lambda row: row.username.lower()),
    "planned": ("Planned this week", lambda row: row.planned_distance_m),
    "done": ("Done this week", lambda row: row.done_distance_m),
    "last_run": ("Last run", lambda row: row.last_run_day or date.min),
    "form": ("Fitness · fatigue · form", lambda row: row.tsb),
    "next": ("Next race or plan end", _next_date),
    "flags": ("Flags", lambda row: len(row.flags)),
}
# Flags first (most first) is what a coach opens the page for.
DEFAULT_SORT = "-flags"


@dataclass(frozen=True)
class Flag:
    code: str
    label: str


@dataclass(frozen=True)
class Chip:
    name: str
    day: str
    band: str
    label: str
    href: str


@dataclass(frozen=True)
class SquadLine:
    row: SquadRow
    name: str
    calendar_url: str
    planned: str
    done: str
    sessions: str
    chips: list[Chip]
    last_run: str
    load: str
    next_text: str
    flags: list[Flag]


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    href: str
    sorted: str  # "ascending", "descending" or "" (for aria-sort)


def parse_sort(value: str | None) -> tuple[str, bool]:
    """``"-form"`` → ``("form", True)`` (descending); an unknown key gives the default."""
    value = value or DEFAULT_SORT
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in SORTS:
        return parse_sort(DEFAULT_SORT)
    return key, descending


def sort_rows(rows: Sequence[SquadRow], key: str, *, descending: bool) -> list[SquadRow]:
    """Rows by ``key`` (a ``SORTS`` key), ties by username, so the order is stable."""
    ordered = sorted(rows, key=lambda row: row.username.lower())
    return sorted(ordered, key=SORTS[key][1], reverse=descending)


# Columns where the largest value is what a coach looks for first open descending.
_DESCENDING_FIRST = {"flags", "planned", "done", "last_run"}


def headers(key: str, *, descending: bool) -> list[Header]:
    """Each column's heading: a link that sorts by it (again: the other way round)."""
    result = []
    for name, (label, _value) in SORTS.items():
        if name == key:
            href = f"?sort={name}" if descending else f"?sort=-{name}"
            state = "descending" if descending else "ascending"
        else:
            href = f"?sort=-{name}" if name in _DESCENDING_FIRST else f"?sort={name}"
            state = ""
        result.append(Header(key=name, label=label, href=href, sorted=state))
    return result


def _distance(distance_m: float, units: str) -> str:
    return formatting.format_distance(distance_m, units, decimals=1)


def squad_line(row: SquadRow) -> SquadLine:
    units = row.units
    if row.plan_id is not None:
        calendar_url = reverse("admin:training_plan_calendar", args=[row.plan_id])
    else:
        calendar_url = (
            reverse("admin:training_plan_changelist") + f"?runner__id__exact={row.runner_id}"
        )
    if row.last_run is not None and row.last_run_day is not None:
        last_run = (
            f"{row.last_run_day:%a %-d %b}: {_distance(row.last_run.distance_m, units)} at "
            f"{formatting.format_pace(row.last_run.pace_s_per_km, units)}"
        )
    else:
        last_run = "No runs yet"
    if row.next_race_date is not None:
        next_text = f"Race {row.next_race_date:%-d %b %Y}: {row.next_race_name}"
    elif row.plan_end is not None:
        next_text = f"Plan ends {row.plan_end:%-d %b %Y}"
    else:
        next_text = "—"
    chips = [
        Chip(
            name=workout.name,
            day=f"{workout.scheduled_date:%a}",
            band=workout.band,
            label=BAND_LABELS.get(workout.band, workout.band),
            href=reverse("admin:training_workout_change", args=[workout.id]),
        )
        for workout in row.workouts
    ]
    return SquadLine(
        row=row,
        name=row.full_name or row.username,
        calendar_url=calendar_url,
        planned=_distance(row.planned_distance_m, units),
        done=_distance(row.done_distance_m, units),
        sessions=f"{row.done_sessions} of {row.planned_sessions} sessions",
        chips=chips,
        last_run=last_run,
        load=f"{row.ctl:.0f} · {row.atl:.0f} · {row.tsb:+.0f}",
        next_text=next_text,
        flags=[Flag(code, FLAG_LABELS[code]) for code in row.flags],
    )


def squad_context(rows: Sequence[SquadRow], sort: str | None) -> dict[str, Any]:
    key, descending = parse_sort(sort)
    return {
        "squad_lines": [squad_line(row) for row in sort_rows(rows, key, descending=descending)],
        "squad_headers": headers(key, descending=descending),
        "squad_sort": ("-" if descending else "") + key,
        "flag_labels": FLAG_LABELS,
    }
