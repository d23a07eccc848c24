"""Training-science formulas (docs/API.md, Analytics) as pure functions: no Django, no ORM, no I/O.

Everything here takes and returns plain numbers in SI-ish units stated in the names
(metres, seconds, minutes where a formula is defined in minutes, beats per minute), so the
selectors can feed it from the database and the tests can check it against published tables.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

HALF_MARATHON_M: Final = 21_097.5
MARATHON_M: Final = 42_195.0
# Distances for personal bests (docs/API.md, Analytics), shortest first.
PERSONAL_BEST_DISTANCES_M: Final[tuple[float, ...]] = (
    1_000.0,
    5_000.0,
    10_000.0,
    HALF_MARATHON_M,
    MARATHON_M,
)
PREDICTION_DISTANCES_M: Final[tuple[float, ...]] = (5_000.0, 10_000.0, HALF_MARATHON_M, MARATHON_M)
# A run without a track stands in for distance D when it is at most 5 % longer (docs/API.md,
# Analytics).
PRORATE_TOLERANCE: Final = 1.05
RIEGEL_EXPONENT: Final = 1.06
ATL_DAYS: Final = 7
CTL_DAYS: Final = 42

Sex = Literal["m", "f", "unspecified"]
Band = Literal["green", "yellow", "red"]

# Banister's sex-specific weighting y = a·e^(b·x) of the heart-rate reserve fraction x.
_TRIMP_WEIGHTS: Final[dict[str, tuple[float, float]]] = {
    "m": (0.64, 1.92),
    "f": (0.86, 1.67),
}


# --- Pace and Riegel ------------------------------------------------------------------------------
def pace_s_per_km(distance_m: float, duration_s: float) -> float | None:
    """Average pace in seconds per kilometre, or ``None`` for a zero or negative distance."""
    if distance_m <= 0:
        return None
    return duration_s / (distance_m / 1000.0)


def riegel_time_s(
    *, time_s: float, distance_m: float, target_distance_m: float, exponent: float = RIEGEL_EXPONENT
) -> float:
    """Riegel's endurance model T2 = T1·(D2/D1)^1.06: predicted seconds for ``target_distance_m``
    from a performance of ``time_s`` seconds over ``distance_m`` metres."""
    if distance_m <= 0 or target_distance_m <= 0 or time_s <= 0:
        raise ValueError("Riegel needs positive distances and time.")
    return time_s * float((target_distance_m / distance_m) ** exponent)


# --- Daniels-Gilbert VDOT -------------------------------------------------------------------------
def vo2_ml_kg_min(velocity_m_per_min: float) -> float:
    """Oxygen cost of running at ``velocity_m_per_min`` (m/min), in ml·kg⁻¹·min⁻¹."""
    v = velocity_m_per_min
    return -4.60 + 0.182258 * v + 0.000104 * v * v


def fraction_of_vo2max(duration_min: float) -> float:
    """Fraction of VO2max sustainable for a race of ``duration_min`` minutes (about 1.0 at 11)."""
    t = duration_min
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t) + 0.2989558 * math.exp(-0.1932605 * t)


def vdot(distance_m: float, duration_s: float) -> float:
    """Daniels-Gilbert VDOT (ml·kg⁻¹·min⁻¹) of a race of ``distance_m`` metres in ``duration_s``
    seconds: VO2 at the race's average velocity divided by the sustainable fraction."""
    if distance_m <= 0 or duration_s <= 0:
        raise ValueError("VDOT needs a positive distance and duration.")
    duration_min = duration_s / 60.0
    return vo2_ml_kg_min(distance_m / duration_min) / fraction_of_vo2max(duration_min)


def vdot_race_time_s(vdot_value: float, distance_m: float) -> float:
    """Race time in seconds over ``distance_m`` metres that a runner of ``vdot_value`` would run.

    Solves vdot(distance, t) = vdot_value for t by bisection: VDOT falls monotonically as the
    time grows for any real race (a slower time means a lower velocity and a longer effort),
    so the root is unique between one second and ten days.
    """
    if vdot_value <= 0 or distance_m <= 0:
        raise ValueError("A race-time prediction needs a positive VDOT and distance.")
    low_s, high_s = 1.0, 10 * 24 * 3600.0
    if vdot(distance_m, high_s) > vdot_value:
        return high_s
    for _ in range(100):  # 100 halvings of ten days is far below a millisecond
        mid_s = (low_s + high_s) / 2
        if vdot(distance_m, mid_s) > vdot_value:
            low_s = mid_s
        else:
            high_s = mid_s
    return (low_s + high_s) / 2


