"""Queries that feed the analytics (docs/API.md, Analytics), returning the frozen dataclasses of
``analytics.types`` built with the rules of ``analytics.science`` (this module decides no rule).

Each public selector runs a fixed, small number of queries scoped to one runner or one plan:
sums, counts and weekly buckets are aggregated in the database on ``Run.local_date`` (the run's
local calendar day, kept by ``Run.save``), and only bounded row sets come back to Python for the
formulas in ``analytics.science`` (at most ~216 days of runs for the training load, two stored
efforts per distance for personal bests, at most one row per week of history).

"Today" is the runner's calendar day in their profile time zone, so "missed" and "this week"
match what the runner sees on their own clock; the admin's plan changelist counts adherence with
the same "today" (``annotate_plan_adherence``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics import science
from analytics.types import (
    ActualTotals,
    Period,
    PersonalBest,
    PlanAnalytics,
    PlannedTotals,
    PlanProgress,
    PlanWeek,
    PlanWeekSummary,
    Prediction,
    RunBrief,
    RunnerSummary,
    SquadRow,
    SquadWorkout,
    Totals,
    TrainingLoad,
    WeekOutOfRange,
    WeekRun,
    WeekTotals,
    WorkoutCompliance,
    WorkoutCounts,
)
from tracker.database import prepared_cursor
from tracker.statements import compiled_rows_of
from training import selectors as training_selectors
from training.aggregates import SUMMED_COLUMNS, load_profile_key
from training.models import (
    Plan,
    Run,
    RunListVersion,
    RunnerDay,
    RunnerEffort,
    RunnerProfile,
    RunnerWeek,
    RunTrack,
    Workout,
    pace_s_per_m,
    plan_week_count,
)

WEEKLY_SERIES_WEEKS = 12
TRAINING_LOAD_DAYS = 90
# CTL has a 42-day time constant: starting the EWMA three constants (126 days) before the shown
# window leaves under 5 % of the artificial zero start in the first shown day's fitness.
TRAINING_LOAD_WARMUP_DAYS = 3 * science.CTL_DAYS
PREDICTION_WINDOW_DAYS = 90
# The fastest run must be at least this long, so a 50 m test entry is not the "fastest run".
FASTEST_RUN_MIN_DISTANCE_M = 1_000.0


# --- Runner profile helpers -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    tz: zoneinfo.ZoneInfo
    max_hr: int | None
    resting_hr: int | None
    sex: str


# A runner without a profile: UTC, no heart rates, sex unspecified.
_NO_PROFILE = _Profile(zoneinfo.ZoneInfo("UTC"), None, None, "unspecified")


def _zone_named(name: str | None) -> zoneinfo.ZoneInfo:
    """The profile's time zone; UTC when it is empty or not a zone this machine knows."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _profile_of(user: Any) -> _Profile:
    profile = getattr(user, "profile", None)
    if profile is None:
        return _NO_PROFILE
    return _Profile(_zone_named(profile.timezone), profile.max_hr, profile.resting_hr, profile.sex)


def runner_summary_version(runner: Any) -> tuple[_Profile, str]:
    """The profile facts the analytics use (time zone, heart rates, sex), read by the runner's
    id (``runner.profile`` on the API's lazily loaded user would read the user's row first,
    tracker/authentication.py, a round trip the summary has no use for), and, read with them in
    one statement, a version of everything the runner's summary shows but its URL: the runner's
    run-list version (``RunListVersion``: every write of their runs, their days' loads or their
    efforts moves it), the profile facts (the loads, zones and "today" depend on them) and the
    day it is in that time zone now. The summary keeps its answer in the cache at this version
    (tracker.kept_answers). A runner without a profile costs a second statement."""
    rows = compiled_rows_of("summary_version", _summary_version_query, (runner.pk,))
    if rows:
        zone, max_hr, resting_hr, sex, runs_version = rows[0]
        profile = _Profile(_zone_named(zone), max_hr, resting_hr, sex)
        facts = f"{zone}|{max_hr}|{resting_hr}|{sex}"
    else:
        profile = _NO_PROFILE
        runs_version, facts = training_selectors.run_list_versions([runner.pk]), "-"
    today = local_today(profile.tz)
    return profile, f"{runs_version}:{facts}:{today.isoformat()}"


def _summary_version_query(runner_id: int) -> QuerySet[Any]:
    # By the runner's id, never their user row (the API's lazily loaded user has only the id).
    version = RunListVersion.objects.filter(runner_id=runner_id).values("version")[:1]
    return (
        RunnerProfile.objects.filter(user_id=runner_id)
        .annotate(runs_version=Subquery(version))
        .values_list("timezone", "max_hr", "resting_hr", "sex", "runs_version")[:1]
    )


def local_today(tz: zoneinfo.ZoneInfo) -> date:
    """The calendar day now in ``tz`` (one place for tests to pin "today")."""
    return timezone.localdate(timezone=tz)


def runner_today(runner: Any) -> date:
    """The runner's calendar day now, in their profile time zone."""
    return local_today(_profile_of(runner).tz)


_BRIEF_FIELDS = ("id", "started_at", "distance_m", "duration_s")


def _run_brief(row: tuple[Any, ...] | None) -> RunBrief | None:
    """A run's ``_BRIEF_FIELDS`` row as the summary shows it."""
    if row is None:
        return None
    run_id, started_at, distance_m, duration_s = row
    return RunBrief(
        id=run_id,
        started_at=started_at,
        distance_m=distance_m,
        duration_s=duration_s,
        pace_s_per_km=science.pace_s_per_km(distance_m, duration_s),
    )


def _runs_in_period(runner_id: int, date_to: date, date_from: date | None = None) -> QuerySet[Run]:
    """The runner's runs of the period's local days (from the first run when ``date_from`` is
    ``None``)."""
    runs = Run.objects.filter(runner_id=runner_id, local_date__lte=date_to)
    return runs if date_from is None else runs.filter(local_date__gte=date_from)


def _longest_run_query(runner_id: int, *period: date) -> QuerySet[Any]:
    return (
        _runs_in_period(runner_id, *period)
        .annotate(is_longest=Value(True))
        .order_by("-distance_m", "-started_at")
        .values_list(*_BRIEF_FIELDS, "is_longest")[:1]
    )


def _fastest_run_query(runner_id: int, *period: date) -> QuerySet[Any]:
    return (
        _runs_in_period(runner_id, *period)
        .filter(distance_m__gte=FASTEST_RUN_MIN_DISTANCE_M)
        .annotate(pace=pace_s_per_m(), is_longest=Value(False))
        .order_by("pace", "-started_at")
        .values_list(*_BRIEF_FIELDS, "is_longest")[:1]
    )


def _longest_and_fastest_query(runner_id: int, *period: date) -> QuerySet[Any]:
    return _longest_run_query(runner_id, *period).union(
        _fastest_run_query(runner_id, *period), all=True
    )


