"""Training-science formulas (docs/API.md, Analytics) as pure functions: no Django, no ORM, no I/O.

Everything here takes and returns plain numbers in SI-ish units stated in the names
(metres, seconds, minutes where a formula is defined in minutes, beats per minute), so the
selectors can feed it from the database and the tests can check it against published tables.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal, NamedTuple

HALF_MARATHON_M: Final = 21_097.5
MARATHON_M: Final = 42_195.0
MILE_M: Final = 1_609.344
# The standard distances of best efforts and personal bests (docs/API.md, Best efforts), by the
# key stored with each effort, shortest first.
BEST_EFFORT_DISTANCES_M: Final[dict[str, float]] = {
    "400m": 400.0,
    "1k": 1_000.0,
    "1mi": MILE_M,
    "5k": 5_000.0,
    "10k": 10_000.0,
    "half": HALF_MARATHON_M,
    "marathon": MARATHON_M,
}
PERSONAL_BEST_DISTANCES_M: Final[tuple[float, ...]] = tuple(BEST_EFFORT_DISTANCES_M.values())
# VDOT and predictions come from efforts of at least 1 km: under about three minutes the
# Daniels-Gilbert curves are extrapolated far past the races they were fitted to (1500 m up).
VDOT_MIN_DISTANCE_M: Final = 1_000.0
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


# Cached: a runner's summary asks for the same five predictions on every request until a new
# best effort changes the VDOT, and each costs a hundred vdot() calls.
@functools.lru_cache(maxsize=4096)
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


# --- Daniels' training paces ---------------------------------------------------------------------
# Training intensities of Daniels' Running Formula (3rd ed., 2013, Table 5.2 "training intensities
# based on current VDOT"), as fractions of VDOT turned into paces by the oxygen-cost equation.
# Threshold (88 %) and interval (97.5 %) are the book's own percentages. Marathon pace is the
# marathon race pace of the VDOT. The table's easy range and repetition paces drift against any
# single percentage as VDOT grows (E's fast end from 72.8 % to 74 %), so those fractions are
# lines (a parabola for R) fitted to the table's rows 40-85; tests/analytics/test_science.py checks
# every zone against the table's rows to within 1 s/km. Below VDOT 40 Daniels adjusted the table
# by hand for novice runners, and the equations run up to ~11 s/km faster there.
PACE_ZONES: Final = ("easy", "marathon", "threshold", "interval", "repetition")
THRESHOLD_FRACTION: Final = 0.88
INTERVAL_FRACTION: Final = 0.975
EASY_SLOW_FRACTION: Final = 0.6295


def _easy_fast_fraction(vdot_value: float) -> float:
    return 0.718 + 0.00026 * vdot_value


def _repetition_fraction(vdot_value: float) -> float:
    return 1.1655 - 0.003298 * vdot_value + 0.0000214 * vdot_value * vdot_value


def velocity_at_vo2_m_per_min(vo2: float) -> float:
    """Running velocity (m/min) whose oxygen cost is ``vo2`` ml·kg⁻¹·min⁻¹: the positive root of
    ``vo2_ml_kg_min``'s quadratic."""
    a, b, c = 0.000104, 0.182258, -4.60 - vo2
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def pace_at_fraction_s_per_km(vdot_value: float, fraction: float) -> float:
    """Pace in seconds per km at ``fraction`` of ``vdot_value``."""
    return 60_000.0 / velocity_at_vo2_m_per_min(fraction * vdot_value)


@dataclass(frozen=True)
class TrainingPaces:
    """Daniels' five training paces of one VDOT, seconds per km (easy is a range)."""

    easy_fast_s_per_km: float
    easy_slow_s_per_km: float
    marathon_s_per_km: float
    threshold_s_per_km: float
    interval_s_per_km: float
    repetition_s_per_km: float

    def zone_range(self, zone: str) -> tuple[float, float]:
        """(fastest, slowest) pace of ``zone`` (one of ``PACE_ZONES``), s/km; a single pace is
        both ends."""
        if zone == "easy":
            return self.easy_fast_s_per_km, self.easy_slow_s_per_km
        pace = {
            "marathon": self.marathon_s_per_km,
            "threshold": self.threshold_s_per_km,
            "interval": self.interval_s_per_km,
            "repetition": self.repetition_s_per_km,
        }[zone]
        return pace, pace