# --- Training load --------------------------------------------------------------------------------
def trimp(
    *, duration_min: float, avg_hr_bpm: float, resting_hr_bpm: float, max_hr_bpm: float, sex: str
) -> float:
    """Banister TRIMP (arbitrary units): minutes * x * a·e^(b·x), x = heart-rate reserve fraction
    (avg - resting) ÷ (max - resting), clamped to [0, 1].

    Men a=0.64 b=1.92, women a=0.86 b=1.67. For an unspecified sex we use the mean of the two
    weightings, ½(0.64·e^(1.92x) + 0.86·e^(1.67x)): it stays between the two published curves,
    so the error against the runner's true curve is at most half the gap between them.
    """
    if max_hr_bpm <= resting_hr_bpm:
        raise ValueError("Max heart rate must be above resting heart rate.")
    x = (avg_hr_bpm - resting_hr_bpm) / (max_hr_bpm - resting_hr_bpm)
    x = min(max(x, 0.0), 1.0)
    if sex in _TRIMP_WEIGHTS:
        a, b = _TRIMP_WEIGHTS[sex]
        weight = a * math.exp(b * x)
    else:
        weight = sum(a * math.exp(b * x) for a, b in _TRIMP_WEIGHTS.values()) / len(_TRIMP_WEIGHTS)
    return max(duration_min, 0.0) * x * weight


def session_load(
    *,
    duration_s: float,
    perceived_effort: int | None,
    avg_hr_bpm: float | None,
    max_hr_bpm: float | None,
    resting_hr_bpm: float | None,
    sex: str,
) -> float:
    """Load of one run in arbitrary units: session RPE * minutes (Foster) when an effort 1-10 is
    given, else Banister TRIMP when the run has an average heart rate and the profile both a max
    and a resting heart rate, else plain minutes."""
    minutes = duration_s / 60.0
    if perceived_effort is not None:
        return perceived_effort * minutes
    if (
        avg_hr_bpm is not None
        and max_hr_bpm is not None
        and resting_hr_bpm is not None
        and max_hr_bpm > resting_hr_bpm
    ):
        return trimp(
            duration_min=minutes,
            avg_hr_bpm=avg_hr_bpm,
            resting_hr_bpm=resting_hr_bpm,
            max_hr_bpm=max_hr_bpm,
            sex=sex,
        )
    return minutes


def ewma_constant(days: int) -> float:
    """Smoothing constant k = 1 - e^(-1/N) of an exponentially weighted average over N days."""
    return 1.0 - math.exp(-1.0 / days)


@dataclass(frozen=True)
class LoadPoint:
    """One day of the training-load series (all in the same arbitrary load units).

    ``tsb`` is yesterday's CTL minus yesterday's ATL, so today's session does not change
    today's form."""

    day: date
    load: float
    atl: float
    ctl: float
    tsb: float


def training_load_series(
    daily_loads: Sequence[float],
    *,
    first_day: date,
    atl_days: int = ATL_DAYS,
    ctl_days: int = CTL_DAYS,
    initial_atl: float = 0.0,
    initial_ctl: float = 0.0,
) -> list[LoadPoint]:
    """ATL/CTL/TSB for consecutive days starting at ``first_day``, one load per day.

    Each day: avg ← avg + k·(load - avg) with k = 1 - e^(-1/N), N = 7 (ATL) and 42 (CTL).
    """
    k_atl, k_ctl = ewma_constant(atl_days), ewma_constant(ctl_days)
    atl, ctl = initial_atl, initial_ctl
    points: list[LoadPoint] = []
    for offset, load in enumerate(daily_loads):
        tsb = ctl - atl  # yesterday's values, before today's load is folded in
        atl += k_atl * (load - atl)
        ctl += k_ctl * (load - ctl)
        points.append(
            LoadPoint(day=first_day + timedelta(days=offset), load=load, atl=atl, ctl=ctl, tsb=tsb)
        )
    return points