def _longest_and_fastest(runner_id: int, *period: date) -> tuple[RunBrief | None, RunBrief | None]:
    """The period's longest run and its fastest (of at least ``FASTEST_RUN_MIN_DISTANCE_M``),
    each found through its own index. On PostgreSQL one statement of at most two rows, the
    two queries in a ``UNION ALL``: a round trip fewer for every summary computed
    (docs/PERFORMANCE.md, section 38). SQLite allows no ``LIMIT`` inside a ``UNION``, so
    there they stay two. ``is_longest``, after the ``_BRIEF_FIELDS``, tells the rows apart."""
    values = (runner_id, *period)
    if connection.features.supports_slicing_ordering_in_compound:
        key = ("longest_and_fastest_run", len(values))
        rows = compiled_rows_of(key, _longest_and_fastest_query, values)
    else:
        rows = [*_longest_run_query(runner_id, *period), *_fastest_run_query(runner_id, *period)]
    found = {row[-1]: _run_brief(row[:-1]) for row in rows}
    return found.get(True), found.get(False)


# --- Runner summary -------------------------------------------------------------------------------
def runner_summary(
    *,
    runner: Any,
    date_from: date | None,
    date_to: date | None,
    today: date | None = None,
    profile: _Profile | None = None,
) -> RunnerSummary:
    """Everything the summary endpoint and the dashboard home show for ``runner``
    (``profile``: the runner's profile facts when the caller has read them,
    ``runner_summary_version``).

    Totals, longest and fastest run cover ``date_from``…``date_to`` (local days, inclusive;
    ``date_from=None`` means since the first run, ``date_to=None`` means today). The weekly series
    is the 12 ISO weeks ending with the week of ``date_to``. Personal bests are all-time up to
    today; VDOT, predictions and training load look back from today; the streak counts back
    from this week.
    """
    profile = profile or _profile_of(runner)
    today = today or local_today(profile.tz)
    date_to = date_to or today

    weeks = _runner_weeks(runner.pk, date_to=date_to, today=today)
    days = _runner_days(runner.pk, date_from=date_from, date_to=date_to, today=today)
    weekly, streak_weeks, totals, first_day = _weeks_and_totals(
        weeks, days, date_from=date_from, date_to=date_to, today=today
    )
    period = (date_to,) if date_from is None else (date_to, date_from)
    longest_run, fastest_run = _longest_and_fastest(runner.pk, *period)

    personal_bests, recent_bests = _personal_bests(runner.pk, today=today)
    vdot_value, predictions = _vdot_and_predictions(recent_bests)
    training_load = _training_load_of_days(days, runner, profile=profile, today=today)

    return RunnerSummary(
        period=Period(date_from=date_from or first_day, date_to=date_to),
        totals=totals,
        longest_run=longest_run,
        fastest_run=fastest_run,
        weekly=weekly,
        personal_bests=personal_bests,
        vdot=vdot_value,
        predictions=predictions,
        training_load=training_load,
        streak_weeks=streak_weeks,
        training_paces=_training_paces(vdot_value),
    )


@dataclass(frozen=True)
class WeekZoneTime:
    """Seconds of a runner's week in one heart-rate zone (docs/API.md, Heart-rate zones)."""

    zone: int
    min_bpm: int
    max_bpm: int
    duration_s: float


def week_time_in_zones(
    runner: Any, *, first_day: date, last_day: date
) -> tuple[WeekZoneTime, ...] | None:
    """Seconds in each heart-rate zone over ``runner``'s tracked runs from ``first_day`` to
    ``last_day`` (local days), or ``None`` without a max and resting heart rate in the profile.
    One query, reading only the tracks' time and heart-rate columns."""
    profile = _profile_of(runner)
    if profile.max_hr is None or profile.resting_hr is None or profile.max_hr <= profile.resting_hr:
        return None
    zones = science.heart_rate_zones(max_hr_bpm=profile.max_hr, resting_hr_bpm=profile.resting_hr)
    totals = [0.0] * len(zones)
    tracks = RunTrack.objects.filter(
        run__runner=runner, run__local_date__gte=first_day, run__local_date__lte=last_day
    ).values_list("samples__t_s", "samples__hr_bpm")
    for times_s, hr_bpm in tracks:
        if times_s and hr_bpm:
            for index, seconds in enumerate(science.time_in_zones_s(times_s, hr_bpm, zones)):
                totals[index] += seconds
    return tuple(
        WeekZoneTime(z.number, round(z.min_bpm), round(z.max_bpm), round(total, 1))
        for z, total in zip(zones, totals, strict=True)
    )


def runner_training_paces(
    runner: Any, *, today: date | None = None
) -> tuple[float | None, science.TrainingPaces | None]:
    """``runner``'s current VDOT and its training paces, as the summary reports them: one
    query (the personal bests')."""
    today = today or runner_today(runner)
    _, recent_bests = _personal_bests(runner.pk, today=today)
    vdot_value, _ = _vdot_and_predictions(recent_bests)
    return vdot_value, _training_paces(vdot_value)


def _training_paces(vdot_value: float | None) -> science.TrainingPaces | None:
    """Daniels' paces of the summary's VDOT, to 0.1 s/km like the other summary numbers."""
    if vdot_value is None:
        return None
    paces = science.training_paces(vdot_value)
    return science.TrainingPaces(
        **{name: round(value, 1) for name, value in dataclasses.asdict(paces).items()}
    )


def _runner_weeks(runner_id: int, *, date_to: date, today: date) -> list[tuple[Any, ...]]:
    """The runner's weeks with runs (``RunnerWeek``) up to the later of the weeks of
    ``date_to`` and ``today``: one row per week of history however many runs each week has
    (docs/PERFORMANCE.md, section 22). Rows: week start, runs, distance and its remainder,
    seconds, elevation and its remainder, the week's first day with a run."""
    up_to = max(science.week_start(date_to), science.week_start(today))
    return compiled_rows_of("runner_weeks", _runner_weeks_query, (runner_id, up_to))


def _runner_weeks_query(runner_id: int, up_to: date) -> QuerySet[Any]:
    return (
        RunnerWeek.objects.filter(runner_id=runner_id, week_start__lte=up_to)
        .order_by()
        .values_list("week_start", *SUMMED_COLUMNS, "first_day")
    )


def _runner_days(
    runner_id: int, *, date_from: date | None, date_to: date, today: date
) -> list[tuple[Any, ...]]:
    """The runner's days with runs (``RunnerDay``) that the weeks do not answer for: the
    training-load window, and the days of the period in its first and last week when those
    are cut by ``date_from`` or ``date_to``. Rows: day, runs, distance and its remainder,
    seconds, elevation and its remainder, load, the profile the load was computed with."""
    ranges = [_training_load_first_day(today), today, science.week_start(date_to), date_to]
    if date_from is not None:
        ranges += [date_from, science.week_start(date_from) + timedelta(days=6)]
    return compiled_rows_of(("runner_days", len(ranges)), _runner_days_query, (runner_id, *ranges))