def training_paces(vdot_value: float) -> TrainingPaces:
    """Daniels' easy (range), marathon, threshold, interval and repetition paces of
    ``vdot_value``, in seconds per km (see the note above ``PACE_ZONES``)."""
    if vdot_value <= 0:
        raise ValueError("Training paces need a positive VDOT.")
    return TrainingPaces(
        easy_fast_s_per_km=pace_at_fraction_s_per_km(vdot_value, _easy_fast_fraction(vdot_value)),
        easy_slow_s_per_km=pace_at_fraction_s_per_km(vdot_value, EASY_SLOW_FRACTION),
        marathon_s_per_km=vdot_race_time_s(vdot_value, MARATHON_M) / (MARATHON_M / 1000),
        threshold_s_per_km=pace_at_fraction_s_per_km(vdot_value, THRESHOLD_FRACTION),
        interval_s_per_km=pace_at_fraction_s_per_km(vdot_value, INTERVAL_FRACTION),
        repetition_s_per_km=pace_at_fraction_s_per_km(vdot_value, _repetition_fraction(vdot_value)),
    )


# --- Heart-rate zones ----------------------------------------------------------------------------
# Five zones by Karvonen's heart-rate reserve (Karvonen, Kentala & Mustala, "The effects of
# training on heart rate: a longitudinal study", Ann Med Exp Biol Fenn 35:307-315, 1957): a target
# heart rate is resting + fraction x (max - resting). Zone n starts at the n-th fraction below;
# zone 1 also holds everything under 60 % (warm-up, standing), zone 5 everything from 90 %, so
# every second of a run with a heart rate lands in one zone.
HR_ZONE_RESERVE_FRACTIONS: Final = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class HeartRateZone:
    """Zone ``number`` (1-5): from ``min_bpm`` up to, not including, ``max_bpm``."""

    number: int
    min_bpm: float
    max_bpm: float


def heart_rate_zones(*, max_hr_bpm: float, resting_hr_bpm: float) -> tuple[HeartRateZone, ...]:
    """The five Karvonen zones of a runner, in beats per minute (see the note above)."""
    if max_hr_bpm <= resting_hr_bpm:
        raise ValueError("Max heart rate must be above resting heart rate.")
    reserve = max_hr_bpm - resting_hr_bpm
    edges = [resting_hr_bpm + f * reserve for f in HR_ZONE_RESERVE_FRACTIONS]
    return tuple(
        HeartRateZone(number=n, min_bpm=low, max_bpm=high)
        for n, (low, high) in enumerate(itertools.pairwise(edges), start=1)
    )


def zone_of(hr_bpm: float, zones: Sequence[HeartRateZone]) -> int:
    """The zone number ``hr_bpm`` falls in (1 below zone 2, the last from its lower bound)."""
    number = 1
    for zone in zones[1:]:
        if hr_bpm >= zone.min_bpm:
            number = zone.number
    return number


def time_in_zones_s(
    times_s: Sequence[float | None],
    hr_bpm: Sequence[float | None],
    zones: Sequence[HeartRateZone],
) -> tuple[float, ...]:
    """Seconds spent in each of ``zones`` over a track: each interval between two samples counts
    for the zone of the heart rate at its start (a watch reports the rate it measured until the
    next reading). Samples without a time, and intervals starting without a heart rate, count for
    no zone; O(samples)."""
    totals = [0.0] * len(zones)
    previous: tuple[float, float | None] | None = None
    for t, hr in zip(times_s, hr_bpm, strict=False):
        if t is None:
            continue
        if previous is not None and previous[1] is not None and t > previous[0]:
            totals[zone_of(previous[1], zones) - 1] += t - previous[0]
        previous = (float(t), None if hr is None else float(hr))
    return tuple(totals)


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


