"""What every activity-file reader produces, and the one set of rules that turns it into runs.

Each format module (GPX, TCX, FIT) only turns its file into ``Leg`` objects: one per recorded
activity (a FIT session, a TCX ``<Activity>``, a GPX track), each with its sport, its samples in
file order and the totals the device wrote for it. ``build_runs`` then applies the same rules to
all three formats, so a run gets the same numbers whichever watch recorded it. The rules are the
ones docs/API.md ("Importing activity files") promises clients:

- **Sport**: running, walking and hiking legs import; a leg whose file names no sport imports
  too (the pace check below guards it). Any other sport is refused by name; in a multisport or
  multisession file each running leg becomes its own run and the others are reported as skipped.
- **Order**: samples are read in file order. A timestamp earlier than one already seen is
  dropped (its position still counts towards the path, which is the order the device wrote),
  never sorted back into the track, which would zig-zag it. A gap over ``CLOCK_JUMP_S`` between
  two samples is a clock jump (a watch resetting its clock, two recordings joined): it counts
  neither as time nor as distance.
- **Device totals**: distance, elapsed time, timer (moving) time and start time come from the
  device's own totals (FIT session, TCX laps) where they cover the same stretch as the samples
  (``_totals_match_track``); otherwise all of them come from the samples, so distance and time
  always describe the same stretch.
- **Distance from the samples**: the file's cumulative distance stream where at least two samples
  have one (a sample missing a value is interpolated from its neighbours, never the reason to
  drop the stream); otherwise the great-circle (haversine) length of the positions on a sphere
  of the IUGG mean Earth radius (6 371 008.8 m), within ~0.5 % of the WGS-84 ellipsoid and far
  below GPS error, never summed across a pause (a segment break).
- **Moving time from the samples**: the intervals between consecutive samples whose average
  speed is at least ``MOVING_SPEED_MIN_M_S`` (0.5 m/s = 1.8 km/h, far below walking pace).
- **Possible on foot**: a run faster on average than ``MAX_SPEED_M_S`` (30 km/h), sustaining it
  for ``SUSTAINED_WINDOW_S``, or faster than ``MIN_PACE_S_PER_KM_LONG`` (2:30 /km) over
  ``LONG_DISTANCE_M`` (5 km) is refused: no runner does that, a bike or a car does.
- **Elevation gain**: the device's total ascent, else a hysteresis of ``ELEVATION_HYSTERESIS_M``
  (3 m) on the raw elevation: noise of ±1-2 m adds nothing while a real hill counts whole.
- **Heart rate**: the device's average and maximum, else mean and maximum of the samples.
- **Cadence**: files record running cadence per foot (Garmin's convention, ~80-95 rpm); the
  project stores steps per minute, so an average below ``CADENCE_PER_FOOT_MAX`` is doubled.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from tzfpy import get_tz

SourceFormat = Literal["gpx", "tcx", "fit"]

EARTH_MEAN_RADIUS_M = 6_371_008.8
MOVING_SPEED_MIN_M_S = 0.5
ELEVATION_HYSTERESIS_M = 3.0
CADENCE_PER_FOOT_MAX = 120
HEART_RATE_MIN_BPM = 25
HEART_RATE_MAX_BPM = 250

# Sports that import. UNKNOWN_SPORT: the file does not say (a GPX without <type>, a FIT
# "generic" session); the pace check decides then.
RUNNING_SPORTS = frozenset({"running", "walking", "hiking"})
UNKNOWN_SPORT = "unknown"

# Longer than any pause a runner takes with the watch running, shorter than the 20 days a
# watch's clock was seen to jump (docs/API.md).
CLOCK_JUMP_S = 6 * 3600

# Device totals and samples describe the same stretch when they agree this closely: the timer
# never runs longer than the samples span, and the cumulative distances end within a few metres.
TOTALS_TIME_TOLERANCE_S = 60.0
TOTALS_TIME_TOLERANCE = 0.05
TOTALS_DISTANCE_TOLERANCE = 0.03
TOTALS_DISTANCE_TOLERANCE_M = 20.0

# A device's cumulative distance at its first sample, up to this, was run before that sample
# (TCX exports start at a few metres); more is the distance of an earlier leg of the file.
FIRST_SAMPLE_DISTANCE_MAX_M = 50.0

# Faster than any runner: 30 km/h is above the marathon world record's 21 km/h, and 2:30 /km over
# 5 km or more is quicker than the 5000 m world record (12:35, 2:31 /km).
MAX_SPEED_M_S = 30 / 3.6
SUSTAINED_WINDOW_S = 300
LONG_DISTANCE_M = 5000.0
MIN_PACE_S_PER_KM_LONG = 150.0


class ActivityFileError(Exception):
    """The upload is not a usable activity file; the message names the problem for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotARunError(ActivityFileError):
    """The file is readable but records no run (another sport, or a FIT file that is not an
    activity); a whole-history import skips it rather than failing it."""