def _runner_days_query(runner_id: int, *ranges: date) -> QuerySet[Any]:
    """``ranges``: first and last day of each range of days wanted."""
    wanted = Q()
    for first, last in zip(ranges[::2], ranges[1::2], strict=True):
        wanted |= Q(local_date__gte=first, local_date__lte=last)
    return (
        RunnerDay.objects.filter(wanted, runner_id=runner_id)
        .order_by()
        .values_list("local_date", *SUMMED_COLUMNS, "load", "load_profile")
    )


SIX_DAYS = timedelta(days=6)


def _weeks_and_totals(
    weeks: list[tuple[Any, ...]],
    days: list[tuple[Any, ...]],
    *,
    date_from: date | None,
    date_to: date,
    today: date,
) -> tuple[tuple[WeekTotals, ...], int, Totals, date | None]:
    """The weekly series, the streak and the period's totals.

    The period's totals add up the weeks that lie wholly inside it and the days of the weeks
    it cuts. Distances are added with ``math.fsum`` over each row's sum and remainder
    (``RunnerDay``), so every total is the correctly rounded sum of its runs' values.
    """

    # The days of the weeks that lie wholly in the period, as a range of days: from the first
    # Monday on or after date_from, to the Monday after the last week that ends by date_to. A
    # week's row (its Monday) and a day's row are tested alike, with two comparisons, instead
    # of a call of week_start for each of the hundreds of days.
    whole_weeks_from = None if date_from is None else science.week_start(date_from + SIX_DAYS)
    whole_weeks_until = science.week_start(date_to - SIX_DAYS) + timedelta(days=7)

    def in_a_whole_week(day: date) -> bool:
        return (whole_weeks_from is None or day >= whole_weeks_from) and day < whole_weeks_until

    last_week = science.week_start(date_to)
    by_week = {row[0]: row for row in weeks}
    distance_parts: list[float] = []
    elevation_parts: list[float] = []
    period_runs = period_duration_s = 0
    period_days: list[date] = []
    # Rows: (first day with a run, runs, distance, its remainder, seconds, elevation, its
    # remainder): the whole weeks, then the days of the cut weeks.
    rows = [(row[7], *row[1:7]) for row in weeks if in_a_whole_week(row[0])] + [
        row[:7]
        for row in days
        if row[0] <= date_to
        and (date_from is None or row[0] >= date_from)
        and not in_a_whole_week(row[0])
    ]
    for first, runs, distance_m, distance_res, duration_s, elevation_m, elevation_res in rows:
        distance_parts += (distance_m, distance_res)
        elevation_parts += (elevation_m, elevation_res)
        period_runs += runs
        period_duration_s += duration_s
        period_days.append(first)
    weekly = []
    for offset in range(WEEKLY_SERIES_WEEKS - 1, -1, -1):
        monday = last_week - timedelta(weeks=offset)
        week = by_week.get(monday)
        weekly.append(
            WeekTotals(
                week_start=monday,
                distance_m=math.fsum(week[2:4]) if week else 0.0,
                duration_s=week[4] if week else 0,
                runs=week[1] if week else 0,
            )
        )
    distance_m = math.fsum(distance_parts)
    totals = Totals(
        runs=period_runs,
        distance_m=distance_m,
        duration_s=period_duration_s,
        elevation_gain_m=math.fsum(elevation_parts),
        avg_pace_s_per_km=(
            science.pace_s_per_km(distance_m, period_duration_s) if period_duration_s else None
        ),
    )
    first_day = min(period_days, default=None)
    return tuple(weekly), science.week_streak(by_week.keys(), today=today), totals, first_day


@functools.cache
def _best_efforts_sql() -> str:
    """The fastest effort per standard distance of one runner up to today, and the fastest
    within the last 90 days: for each, the first entry of ``runner_effort_best_idx``
    (``RunnerEffort``), so the query reads a few index entries per distance however many runs
    there are. Written once per process from the science's distance keys.

    Without indentation, one space between words: psycopg keeps its conversion of a
    statement's named parameters only for statements of at most 4,096 characters, and the
    indented text (4,752) was converted again on every summary (docs/PERFORMANCE.md,
    section 38)."""
    table = connection.ops.quote_name(RunnerEffort._meta.db_table)
    parts = [
        f"SELECT * FROM (SELECT run_id, started_at, distance, elapsed_s, {int(recent)} AS recent"  # noqa: S608
        f" FROM {table} WHERE runner_id = %(runner_id)s AND distance = '{key}'"
        f" AND local_date <= %(today)s{' AND local_date >= %(recent_from)s' if recent else ''}"
        f" ORDER BY elapsed_s, started_at, run_id LIMIT 1) best_{index}_{int(recent)}"
        for index, key in enumerate(science.BEST_EFFORT_DISTANCES_M)
        for recent in (False, True)
    ]
    return " UNION ALL ".join(parts)


@dataclass(frozen=True)
class _Effort:
    distance_m: float
    duration_s: float
    run_id: uuid.UUID
    started_at: datetime
    recent: bool


def _personal_bests(
    runner_id: int, *, today: date
) -> tuple[tuple[PersonalBest, ...], tuple[_Effort, ...]]:
    """All-time personal bests, and the best effort of the last 90 days per distance.

    One query over the stored best efforts of every run (and the runs that stand in for a
    distance with their whole length, docs/API.md, Best efforts) returns the fastest per
    (distance, within 90 days); the all-time best is the faster of the two.
    """
    recent_from = today - timedelta(days=PREDICTION_WINDOW_DAYS - 1)
    # Prepared: PostgreSQL spent 0.86 ms planning these twenty-odd branches and 0.16 ms running
    # them (docs/PERFORMANCE.md, section 26).
    with prepared_cursor() as cursor:
        cursor.execute(
            _best_efforts_sql(),
            {"runner_id": runner_id, "today": today, "recent_from": recent_from},
        )
        rows = cursor.fetchall()
    all_time: dict[float, _Effort] = {}
    recent: dict[float, _Effort] = {}
    for run_id, started_at, key, seconds, is_recent in rows:
        effort = _Effort(
            distance_m=science.BEST_EFFORT_DISTANCES_M[key],
            duration_s=float(seconds),
            run_id=run_id if isinstance(run_id, uuid.UUID) else uuid.UUID(str(run_id)),
            started_at=_aware(started_at),
            recent=bool(is_recent),
        )
        if effort.recent:
            recent[effort.distance_m] = effort
        best = all_time.get(effort.distance_m)
        if best is None or (effort.duration_s, effort.started_at) < (
            best.duration_s,
            best.started_at,
        ):
            all_time[effort.distance_m] = effort
    distances = science.PERSONAL_BEST_DISTANCES_M
    personal_bests = tuple(
        PersonalBest(
            distance_m=e.distance_m,
            duration_s=round(e.duration_s, 1),
            run_id=e.run_id,
            started_at=e.started_at,
        )
        for d in distances
        if (e := all_time.get(d)) is not None
    )
    return personal_bests, tuple(recent[d] for d in distances if d in recent)