class LoadPoint(NamedTuple):
    """One day of the training-load series (all in the same arbitrary load units).

    ``tsb`` is yesterday's CTL minus yesterday's ATL, so today's session does not change
    today's form.

    A tuple rather than a frozen dataclass: a computed summary builds 182 of them (the 91 days
    shown, then rounded), and a frozen dataclass took a twentieth of the summary to build them
    (docs/PERFORMANCE.md, section 38)."""

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
    last_days: int | None = None,
) -> list[LoadPoint]:
    """ATL/CTL/TSB for consecutive days starting at ``first_day``, one load per day; with
    ``last_days``, only the points of that many last days (the averages still run over every
    day: the summary warms them up over 126 days it does not show).

    Each day: avg ← avg + k·(load - avg) with k = 1 - e^(-1/N), N = 7 (ATL) and 42 (CTL).
    """
    k_atl, k_ctl = ewma_constant(atl_days), ewma_constant(ctl_days)
    atl, ctl = initial_atl, initial_ctl
    kept_from = 0 if last_days is None else len(daily_loads) - last_days
    points: list[LoadPoint] = []
    for offset, load in enumerate(daily_loads):
        tsb = ctl - atl  # yesterday's values, before today's load is folded in
        atl += k_atl * (load - atl)
        ctl += k_ctl * (load - ctl)
        if offset >= kept_from:
            points.append(
                LoadPoint(
                    day=first_day + timedelta(days=offset), load=load, atl=atl, ctl=ctl, tsb=tsb
                )
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


@dataclass(frozen=True)
class EffortWindow:
    """The fastest stretch of a track over one distance: ``elapsed_s`` seconds, starting
    ``start_offset_s`` seconds and ``start_offset_m`` metres after the track's first sample."""

    elapsed_s: float
    start_offset_s: float
    start_offset_m: float


def best_effort_s(
    times_s: Sequence[float | None], distances_m: Sequence[float | None], target_m: float
) -> float | None:
    """Fastest time in seconds to cover any contiguous ``target_m`` metres of a track, or
    ``None`` when the track is shorter than that (see ``best_effort_windows``)."""
    return best_efforts_s(times_s, distances_m, (target_m,))[target_m]


def best_efforts_s(
    times_s: Sequence[float | None],
    distances_m: Sequence[float | None],
    targets_m: Iterable[float],
) -> dict[float, float | None]:
    """``best_effort_s`` for several distances, cleaning the track once."""
    windows = best_effort_windows(times_s, distances_m, targets_m)
    return {target: w.elapsed_s if w else None for target, w in windows.items()}


def best_effort_windows(
    times_s: Sequence[float | None],
    distances_m: Sequence[float | None],
    targets_m: Iterable[float],
) -> dict[float, EffortWindow | None]:
    """The fastest stretch of exactly ``target_m`` metres of a track for each target, or
    ``None`` for a target longer than the track.

    ``times_s`` are seconds from the start and ``distances_m`` cumulative metres. Between two
    samples the runner is taken to move at constant speed, so the time of a window is piecewise
    linear in its start point and its minimum lies where the window starts or ends on a sample.
    Two two-pointer passes (windows starting on a sample, windows ending on a sample) find it in
    O(samples) per target.
    """
    ts, ds = _clean_track(times_s, distances_m)
    return {target: _best_effort_clean(ts, ds, target) for target in targets_m}


def _best_effort_clean(ts: list[float], ds: list[float], target_m: float) -> EffortWindow | None:
    # Hot loop of an import (seven distances per track): interpolation is written inline.
    # No division by zero: each interpolation spans a segment strictly containing the goal.
    n = len(ts)
    if n < 2 or target_m <= 0 or ds[-1] - ds[0] < target_m:
        return None
    best = math.inf
    best_start_s = best_start_m = 0.0

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
            best, best_start_s, best_start_m = elapsed, ts[i], ds[i]

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
        start_s = t0 + (ts[i + 1] - t0) * (goal - d0) / (ds[i + 1] - d0)
        elapsed = ts[j] - start_s
        if elapsed < best:
            best, best_start_s, best_start_m = elapsed, start_s, goal
    if best == math.inf:
        return None
    return EffortWindow(
        elapsed_s=best, start_offset_s=best_start_s - ts[0], start_offset_m=best_start_m - ds[0]
    )


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