class EmptyLegError(ActivityFileError):
    """A leg has too little data to be a run; in a file with other runs it is skipped."""


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One recorded sample. ``time`` is ``None`` for a position without a usable timestamp;
    ``segment`` changes where the recording was paused."""

    time: datetime | None
    lat: float | None = None
    lon: float | None = None
    ele_m: float | None = None
    hr_bpm: int | None = None
    cadence: float | None = None
    dist_m: float | None = None  # the file's own cumulative distance, when it records one
    segment: int = 0


@dataclass(frozen=True)
class FileTotals:
    """Totals the device states for one leg; ``None`` where it does not."""

    distance_m: float | None = None
    elapsed_s: float | None = None
    timer_s: float | None = None  # moving (timer) time: the clock stopped during pauses
    started_at: datetime | None = None
    elevation_gain_m: float | None = None
    avg_heart_rate: float | None = None
    max_heart_rate: float | None = None
    avg_cadence: float | None = None
    utc_offset_s: int | None = None


@dataclass(frozen=True)
class Leg:
    """One recorded activity of a file: its sport (lower-case, ``UNKNOWN_SPORT`` when the file
    does not say), samples in file order and the device's totals."""

    sport: str
    points: Sequence[TrackPoint]
    totals: FileTotals = field(default_factory=FileTotals)


@dataclass(frozen=True)
class ActivityData:
    """A run read from a file, in SI units. ``samples`` is a RunTrack document (columnar lists
    ``t_s``, ``lat``, ``lon``, ``ele_m``, ``hr_bpm``, ``dist_m`` of equal length)."""

    source: SourceFormat
    started_at: datetime  # aware
    timezone: str | None  # IANA name, or None when the file does not say where/when it was local
    distance_m: float
    duration_s: int  # moving time
    elapsed_s: int
    elevation_gain_m: float | None
    avg_heart_rate: int | None
    max_heart_rate: int | None
    avg_cadence: int | None  # steps per minute
    samples: dict[str, list[float | None]] = field(hash=False)

    @property
    def point_count(self) -> int:
        return len(self.samples["t_s"])


@dataclass(frozen=True)
class ImportedFile:
    """Every run a file records, in start order, and what was skipped to get them."""

    runs: list[ActivityData]
    warnings: list[str]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def elevation_gain_m(elevations_m: Sequence[float], threshold_m: float) -> float:
    """Total climb in metres with hysteresis ``threshold_m`` (see the module docstring)."""
    if not elevations_m:
        return 0.0
    gain = 0.0
    low = candidate = elevations_m[0]
    direction = 0  # 0 undecided, 1 climbing, -1 descending
    for ele in elevations_m[1:]:
        if direction == 0:
            if ele >= low + threshold_m:
                direction, candidate = 1, ele
            elif ele <= low - threshold_m:
                direction, candidate = -1, ele
        elif direction == 1:
            if ele > candidate:
                candidate = ele
            elif ele <= candidate - threshold_m:
                gain += candidate - low
                low, candidate, direction = candidate, ele, -1
        elif ele < candidate:
            candidate = ele
        elif ele >= candidate + threshold_m:
            low, candidate, direction = candidate, ele, 1
    if direction == 1:
        gain += candidate - low
    return gain