def _aware(value: Any) -> datetime:
    """A ``started_at`` from a raw row as the ORM would return it: SQLite hands back text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, zoneinfo.ZoneInfo("UTC"))
    return value


def _vdot_and_predictions(
    recent_bests: tuple[_Effort, ...],
) -> tuple[float | None, tuple[Prediction, ...]]:
    """VDOT and race predictions from the recent best effort (of at least 1 km) with the
    highest VDOT."""
    scored = [
        (science.vdot(e.distance_m, e.duration_s), e)
        for e in recent_bests
        if e.distance_m >= science.VDOT_MIN_DISTANCE_M
    ]
    if not scored:
        return None, ()
    best_vdot, effort = max(scored, key=lambda pair: pair[0])
    if best_vdot <= 0:
        return None, ()
    predictions = tuple(
        Prediction(
            distance_m=target,
            riegel_s=round(
                science.riegel_time_s(
                    time_s=effort.duration_s,
                    distance_m=effort.distance_m,
                    target_distance_m=target,
                ),
                1,
            ),
            vdot_s=round(science.vdot_race_time_s(best_vdot, target), 1),
        )
        for target in science.PREDICTION_DISTANCES_M
    )
    return round(best_vdot, 1), predictions


def _training_load(runs: Any, *, profile: _Profile, today: date) -> TrainingLoad:
    """Daily load over the last 90 days with ATL/CTL/TSB, warmed up on the 126 days before."""
    first_day = _training_load_first_day(today)
    rows = (
        runs.filter(local_date__gte=first_day, local_date__lte=today)
        .order_by()
        .values_list("local_date", "duration_s", "perceived_effort", "avg_heart_rate")
    )
    return _training_load_of_rows(rows, profile=profile, today=today)


def _training_load_of_days(
    days: list[tuple[Any, ...]], runner: Any, *, profile: _Profile, today: date
) -> TrainingLoad:
    """The training load from the days' stored loads; from ``runner``'s runs (one more query)
    when a day in the window was computed with other heart rates or sex than the profile has
    now (``RunnerDay``: a profile change rebuilds them, this guards any write that skipped it).
    The runs' queryset is built only then: building it was a twentieth of every summary."""
    first_day = _training_load_first_day(today)
    current = load_profile_key((profile.max_hr, profile.resting_hr, profile.sex))
    loads = [0.0] * ((today - first_day).days + 1)
    for day, *_, load, load_profile in days:
        if first_day <= day <= today:
            if load_profile != current:
                runs = Run.objects.filter(runner=runner)
                return _training_load(runs, profile=profile, today=today)
            loads[(day - first_day).days] = load
    return _training_load_of_loads(loads, first_day=first_day)


def _training_load_first_day(today: date) -> date:
    shown_from = today - timedelta(days=TRAINING_LOAD_DAYS - 1)
    return shown_from - timedelta(days=TRAINING_LOAD_WARMUP_DAYS)


def _training_load_of_rows(rows: Any, *, profile: _Profile, today: date) -> TrainingLoad:
    """The training load from ``(local_date, duration_s, perceived_effort, avg_heart_rate)``
    rows; rows outside the warm-up and shown window are ignored."""
    first_day = _training_load_first_day(today)
    day_count = (today - first_day).days + 1
    # Each day's loads are added with fsum: the exact sum whatever order the rows arrive in
    # (they come unordered, which spares the database a sort).
    session_loads: list[list[float]] = [[] for _ in range(day_count)]
    for local_date, duration_s, effort, avg_hr in rows:
        if not first_day <= local_date <= today:
            continue
        session_loads[(local_date - first_day).days].append(
            science.session_load(
                duration_s=duration_s,
                perceived_effort=effort,
                avg_hr_bpm=avg_hr,
                max_hr_bpm=profile.max_hr,
                resting_hr_bpm=profile.resting_hr,
                sex=profile.sex,
            )
        )
    loads = [math.fsum(day) for day in session_loads]
    return _training_load_of_loads(loads, first_day=first_day)


def _training_load_of_loads(loads: list[float], *, first_day: date) -> TrainingLoad:
    """ATL, CTL, TSB and the shown series from the daily loads from ``first_day`` to today."""
    # Only the shown days become points; the warm-up days before them only feed the averages.
    points = science.training_load_series(loads, first_day=first_day, last_days=TRAINING_LOAD_DAYS)
    shown = tuple(
        science.LoadPoint(
            day=p.day,
            load=round(p.load, 1),
            atl=round(p.atl, 1),
            ctl=round(p.ctl, 1),
            tsb=round(p.tsb, 1),
        )
        for p in points
    )
    last = points[-1]
    # TSB "today" is form going into today: yesterday's CTL - yesterday's ATL.
    acwr = science.acute_chronic_ratio(last.atl, last.ctl)
    return TrainingLoad(
        atl=round(last.atl, 1),
        ctl=round(last.ctl, 1),
        tsb=round(last.tsb, 1),
        acwr=round(acwr, 2) if acwr is not None else None,
        series=shown,
    )


# --- Plan analytics -------------------------------------------------------------------------------
class _WorkoutState(NamedTuple):
    # A tuple rather than a frozen dataclass: built for every workout of a plan on each request,
    # and a tuple is several times cheaper to build (docs/PERFORMANCE.md, section 23).
    id: uuid.UUID
    scheduled_date: date
    planned_distance_m: float | None
    planned_duration_s: int | None
    actual_distance_m: float
    actual_duration_s: int
    completed: bool


@dataclass(frozen=True)
class PlanState:
    plan_id: uuid.UUID
    start_date: date
    end_date: date
    today: date
    workouts: tuple[_WorkoutState, ...]
    # Sums of the plan's runs per local day: distance (m), moving time (s), run count.
    daily: dict[date, tuple[float, int, int]]