def acute_chronic_ratio(atl: float, ctl: float) -> float | None:
    """Acute:chronic workload ratio ATL ÷ CTL, or ``None`` while there is no chronic load."""
    if ctl <= 0:
        return None
    return atl / ctl


# --- Best efforts ---------------------------------------------------------------------------------
def _clean_track(
    times_s: Sequence[float | None], distances_m: Sequence[float | None]
) -> tuple[list[float], list[float]]:
    """Drop samples missing a time or distance, and keep time increasing and distance
    non-decreasing (GPS cumulative distance can jitter backwards by a few centimetres)."""
    ts: list[float] = []
    ds: list[float] = []
    for t, d in zip(times_s, distances_m, strict=False):
        if t is None or d is None:
            continue
        if ts and t <= ts[-1]:
            continue
        ds.append(max(float(d), ds[-1]) if ds else float(d))
        ts.append(float(t))
    return ts, ds


def best_effort_s(
    times_s: Sequence[float | None], distances_m: Sequence[float | None], target_m: float
) -> float | None:
    """Fastest time in seconds to cover any contiguous ``target_m`` metres of a track, or
    ``None`` when the track is shorter than that.

    ``times_s`` are seconds from the start and ``distances_m`` cumulative metres. Between two
    samples the runner is taken to move at constant speed, so the time of a window is piecewise
    linear in its start point and its minimum lies where the window starts or ends on a sample.
    Two two-pointer passes (windows starting on a sample, windows ending on a sample) find it in
    O(n).
    """
    return best_efforts_s(times_s, distances_m, (target_m,))[target_m]


def best_efforts_s(
    times_s: Sequence[float | None],
    distances_m: Sequence[float | None],
    targets_m: Iterable[float],
) -> dict[float, float | None]:
    """``best_effort_s`` for several distances, cleaning the track once."""
    ts, ds = _clean_track(times_s, distances_m)
    return {target: _best_effort_clean(ts, ds, target) for target in targets_m}


def _best_effort_clean(ts: list[float], ds: list[float], target_m: float) -> float | None:
    # Hot loop of the summary (a few tracks, five distances each): interpolation is written inline.
    # No division by zero: each interpolation spans a segment strictly containing the goal.
    n = len(ts)
    if n < 2 or target_m <= 0 or ds[-1] - ds[0] < target_m:
        return None
    best = math.inf

    # Windows starting on sample i: j is the first sample with ds[j] >= ds[i] + target.
    j = 1
    for i in range(n):
        goal = ds[i] + target_m
        if j <= i:
            j = i + 1
        while j < n and ds[j] < goal:
            j += 1
        if j == n:
            break
        d0, t0 = ds[j - 1], ts[j - 1]
        elapsed = t0 + (ts[j] - t0) * (goal - d0) / (ds[j] - d0) - ts[i]
        if elapsed < best:
            best = elapsed

    # Windows ending on sample j: i is the last sample with ds[i] <= ds[j] - target.
    i = 0
    first = ds[0]
    for j in range(n):
        goal = ds[j] - target_m
        if goal < first:
            continue
        while ds[i + 1] <= goal:
            i += 1
        d0, t0 = ds[i], ts[i]
        elapsed = ts[j] - (t0 + (ts[i + 1] - t0) * (goal - d0) / (ds[i + 1] - d0))
        if elapsed < best:
            best = elapsed
    return best if best < math.inf else None


def prorated_effort_s(distance_m: float, duration_s: float, target_m: float) -> float | None:
    """A whole run standing in for ``target_m`` when it is between D and 1.05·D long: its time
    scaled to D at its average pace (seconds), else ``None``."""
    if not target_m <= distance_m <= target_m * PRORATE_TOLERANCE:
        return None
    return duration_s * target_m / distance_m


# --- Calendar periods ----------------------------------------------------------------------------
def period_start(period: str, today: date) -> date | None:
    """First day of ``period`` (week = ISO week from Monday, month, year; all → ``None``)."""
    if period == "week":
        return week_start(today)
    if period == "month":
        return today.replace(day=1)
    if period == "year":
        return today.replace(month=1, day=1)
    if period == "all":
        return None
    raise ValueError(f"Unknown period {period!r}.")