def timezone_name(*, lat: float | None, lon: float | None, utc_offset_s: int | None) -> str | None:
    """The IANA zone where the run started: from the start position (offline lookup with
    tzfpy), else from a local-time offset the file states (as ``Etc/GMT±N`` for whole hours),
    else ``None`` (the caller falls back to the runner's profile)."""
    if lat is not None and lon is not None:
        name = get_tz(lon, lat)
        if name:
            return str(name)
    if utc_offset_s is not None and utc_offset_s % 3600 == 0 and abs(utc_offset_s) <= 14 * 3600:
        hours = utc_offset_s // 3600
        # POSIX-style Etc zones are sign-inverted: UTC+2 is "Etc/GMT-2".
        return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    return None


def sport_label(sport: str) -> str:
    """How a message names a sport: ``"open_water_swimming"`` -> ``"open water swimming"``."""
    return sport.replace("_", " ")


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _km(distance_m: float) -> str:
    return f"{distance_m / 1000:.1f} km"


def build_runs(
    legs: Sequence[Leg], *, source: SourceFormat, warnings: Sequence[str] = ()
) -> ImportedFile:
    """The runs among ``legs`` (see the module docstring), with ``warnings`` plus what was
    skipped. Raises ``ActivityFileError`` when no leg is a run or a run is impossible on foot."""
    notes = list(warnings)
    running = [leg for leg in legs if leg.sport in RUNNING_SPORTS or leg.sport == UNKNOWN_SPORT]
    if not running:
        sports = sorted({sport_label(leg.sport) for leg in legs})
        if not sports:
            raise ActivityFileError(f"The {source.upper()} file records no activity.")
        named = (
            f"{_article(sports[0])} {sports[0]} activity"
            if len(sports) == 1
            else " and ".join(sports) + " activities"
        )
        raise NotARunError(f"The {source.upper()} file records {named}, not a run.")
    for leg in legs:
        if leg not in running and leg.sport != "transition":
            distance = f" ({_km(leg.totals.distance_m)})" if leg.totals.distance_m else ""
            notes.append(
                f"The {sport_label(leg.sport)} part{distance} was not imported: only runs, walks "
                "and hikes are."
            )
    runs: list[ActivityData] = []
    empty: list[EmptyLegError] = []
    for leg in running:
        try:
            runs.append(summarise(leg.points, source=source, totals=leg.totals, warnings=notes))
        except EmptyLegError as exc:
            empty.append(exc)
    if not runs:
        raise empty[0]
    for skipped in empty:
        notes.append(f"One part of the file was not imported: {skipped.message}")
    runs.sort(key=lambda run: run.started_at)
    return ImportedFile(runs=runs, warnings=notes)