def _plan_state(plan: Plan, today: date | None) -> PlanState:
    """Two grouped queries (plus the runner's profile unless already loaded): the plan's
    non-rest workouts with the sums of their linked runs, and the plan's runs per local day."""
    if today is None:
        today = runner_today(plan.runner)
    workout_rows = (
        Workout.objects.filter(plan=plan)
        .exclude(workout_type=Workout.WorkoutType.REST)
        .annotate(
            linked_runs=Count("runs"),
            linked_distance_m=Sum("runs__distance_m"),
            linked_duration_s=Sum("runs__duration_s"),
        )
        .order_by("scheduled_date", "created_at")
        .values(
            "id",
            "scheduled_date",
            "planned_distance_m",
            "planned_duration_s",
            "linked_runs",
            "linked_distance_m",
            "linked_duration_s",
        )
    )
    workouts = tuple(
        _WorkoutState(
            id=row["id"],
            scheduled_date=row["scheduled_date"],
            planned_distance_m=row["planned_distance_m"],
            planned_duration_s=row["planned_duration_s"],
            actual_distance_m=float(row["linked_distance_m"] or 0.0),
            actual_duration_s=int(row["linked_duration_s"] or 0),
            completed=row["linked_runs"] > 0,
        )
        for row in workout_rows
    )
    daily_rows = (
        Run.objects.filter(plan=plan)
        .values("local_date")
        .annotate(distance_m=Sum("distance_m"), duration_s=Sum("duration_s"), runs=Count("id"))
        .order_by("local_date")
    )
    daily = {
        row["local_date"]: (float(row["distance_m"]), int(row["duration_s"]), int(row["runs"]))
        for row in daily_rows
    }
    return PlanState(
        plan_id=plan.pk,
        start_date=plan.start_date,
        end_date=plan.end_date,
        today=today,
        workouts=workouts,
        daily=daily,
    )


# The one statement behind ``visible_plan_state``. Three kinds of rows share its columns:
#   kind 0, the plan: day = start date, end_day, zone = the runner's profile time zone;
#   kind 1, each non-rest workout in the plan's workout order (scheduled date, then creation):
#           day = scheduled date, its plan, and the count and sums of its linked runs (the
#           grouped join of ``_plan_state``);
#   kind 2, each local day of the plan's runs, in date order: day, and that day's count and sums.
# The workouts and runs are picked by the plan id itself, so their indexes apply however many
# plans there are, and only when ``visible_plan`` has its row (a one-time filter in
# PostgreSQL's plan): a plan the user may not see returns no row at all. The outer query sorts
# by ``created_at`` without returning it, so no timestamp is parsed in Python.
_PLAN_KIND, _WORKOUT_KIND, _DAY_KIND = 0, 1, 2


@functools.cache
def _visible_plan_state_sql() -> str:
    """Written once per process from the models' table names; runs unchanged on PostgreSQL and
    SQLite (the NULL columns take their types from the branches that fill them)."""
    plan, workout = Plan._meta.db_table, Workout._meta.db_table
    run, profile = Run._meta.db_table, RunnerProfile._meta.db_table
    return f"""
        WITH visible_plan AS (
            SELECT plan.id, plan.start_date, plan.end_date, profile.timezone
            FROM {plan} plan
            LEFT JOIN {profile} profile ON profile.user_id = plan.runner_id
            WHERE plan.id = %(plan_id)s
              AND (%(superuser)s OR plan.runner_id = %(user_id)s OR plan.coach_id = %(user_id)s)
        )
        SELECT kind, day, id, end_day, zone, planned_distance_m, planned_duration_s,
               runs, distance_m, duration_s
        FROM (
            SELECT {_PLAN_KIND} AS kind, start_date AS day, NULL AS created_at, id,
                   end_date AS end_day, timezone AS zone,
                   NULL AS planned_distance_m, NULL AS planned_duration_s,
                   NULL AS runs, NULL AS distance_m, NULL AS duration_s
            FROM visible_plan
            UNION ALL
            SELECT {_WORKOUT_KIND}, workout.scheduled_date, workout.created_at, workout.id,
                   NULL, NULL, workout.planned_distance_m, workout.planned_duration_s,
                   COUNT(run.id), SUM(run.distance_m), SUM(run.duration_s)
            FROM {workout} workout
            LEFT JOIN {run} run ON run.workout_id = workout.id
            WHERE EXISTS (SELECT 1 FROM visible_plan)
              AND workout.plan_id = %(plan_id)s
              AND NOT (workout.workout_type = %(rest)s)
            GROUP BY workout.id
            UNION ALL
            SELECT {_DAY_KIND}, run.local_date, NULL, NULL, NULL, NULL, NULL, NULL,
                   COUNT(run.id), SUM(run.distance_m), SUM(run.duration_s)
            FROM {run} run
            WHERE EXISTS (SELECT 1 FROM visible_plan) AND run.plan_id = %(plan_id)s
            GROUP BY run.local_date
        ) plan_rows
        ORDER BY kind, day, created_at
    """  # noqa: S608