# --- Plans ----------------------------------------------------------------------------------------
# The one adherence rule (docs/API.md, "Plan adherence"): rest days never count; a workout is
# completed once at least one run is linked to it, whatever its date; it is missed when it is not
# completed and was scheduled before the runner's local today; otherwise it is upcoming. The
# admin's changelist counts with the same rule in SQL (analytics.selectors.annotate_plan_adherence).
WorkoutStatus = Literal["completed", "missed", "upcoming"]


def workout_status(*, completed: bool, scheduled_date: date, today: date) -> WorkoutStatus:
    """Where a non-rest workout stands on ``today`` (the runner's local calendar day)."""
    if completed:
        return "completed"
    if scheduled_date < today:
        return "missed"
    return "upcoming"


def adherence_percentage(completed: int, missed: int) -> float:
    """completed ÷ (completed + missed) x 100, rounded to one decimal; 0.0 while nothing is due."""
    due = completed + missed
    return round(completed / due * 100, 1) if due else 0.0


def compliance_ratio(
    *,
    actual_distance_m: float,
    planned_distance_m: float | None,
    actual_duration_s: float,
    planned_duration_s: float | None,
) -> float | None:
    """Actual ÷ planned distance, or duration when no distance is planned, as a fraction rounded
    to four decimals; ``None`` when the workout plans neither."""
    if planned_distance_m:
        return round(actual_distance_m / planned_distance_m, 4)
    if planned_duration_s:
        return round(actual_duration_s / planned_duration_s, 4)
    return None


def completed_workout_band(ratio: float | None) -> Band:
    """Colour of a completed workout; with nothing planned to compare against it is on target."""
    return compliance_band(ratio) if ratio is not None else "green"


def plan_week_number(plan_start: date, day: date) -> int:
    """Week of a plan that ``day`` falls in: 1 = the seven days from ``plan_start``."""
    return (day - plan_start).days // 7 + 1


def plan_week_bounds(plan_start: date, plan_end: date, week_number: int) -> tuple[date, date]:
    """First and last day of week ``week_number`` of a plan, the last clipped to ``plan_end``."""
    start = plan_start + timedelta(weeks=week_number - 1)
    return start, min(start + timedelta(days=6), plan_end)


def compliance_band(ratio: float) -> Band:
    """Colour of a done workout by ``ratio`` = actual ÷ planned (a fraction): green
    0.8 ≤ r ≤ 1.2, yellow 0.5 ≤ r < 0.8 or 1.2 < r ≤ 1.5, red otherwise."""
    if 0.8 <= ratio <= 1.2:
        return "green"
    if 0.5 <= ratio < 0.8 or 1.2 < ratio <= 1.5:
        return "yellow"
    return "red"


def week_start(day: date) -> date:
    """Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def week_streak(weeks_with_runs: Iterable[date], *, today: date) -> int:
    """Number of consecutive ISO weeks with at least one run, counting back from this week.

    ``weeks_with_runs`` are any days inside those weeks. A week still in progress without a run
    does not break the streak yet: the count then starts from last week.
    """
    weeks = {week_start(day) for day in weeks_with_runs}
    current = week_start(today)
    if current not in weeks:
        current -= timedelta(weeks=1)
    streak = 0
    while current in weeks:
        streak += 1
        current -= timedelta(weeks=1)
    return streak


# --- Splits of a recorded track (shown on the dashboard's run page) ----------------------------


@dataclass(frozen=True)
class Split:
    """One split of a run's track (see ``track_splits``)."""

    index: int  # 1-based
    distance_m: float  # a full unit except, maybe, the last split
    duration_s: float
    pace_s_per_km: float | None
    elevation_change_m: float | None
    avg_hr_bpm: float | None


def interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """``ys`` at ``x`` by linear interpolation over ascending ``xs``, held flat past either end."""
    i = bisect.bisect_left(xs, x)
    if i <= 0:
        return ys[0]
    if i >= len(xs):
        return ys[-1]
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def track_points(samples: dict[str, Any], column: str) -> tuple[list[float], list[float]]:
    """(cumulative distance, value) pairs where both are present and distance never falls."""
    dist, vals = samples.get("dist_m") or [], samples.get(column) or []
    xs: list[float] = []
    ys: list[float] = []
    for d, v in zip(dist, vals, strict=False):
        if d is None or v is None or (xs and d < xs[-1]):
            continue
        xs.append(float(d))
        ys.append(float(v))
    return xs, ys