def _fill_distance_stream(values: list[float | None]) -> list[float] | None:
    """The cumulative distance stream with single missing values interpolated (by position in
    the file) between their neighbours, and held at the ends; ``None`` when fewer than two
    samples carry a distance."""
    known = [i for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return None
    filled: list[float] = [0.0] * len(values)
    first, last = known[0], known[-1]
    for i in range(first + 1):
        filled[i] = values[first]  # type: ignore[assignment]
    for left, right in itertools.pairwise(known):
        a, b = values[left], values[right]
        assert a is not None and b is not None
        filled[right] = b
        span = right - left
        for i in range(left + 1, right):
            filled[i] = a + (b - a) * (i - left) / span
    for i in range(last, len(values)):
        filled[i] = values[last]  # type: ignore[assignment]
    return filled


def _totals_match_track(
    totals: FileTotals, *, track_elapsed_s: float, track_distance_m: float | None
) -> bool:
    """Whether the device's totals describe the stretch the samples cover (see module doc)."""
    device_s = totals.elapsed_s if totals.elapsed_s is not None else totals.timer_s
    if device_s is None:
        return totals.distance_m is None
    tolerance_s = max(TOTALS_TIME_TOLERANCE_S, TOTALS_TIME_TOLERANCE * device_s)
    if totals.elapsed_s is not None and abs(totals.elapsed_s - track_elapsed_s) > tolerance_s:
        return False
    if totals.timer_s is not None and totals.timer_s > track_elapsed_s + tolerance_s:
        return False
    if totals.distance_m is not None and track_distance_m is not None:
        tolerance_m = max(
            TOTALS_DISTANCE_TOLERANCE_M, TOTALS_DISTANCE_TOLERANCE * totals.distance_m
        )
        if abs(totals.distance_m - track_distance_m) > tolerance_m:
            return False
    return True


def summarise(
    points: Sequence[TrackPoint],
    *,
    source: SourceFormat,
    totals: FileTotals | None = None,
    warnings: list[str] | None = None,
) -> ActivityData:
    """Apply the module's rules to one leg's ``points`` (in file order) and return its run.
    What was skipped is appended to ``warnings``."""
    totals = totals or FileTotals()
    notes = warnings if warnings is not None else []

    # Pass 1: drop timestamps that go backwards; mark clock jumps as breaks.
    times: list[datetime | None] = []
    segments: list[int] = []
    latest: datetime | None = None
    backwards = jumps = 0
    jump_offset = 0
    for point in points:
        time = point.time
        if time is not None and latest is not None:
            gap_s = (time - latest).total_seconds()
            if gap_s < 0:
                backwards += 1
                time = None
            elif gap_s > CLOCK_JUMP_S:
                jumps += 1
                jump_offset += 1_000_000  # a segment no real pause numbering reaches
        if time is not None:
            latest = time
        times.append(time)
        segments.append(point.segment + jump_offset)
    timed_index = [i for i, t in enumerate(times) if t is not None]
    if len(timed_index) < 2:
        raise EmptyLegError(
            f"The {source.upper()} file has fewer than two timed track points; "
            "there is no run to import."
        )
    if backwards:
        notes.append(
            f"{backwards} track point{'s' if backwards != 1 else ''} whose time went backwards "
            "kept their position but not their time."
        )
    if jumps:
        notes.append(
            f"The watch's clock jumped {jumps} time{'s' if jumps != 1 else ''} (a gap of over "
            f"{CLOCK_JUMP_S // 3600} h between samples); the gap counts neither as time nor as "
            "distance."
        )

    # Pass 2: the cumulative distance at every point, from the stream or from the positions.
    stream = _fill_distance_stream([p.dist_m for p in points])
    cumulative: list[float] = [0.0] * len(points)
    if stream is not None:
        # Net change, so a stream that dips and recovers (sensor noise) adds nothing twice; a
        # first sample a few metres in is distance run before the device wrote it.
        running_m = stream[0] if 0 < stream[0] <= FIRST_SAMPLE_DISTANCE_MAX_M else 0.0
        cumulative[0] = running_m
        for i in range(1, len(points)):
            if segments[i] - segments[i - 1] < 1_000_000:
                running_m += stream[i] - stream[i - 1]
            cumulative[i] = max(cumulative[i - 1], running_m)
    else:
        running_m = 0.0
        previous: TrackPoint | None = None
        previous_segment = -1
        for i, point in enumerate(points):
            if point.lat is not None and point.lon is not None:
                if previous is not None and segments[i] == previous_segment:
                    running_m += haversine_m(
                        previous.lat,  # type: ignore[arg-type]
                        previous.lon,  # type: ignore[arg-type]
                        point.lat,
                        point.lon,
                    )
                previous, previous_segment = point, segments[i]
            cumulative[i] = running_m
    track_distance_m = cumulative[-1]

    # Pass 3: elapsed and moving time over the timed samples.
    elapsed_s = moving_s = 0.0
    for a, b in itertools.pairwise(timed_index):
        dt_s = (times[b] - times[a]).total_seconds()  # type: ignore[operator]
        if dt_s > CLOCK_JUMP_S:
            continue
        elapsed_s += dt_s
        moving = dt_s > 0 and segments[a] == segments[b]
        if moving and (cumulative[b] - cumulative[a]) / dt_s >= MOVING_SPEED_MIN_M_S:
            moving_s += dt_s

    first_time = times[timed_index[0]]
    assert first_time is not None
    if first_time.tzinfo is None:
        raise ActivityFileError("The file's timestamps carry no time zone.")  # readers add UTC
    use_device = _totals_match_track(
        totals,
        track_elapsed_s=elapsed_s,
        track_distance_m=track_distance_m if stream is not None else None,
    )
    if not use_device:
        notes.append(
            "The device's totals cover a different stretch than its samples "
            f"({_km(totals.distance_m or 0)} in {round(totals.timer_s or totals.elapsed_s or 0)} s "
            f"against {_km(track_distance_m)} in {round(elapsed_s)} s); the samples' values were "
            "used."
        )
    started_at = first_time
    distance_m = track_distance_m
    duration_s = moving_s
    total_elapsed_s = elapsed_s
    if use_device:
        if totals.started_at is not None:
            started_at = totals.started_at
        if totals.distance_m is not None:
            distance_m = totals.distance_m
        if totals.timer_s is not None:
            duration_s = totals.timer_s
        if totals.elapsed_s is not None:
            total_elapsed_s = totals.elapsed_s
    if distance_m <= 0:
        raise EmptyLegError(
            "The track covers no distance (no positions or distance records); "
            "log it by hand instead."
        )
    if round(duration_s) < 1:
        raise EmptyLegError("The track never moves faster than walking pace.")
    _check_possible_on_foot(
        distance_m=distance_m,
        moving_s=duration_s,
        times=[times[i] for i in timed_index],  # type: ignore[misc]
        cumulative=[cumulative[i] for i in timed_index],
    )

    timed_points = [points[i] for i in timed_index]
    elevations = [p.ele_m for p in timed_points if p.ele_m is not None]
    if totals.elevation_gain_m is not None and use_device:
        gain: float | None = float(totals.elevation_gain_m)
    elif elevations:
        gain = elevation_gain_m(elevations, ELEVATION_HYSTERESIS_M)
    else:
        gain = None

    # 0 and 255 are how straps report "no contact"; they would drag the mean down.
    heart_rates = [
        p.hr_bpm
        for p in timed_points
        if p.hr_bpm is not None and HEART_RATE_MIN_BPM <= p.hr_bpm <= HEART_RATE_MAX_BPM
    ]
    avg_hr = totals.avg_heart_rate or (sum(heart_rates) / len(heart_rates) if heart_rates else None)
    max_hr = totals.max_heart_rate or (max(heart_rates) if heart_rates else None)
    avg_hr_bpm = _plausible_heart_rate(avg_hr)
    max_hr_bpm = _plausible_heart_rate(max_hr)
    if avg_hr_bpm is not None and max_hr_bpm is not None and avg_hr_bpm > max_hr_bpm:
        avg_hr_bpm = max_hr_bpm

    cadences = [p.cadence for p in timed_points if p.cadence]
    cadence = totals.avg_cadence or (sum(cadences) / len(cadences) if cadences else None)
    avg_cadence: int | None = None
    if cadence:
        steps_per_min = cadence * 2 if cadence < CADENCE_PER_FOOT_MAX else cadence
        avg_cadence = round(steps_per_min) if 1 <= steps_per_min <= 300 else None

    first_fix = next((p for p in points if p.lat is not None and p.lon is not None), None)
    zone = timezone_name(
        lat=first_fix.lat if first_fix else None,
        lon=first_fix.lon if first_fix else None,
        utc_offset_s=totals.utc_offset_s,
    )

    samples: dict[str, list[float | None]] = {
        "t_s": [round((p.time - started_at).total_seconds(), 3) for p in timed_points],  # type: ignore[operator]
        "lat": [_round(p.lat, 6) for p in timed_points],
        "lon": [_round(p.lon, 6) for p in timed_points],
        "ele_m": [_round(p.ele_m, 1) for p in timed_points],
        "hr_bpm": [p.hr_bpm for p in timed_points],
        "dist_m": [round(cumulative[i], 1) for i in timed_index],
    }
    return ActivityData(
        source=source,
        started_at=started_at.astimezone(UTC),
        timezone=zone,
        distance_m=round(distance_m, 2),
        duration_s=round(duration_s),
        elapsed_s=max(round(duration_s), round(total_elapsed_s)),
        elevation_gain_m=None if gain is None else round(gain, 1),
        avg_heart_rate=avg_hr_bpm,
        max_heart_rate=max_hr_bpm,
        avg_cadence=avg_cadence,
        samples=samples,
    )


def _check_possible_on_foot(
    *, distance_m: float, moving_s: float, times: list[datetime], cumulative: list[float]
) -> None:
    """Refuse a run no runner could have done (see the module docstring)."""
    speed_m_s = distance_m / moving_s
    pace = f"{_km(distance_m)} in {timedelta(seconds=round(moving_s))}"
    if speed_m_s > MAX_SPEED_M_S:
        raise ActivityFileError(
            f"The file's run is faster than anyone runs ({pace}, {speed_m_s * 3.6:.0f} km/h); "
            "it looks like a ride or a drive, so it was not imported."
        )
    if distance_m >= LONG_DISTANCE_M and moving_s / (distance_m / 1000) < MIN_PACE_S_PER_KM_LONG:
        raise ActivityFileError(
            f"The file's run is faster than the world records ({pace}); it looks like a ride, "
            "so it was not imported."
        )
    # Sustained speed: the fastest stretch of at least SUSTAINED_WINDOW_S (two pointers).
    start = 0
    for end in range(len(times)):
        while start < end and (times[end] - times[start + 1]).total_seconds() >= SUSTAINED_WINDOW_S:
            start += 1
        window_s = (times[end] - times[start]).total_seconds()
        if SUSTAINED_WINDOW_S <= window_s <= 2 * SUSTAINED_WINDOW_S:
            window_speed = (cumulative[end] - cumulative[start]) / window_s
            if window_speed > MAX_SPEED_M_S:
                raise ActivityFileError(
                    f"Part of the file's run is faster than anyone runs "
                    f"({window_speed * 3.6:.0f} km/h for {round(window_s / 60)} minutes); it "
                    "looks like a ride or a drive, so it was not imported."
                )


def _plausible_heart_rate(value: float | None) -> int | None:
    """A heart rate the database accepts, or ``None`` for sensor garbage (0, 255 = invalid)."""
    if value is None:
        return None
    bpm = round(value)
    return bpm if HEART_RATE_MIN_BPM <= bpm <= HEART_RATE_MAX_BPM else None


def utc(dt: datetime) -> datetime:
    """Aware UTC datetime; GPX/TCX timestamps without an offset are UTC by their specs."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        return dt.replace(tzinfo=UTC)
    return dt


__all__ = [
    "ActivityData",
    "ActivityFileError",
    "EmptyLegError",
    "FileTotals",
    "ImportedFile",
    "Leg",
    "SourceFormat",
    "TrackPoint",
    "build_runs",
    "haversine_m",
    "summarise",
]