def _sqlite_date(value: Any) -> Any:
    # Django's SQLite connection parses columns declared as dates (the plan's own), not the
    # computed columns of the UNION, which come back as ISO text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _from_sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row of ``_visible_plan_state_sql`` from SQLite as psycopg returns it: dates as dates,
    UUIDs (stored as 32 hex digits) as UUIDs."""
    kind, day, row_id, end_day, *rest = row
    return (
        kind,
        _sqlite_date(day),
        row_id if row_id is None or isinstance(row_id, uuid.UUID) else uuid.UUID(row_id),
        _sqlite_date(end_day),
        *rest,
    )


def visible_plan_state(user: Any, plan_id: uuid.UUID) -> PlanState | None:
    """What ``plan_analytics`` and ``plan_progress`` are computed from, for the plan ``plan_id``
    if ``user`` may see it (``training.selectors.plans_visible_to``: runner, coach or
    superuser), else ``None``: one query, where loading the plan, its workouts and its daily run
    totals took three. "Today" comes from the runner's profile time zone read in the same
    statement.

    Reads only ``user.pk`` and ``user.is_superuser``, which the token cache's lazy user carries,
    so the user row is never loaded. The statement is the ORM's three queries of
    ``_plan_state`` joined under the visibility check; building and compiling those querysets
    and turning their rows into dicts cost more than the database's work (docs/PERFORMANCE.md).
    """
    params = {
        "plan_id": Plan._meta.pk.get_db_prep_value(plan_id, connection),
        "user_id": user.pk,
        "superuser": bool(user.is_superuser),
        "rest": Workout.WorkoutType.REST.value,
    }
    # Prepared: PostgreSQL took as long to plan this statement as to run it.
    with prepared_cursor() as cursor:
        cursor.execute(_visible_plan_state_sql(), params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] != _PLAN_KIND:
        return None
    if connection.vendor == "sqlite":
        rows = [_from_sqlite(row) for row in rows]
    _, start_date, found_id, end_date, zone_name = rows[0][:5]
    workouts = []
    daily: dict[date, tuple[float, int, int]] = {}
    # Positional arguments and no per-row checks: this loop runs for every workout and day.
    for kind, day, row_id, _, _, planned_m, planned_s, runs, distance_m, duration_s in rows[1:]:
        if kind == _WORKOUT_KIND:
            workouts.append(
                _WorkoutState(
                    row_id,
                    day,
                    planned_m,
                    planned_s,
                    float(distance_m or 0.0),
                    int(duration_s or 0),
                    runs > 0,
                )
            )
        else:
            daily[day] = (float(distance_m), int(duration_s), int(runs))
    return PlanState(
        plan_id=found_id,
        start_date=start_date,
        end_date=end_date,
        today=local_today(_zone_named(zone_name)),
        workouts=tuple(workouts),
        daily=daily,
    )


def visible_plan_answer_version(user: Any, plan_id: uuid.UUID) -> str | None:
    """A version of everything ``visible_plan_state`` reads for the plan ``plan_id``, if
    ``user`` may see it, in one prepared statement: the plan row's ``xmin`` (its dates and
    runner), a digest of the ``(id, xmin)`` of its workouts (``training.selectors``
    ``plan_workout_list_version`` explains the stamp), the version of its runner's runs
    (``RunListVersion``: every run write moves it; a run of the plan, or linked to one of its
    workouts, is always the plan runner's, ``Run.clean``), and the runner's time zone with the
    day it is there now, which decides "missed" and "upcoming". Plan progress and plan
    analytics keep their answers in the cache at this version (tracker.kept_answers).

    ``None`` when the plan is out of view (or gone) and off PostgreSQL, whose rows carry no
    such stamp: the answer is then computed as always."""
    if connection.vendor != "postgresql":
        return None
    params = {
        "plan_id": plan_id,
        "user_id": user.pk,
        "superuser": bool(user.is_superuser),
    }
    with prepared_cursor() as cursor:
        cursor.execute(_visible_plan_answer_version_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    plan_stamp, workouts_digest, runs_version, zone_name = row
    today = local_today(_zone_named(zone_name))
    return f"{plan_stamp}:{workouts_digest}:{runs_version}:{zone_name}:{today.isoformat()}"


@functools.cache
def _visible_plan_answer_version_sql() -> str:
    # The visibility test is ``_visible_plan_state_sql``'s; the workouts' digest is the one
    # their list's version reads.
    plan, profile = Plan._meta.db_table, RunnerProfile._meta.db_table
    versions = RunListVersion._meta.db_table
    workouts_digest = training_selectors.plan_workouts_digest_sql("plan.id")
    return f"""
        SELECT plan.xmin::text,
               {workouts_digest},
               COALESCE(versions.version::text, ''),
               COALESCE(profile.timezone, '')
        FROM {plan} plan
        LEFT JOIN {profile} profile ON profile.user_id = plan.runner_id
        LEFT JOIN {versions} versions ON versions.runner_id = plan.runner_id
        WHERE plan.id = %(plan_id)s
          AND (%(superuser)s OR plan.runner_id = %(user_id)s OR plan.coach_id = %(user_id)s)
    """  # noqa: S608


def _statuses(state: PlanState) -> list[science.WorkoutStatus]:
    """Each workout's status on the runner's today, in the workouts' order."""
    return [
        science.workout_status(
            completed=w.completed, scheduled_date=w.scheduled_date, today=state.today
        )
        for w in state.workouts
    ]


def _counts(statuses: list[science.WorkoutStatus]) -> WorkoutCounts:
    return WorkoutCounts(
        completed=statuses.count("completed"),
        missed=statuses.count("missed"),
        upcoming=statuses.count("upcoming"),
    )


def _planned_distance_m(state: PlanState) -> float:
    return float(sum(w.planned_distance_m or 0.0 for w in state.workouts))


def _actual_distance_m(state: PlanState) -> float:
    # Added day by day in date order: the order the sum's last bits depend on.
    return float(sum(d for d, _, _ in state.daily.values()))


def plan_analytics_of(state: PlanState) -> PlanAnalytics:
    """``plan_analytics`` of a plan read by ``_plan_state`` or ``visible_plan_state``.

    One pass over the workouts and one over the days, adding each sum in the same order as a
    plain ``sum`` would (the workouts' order, then the days'), so every float comes out the
    same to the last bit (tests/analytics/test_plan_one_query.py keeps the earlier
    per-week regrouping as the reference). This was the largest Python cost of the plan
    analytics request once its queries were one (docs/PERFORMANCE.md, section 23).
    """
    start_date, end_date, today = state.start_date, state.end_date, state.today
    week_total = plan_week_count(start_date, end_date)
    # Index n - 1 holds week n; workouts dated outside the plan count in the totals only.
    week_planned_m = [0.0] * week_total
    week_planned = [0] * week_total
    week_completed = [0] * week_total
    week_actual_m = [0.0] * week_total
    planned_m, planned_s = 0.0, 0
    completed = missed = 0
    compliance: list[WorkoutCompliance] = []
    for w in state.workouts:
        distance_m = w.planned_distance_m or 0.0
        planned_m += distance_m
        planned_s += w.planned_duration_s or 0
        index = science.plan_week_number(start_date, w.scheduled_date) - 1
        if 0 <= index < week_total:
            week_planned_m[index] += distance_m
            week_planned[index] += 1
            week_completed[index] += w.completed
        status = science.workout_status(
            completed=w.completed, scheduled_date=w.scheduled_date, today=today
        )
        if status == "upcoming":
            continue
        ratio = science.compliance_ratio(
            actual_distance_m=w.actual_distance_m,
            planned_distance_m=w.planned_distance_m,
            actual_duration_s=w.actual_duration_s,
            planned_duration_s=w.planned_duration_s,
        )
        band: str
        if status == "completed":
            completed += 1
            band = science.completed_workout_band(ratio)
        else:
            missed += 1
            band = "missed"
        compliance.append(WorkoutCompliance(w.id, w.scheduled_date, ratio, band))

    actual_m, actual_s, actual_runs = 0.0, 0, 0
    for day, (distance_m, duration_s, runs) in state.daily.items():
        actual_m += distance_m
        actual_s += duration_s
        actual_runs += runs
        if start_date <= day <= end_date:
            week_actual_m[science.plan_week_number(start_date, day) - 1] += distance_m

    weeks = []
    for index in range(week_total):
        start, end = science.plan_week_bounds(start_date, end_date, index + 1)
        weeks.append(
            PlanWeek(
                week_number=index + 1,
                start_date=start,
                end_date=end,
                planned_distance_m=week_planned_m[index],
                actual_distance_m=week_actual_m[index],
                planned_workouts=week_planned[index],
                completed_workouts=week_completed[index],
            )
        )

    workout_count = len(state.workouts)
    return PlanAnalytics(
        plan_id=state.plan_id,
        planned=PlannedTotals(distance_m=planned_m, duration_s=planned_s, workouts=workout_count),
        actual=ActualTotals(distance_m=actual_m, duration_s=actual_s, runs=actual_runs),
        workouts=WorkoutCounts(
            completed=completed, missed=missed, upcoming=workout_count - completed - missed
        ),
        adherence_percentage=science.adherence_percentage(completed, missed),
        weeks=tuple(weeks),
        compliance=tuple(compliance),
    )


def plan_progress_of(state: PlanState) -> PlanProgress:
    """``plan_progress`` of a plan read by ``_plan_state`` or ``visible_plan_state``: the
    numbers of ``plan_analytics_of`` it shows, without its weeks and compliance."""
    counts = _counts(_statuses(state))
    total = len(state.workouts)
    return PlanProgress(
        total_workouts=total,
        completed_workouts=counts.completed,
        pending_workouts=total - counts.completed,
        total_planned_distance=_planned_distance_m(state),
        total_actual_distance=_actual_distance_m(state),
        adherence_percentage=science.adherence_percentage(counts.completed, counts.missed),
    )


def plan_analytics(*, plan: Plan, today: date | None = None) -> PlanAnalytics:
    """Planned vs actual for ``plan`` (rest days excluded throughout), workout counts,
    adherence, the per-week table and per-workout compliance. ``today`` defaults to the
    runner's calendar day in their profile time zone."""
    return plan_analytics_of(_plan_state(plan, today))


def plan_progress(*, plan: Plan, today: date | None = None) -> PlanProgress:
    """The seed-compatible progress view of ``plan_analytics`` (distances in metres).

    ``pending_workouts`` are the non-rest workouts not yet completed (missed or upcoming)."""
    return plan_progress_of(_plan_state(plan, today))


def plan_week_summary(
    *, plan: Plan, week_number: int, today: date | None = None
) -> PlanWeekSummary:
    """Week ``week_number`` of ``plan`` (days start + 7(N-1) … +6, clipped to the plan's end):
    planned vs run distance in metres, planned and completed workouts, and the plan's runs
    that week. Raises ``WeekOutOfRange`` for a week the plan does not have."""
    if not 1 <= week_number <= plan.week_count:
        raise WeekOutOfRange(plan.week_count)
    analytics = plan_analytics(plan=plan, today=today)
    week = analytics.weeks[week_number - 1]
    run_rows = (
        Run.objects.filter(
            plan=plan, local_date__gte=week.start_date, local_date__lte=week.end_date
        )
        .order_by("started_at")
        .values("id", "started_at", "distance_m", "duration_s", "notes")
    )
    runs = tuple(
        WeekRun(
            id=row["id"],
            started_at=row["started_at"],
            distance_m=row["distance_m"],
            pace_s_per_km=science.pace_s_per_km(row["distance_m"], row["duration_s"]),
            notes=row["notes"],
        )
        for row in run_rows
    )
    return PlanWeekSummary(
        week_number=week.week_number,
        start_date=week.start_date,
        end_date=week.end_date,
        planned_distance=week.planned_distance_m,
        total_distance=week.actual_distance_m,
        planned_runs=week.planned_workouts,
        completed_runs=week.completed_workouts,
        runs=runs,
    )


# --- Plan adherence for many plans at once (the admin's changelist) ------------------------------
def _runner_today_expression(plans: QuerySet[Plan]) -> Case:
    """Each plan's runner's local today, as a SQL expression on the plan row.

    Time zones cannot be converted portably in SQL (SQLite has none), so one query lists the
    distinct profile zones of ``plans``' runners and Python works out each zone's calendar day, as
    ``runner_today`` does; however many plans there are, the days are at most three distinct
    values. A runner without a profile, or with an unknown zone, gets the UTC day like there.
    """
    now = timezone.now()
    zone_names = plans.order_by().values_list("runner__profile__timezone", flat=True).distinct()
    zones_by_day: dict[date, list[str]] = defaultdict(list)
    for name in zone_names:
        if name:
            zones_by_day[now.astimezone(_zone_named(name)).date()].append(name)
    return Case(
        *(
            When(runner__profile__timezone__in=names, then=Value(day))
            for day, names in sorted(zones_by_day.items())
        ),
        default=Value(now.astimezone(zoneinfo.ZoneInfo("UTC")).date()),
        output_field=DateField(),
    )


def annotate_plan_adherence(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """``plans`` with ``adherence_completed`` and ``adherence_missed``: the counts that
    ``science.adherence_percentage`` turns into the adherence ``plan_analytics`` reports, with
    each workout's status as ``science.workout_status`` decides it on the runner's local today.

    Correlated subqueries, so a page of plans costs the same queries for 5 or 50 plans (plus
    the one that lists the runners' time zones).
    """

    def count_of(workouts: QuerySet[Workout]) -> Coalesce:
        counted = workouts.order_by().values("plan").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    plans = plans.annotate(adherence_today=_runner_today_expression(plans))
    workouts = Workout.objects.filter(plan=OuterRef("pk")).exclude(
        workout_type=Workout.WorkoutType.REST
    )
    has_run = Exists(Run.objects.filter(workout=OuterRef("pk")))
    return plans.annotate(
        adherence_completed=count_of(workouts.filter(has_run)),
        adherence_missed=count_of(
            workouts.filter(~has_run, scheduled_date__lt=OuterRef("adherence_today"))
        ),
    )


# --- The coach's squad (the admin home) ----------------------------------------------------------
def _band_of(*, completed: bool, scheduled_date: date, today: date, ratio: float | None) -> str:
    status = science.workout_status(completed=completed, scheduled_date=scheduled_date, today=today)
    if status == "completed":
        return science.completed_workout_band(ratio)
    return status  # "missed" or "upcoming", the plan page's colours for them


def _current_plan(plans: list[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """The plan a coach works on for an athlete today: the one running today, else the next to
    start, else the one that ended last. ``plans`` come ordered by start date."""
    running = [p for p in plans if p["start_date"] <= today <= p["end_date"]]
    if running:
        return running[-1]
    coming = [p for p in plans if p["start_date"] > today]
    if coming:
        return coming[0]
    return max(plans, key=lambda p: p["end_date"]) if plans else None


def squad_overview(*, coach: Any) -> tuple[SquadRow, ...]:
    """One ``SquadRow`` per runner ``coach`` coaches (a runner with a plan naming them as
    coach), by username.

    Five queries whatever the number of athletes and runs: the runners with their profiles and
    last run, their runs over the training-load window (which also give this week's totals),
    this week's workouts of the coach's plans with their linked runs' sums, the coach's plans
    for them, and their coming races. Each athlete's "today" is their own local day.
    """
    last_runs = Run.objects.filter(runner=OuterRef("pk")).order_by("-started_at", "-pk")
    runners = list(
        get_user_model()
        .objects.filter(pk__in=training_selectors.coached_runner_ids(coach))
        .select_related("profile")
        .annotate(
            last_run_id=Subquery(last_runs.values("pk")[:1]),
            last_run_started_at=Subquery(last_runs.values("started_at")[:1]),
            last_run_day=Subquery(last_runs.values("local_date")[:1]),
            last_run_distance_m=Subquery(last_runs.values("distance_m")[:1]),
            last_run_duration_s=Subquery(last_runs.values("duration_s")[:1]),
        )
        .order_by("username")
    )
    if not runners:
        return ()
    ids = [runner.pk for runner in runners]
    profiles = {runner.pk: _profile_of(runner) for runner in runners}
    todays = {pk: timezone.localdate(timezone=profile.tz) for pk, profile in profiles.items()}
    mondays = {pk: science.week_start(day) for pk, day in todays.items()}
    earliest_today, latest_today = min(todays.values()), max(todays.values())

    runs_by_runner: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    run_rows = (
        Run.objects.filter(
            runner_id__in=ids,
            local_date__gte=_training_load_first_day(earliest_today),
            local_date__lte=latest_today + timedelta(days=6),
        )
        .order_by()
        .values_list(
            "runner_id",
            "local_date",
            "duration_s",
            "perceived_effort",
            "avg_heart_rate",
            "distance_m",
        )
    )
    for runner_id, *run_row in run_rows:
        runs_by_runner[runner_id].append(tuple(run_row))

    workouts_by_runner: dict[int, list[dict[str, Any]]] = defaultdict(list)
    workout_rows = (
        Workout.objects.filter(
            plan__coach=coach,
            plan__runner_id__in=ids,
            scheduled_date__gte=min(
                min(mondays.values()), earliest_today - timedelta(days=science.KEY_SESSION_DAYS)
            ),
            scheduled_date__lte=max(mondays.values()) + timedelta(days=6),
        )
        .exclude(workout_type=Workout.WorkoutType.REST)
        .annotate(
            linked_runs=Count("runs"),
            linked_distance_m=Sum("runs__distance_m"),
            linked_duration_s=Sum("runs__duration_s"),
        )
        .order_by("scheduled_date", "created_at")
        .values(
            "id",
            "plan__runner_id",
            "scheduled_date",
            "name",
            "workout_type",
            "planned_distance_m",
            "planned_duration_s",
            "linked_runs",
            "linked_distance_m",
            "linked_duration_s",
        )
    )
    for workout_row in workout_rows:
        workouts_by_runner[workout_row["plan__runner_id"]].append(dict(workout_row))

    plans_by_runner: dict[int, list[dict[str, Any]]] = defaultdict(list)
    plan_rows = (
        Plan.objects.filter(coach=coach, runner_id__in=ids)
        .exclude(status=Plan.Status.ABANDONED)
        .order_by("start_date", "created_at")
        .values("id", "runner_id", "name", "start_date", "end_date")
    )
    for plan_row in plan_rows:
        plans_by_runner[plan_row["runner_id"]].append(dict(plan_row))

    races_by_runner: dict[int, list[dict[str, Any]]] = defaultdict(list)
    race_rows = (
        Workout.objects.filter(
            plan__coach=coach,
            plan__runner_id__in=ids,
            workout_type=Workout.WorkoutType.RACE,
            scheduled_date__gte=earliest_today,
        )
        .order_by("scheduled_date")
        .values("plan__runner_id", "scheduled_date", "name")
    )
    for race_row in race_rows:
        races_by_runner[race_row["plan__runner_id"]].append(dict(race_row))

    return tuple(
        _squad_row(
            runner,
            profile=profiles[runner.pk],
            today=todays[runner.pk],
            runs=runs_by_runner[runner.pk],
            workouts=workouts_by_runner[runner.pk],
            plans=plans_by_runner[runner.pk],
            races=races_by_runner[runner.pk],
        )
        for runner in runners
    )


def _squad_row(
    runner: Any,
    *,
    profile: _Profile,
    today: date,
    runs: list[tuple[Any, ...]],
    workouts: list[dict[str, Any]],
    plans: list[dict[str, Any]],
    races: list[dict[str, Any]],
) -> SquadRow:
    monday = science.week_start(today)
    sunday = monday + timedelta(days=6)
    week_runs = [row for row in runs if monday <= row[0] <= sunday]
    week_workouts = [w for w in workouts if monday <= w["scheduled_date"] <= sunday]
    key_window_start = today - timedelta(days=science.KEY_SESSION_DAYS)
    squad_workouts = []
    missed_key = 0
    for w in workouts:
        ratio = science.compliance_ratio(
            actual_distance_m=float(w["linked_distance_m"] or 0.0),
            planned_distance_m=w["planned_distance_m"],
            actual_duration_s=int(w["linked_duration_s"] or 0),
            planned_duration_s=w["planned_duration_s"],
        )
        band = _band_of(
            completed=w["linked_runs"] > 0,
            scheduled_date=w["scheduled_date"],
            today=today,
            ratio=ratio,
        )
        day = w["scheduled_date"]
        if (
            band == "missed"
            and w["workout_type"] in science.KEY_WORKOUT_TYPES
            and key_window_start <= day < today
        ):
            missed_key += 1
        if monday <= day <= sunday:
            squad_workouts.append(SquadWorkout(w["id"], day, w["name"], w["workout_type"], band))
    load = _training_load_of_rows([row[:4] for row in runs], profile=profile, today=today)
    plan = _current_plan(plans, today)
    race = next((r for r in races if r["scheduled_date"] >= today), None)
    last_run = None
    if runner.last_run_id is not None:
        last_run = RunBrief(
            id=runner.last_run_id,
            started_at=runner.last_run_started_at,
            distance_m=runner.last_run_distance_m,
            duration_s=runner.last_run_duration_s,
            pace_s_per_km=science.pace_s_per_km(
                runner.last_run_distance_m, runner.last_run_duration_s
            ),
        )
    user_profile = getattr(runner, "profile", None)
    plan_end = plan["end_date"] if plan is not None else None
    return SquadRow(
        runner_id=runner.pk,
        username=runner.get_username(),
        full_name=runner.get_full_name(),
        units=user_profile.units if user_profile is not None else "km",
        today=today,
        week_start=monday,
        planned_distance_m=float(sum(w["planned_distance_m"] or 0.0 for w in week_workouts)),
        done_distance_m=float(math.fsum(row[4] for row in week_runs)),
        planned_sessions=len(week_workouts),
        done_sessions=len(week_runs),
        workouts=tuple(squad_workouts),
        last_run=last_run,
        last_run_day=runner.last_run_day,
        ctl=load.ctl,
        atl=load.atl,
        tsb=load.tsb,
        next_race_date=race["scheduled_date"] if race else None,
        next_race_name=race["name"] if race else "",
        plan_id=plan["id"] if plan is not None else None,
        plan_name=plan["name"] if plan is not None else "",
        plan_end=plan_end,
        flags=science.athlete_flags(
            missed_key_sessions=missed_key,
            tsb=load.tsb,
            last_run_day=runner.last_run_day,
            plan_end=plan_end,
            today=today,
        ),
    )


__all__ = [
    "annotate_plan_adherence",
    "plan_analytics",
    "plan_analytics_of",
    "plan_progress",
    "plan_progress_of",
    "plan_week_summary",
    "runner_summary",
    "runner_today",
    "runner_training_paces",
    "squad_overview",
    "visible_plan_state",
    "week_time_in_zones",
]