def track_splits(samples: dict[str, Any], *, split_m: float) -> list[Split]:
    """Splits every ``split_m`` metres (a km or a mile), with times interpolated at each
    boundary; the remainder forms a shorter last split when longer than 1 % of ``split_m``."""
    dist, times = track_points(samples, "t_s")
    if len(dist) < 2 or dist[-1] <= 0:
        return []
    ele_x, ele_y = track_points(samples, "ele_m")
    hr_x, hr_y = track_points(samples, "hr_bpm")
    total_m = dist[-1]
    edges = [0.0]
    while edges[-1] + split_m <= total_m:
        edges.append(edges[-1] + split_m)
    if total_m - edges[-1] > split_m * 0.01:
        edges.append(total_m)
    splits = []
    for index, (start, end) in enumerate(itertools.pairwise(edges), start=1):
        seconds = interpolate(dist, times, end) - interpolate(dist, times, start)
        length_m = end - start
        elevation = None
        if len(ele_x) >= 2:
            elevation = interpolate(ele_x, ele_y, end) - interpolate(ele_x, ele_y, start)
        lo, hi = bisect.bisect_left(hr_x, start), bisect.bisect_right(hr_x, end)
        hr_values = hr_y[lo:hi]
        splits.append(
            Split(
                index=index,
                distance_m=length_m,
                duration_s=seconds,
                pace_s_per_km=seconds / (length_m / 1000) if length_m > 0 and seconds > 0 else None,
                elevation_change_m=elevation,
                avg_hr_bpm=sum(hr_values) / len(hr_values) if hr_values else None,
            )
        )
    return splits


# --- The coach's squad flags ------------------------------------------------------------------
# What makes a coach look at an athlete today (issue 17, the squad page). Key sessions are the
# ones a week is built around; missing one matters more than missing an easy run.
KEY_WORKOUT_TYPES: Final = frozenset({"speed", "tempo", "long"})
# "This week" for a missed key session is the seven days before today, not the calendar week:
# on a Monday the calendar week has nothing missed yet, while Sunday's skipped long run is
# exactly what the coach should see.
KEY_SESSION_DAYS: Final = 7
# Form (TSB) this far below zero is the usual "overreaching" line in the Performance Manager
# reading of Banister's model (Allen & Coggan, Training and Racing with a Power Meter, ch. 9).
FORM_ALERT_TSB: Final = -30.0
IDLE_DAYS: Final = 7
PLAN_ENDING_DAYS: Final = 14

Flag = Literal["missed_key_session", "form_low", "idle", "plan_ending"]
FLAG_ORDER: Final[tuple[Flag, ...]] = ("missed_key_session", "form_low", "idle", "plan_ending")


def athlete_flags(
    *,
    missed_key_sessions: int,
    tsb: float | None,
    last_run_day: date | None,
    plan_end: date | None,
    today: date,
) -> tuple[Flag, ...]:
    """The squad page's flags for one athlete, in ``FLAG_ORDER``:

    - ``missed_key_session``: a speed, tempo or long workout of the last ``KEY_SESSION_DAYS``
      days (before today) is missed (the caller counts them);
    - ``form_low``: form (TSB) strictly below -30;
    - ``idle``: no run for ``IDLE_DAYS`` days or more (or no run at all);
    - ``plan_ending``: the current plan ends within ``PLAN_ENDING_DAYS`` days from today
      (today included, an ended plan excluded).
    """
    flags: list[Flag] = []
    if missed_key_sessions > 0:
        flags.append("missed_key_session")
    if tsb is not None and tsb < FORM_ALERT_TSB:
        flags.append("form_low")
    if last_run_day is None or (today - last_run_day).days >= IDLE_DAYS:
        flags.append("idle")
    if plan_end is not None and 0 <= (plan_end - today).days <= PLAN_ENDING_DAYS:
        flags.append("plan_ending")
    return tuple(flags)
