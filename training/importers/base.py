"""What every activity-file reader produces, and the one summary of a track they all share.

Each format module (GPX, TCX, FIT) only turns its file into a list of ``TrackPoint`` plus the
file's own totals where it records them; ``summarise`` then applies the same rules to all three,
so a run costs the same distance and moving time whichever watch recorded it.

Rules (the numbers are the module constants below):

- **Distance**: the file's own distance where it has one (FIT session ``total_distance``, TCX lap
  ``DistanceMeters``, a cumulative per-point distance stream); otherwise the great-circle
  (haversine) distance summed over consecutive points of each track segment, on a sphere of the
  IUGG mean Earth radius (6 371 008.8 m). Haversine differs from the WGS-84 ellipsoid by at most
  ~0.5 % and typically ~0.2 %, far below GPS error. Distance is never summed across a segment
  break: GPX writers start a new segment when the watch is paused.
- **Moving time** (``duration_s``): the sum of the intervals between consecutive points of a
  segment whose average speed is at least ``MOVING_SPEED_MIN_M_S`` (0.5 m/s = 1.8 km/h, far
  below walking pace). Standing at a crossing, or a recording gap while the watch was paused at
  one spot, therefore does not count; ``elapsed_s`` is last point - first point.
- **Elevation gain**: hysteresis of ``ELEVATION_HYSTERESIS_M`` (3 m) on the raw elevation: a
  climb counts once it has risen 3 m above the last confirmed low and then counts in full up to
  its top, so GPS/barometric noise of ±1-2 m adds nothing while a real hill is counted whole.
  The FIT session's own ``total_ascent`` is used where present.
- **Heart rate**: mean and maximum of the samples (a FIT session's own values where present).
- **Cadence**: files record running cadence per foot (Garmin's convention, ~80-95 rpm); the
  project stores steps per minute, so an average below ``CADENCE_PER_FOOT_MAX`` is doubled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from tzfpy import get_tz

SourceFormat = Literal["gpx", "tcx", "fit"]

EARTH_MEAN_RADIUS_M = 6_371_008.8
MOVING_SPEED_MIN_M_S = 0.5
ELEVATION_HYSTERESIS_M = 3.0
CADENCE_PER_FOOT_MAX = 120
HEART_RATE_MIN_BPM = 25
HEART_RATE_MAX_BPM = 250


class ActivityFileError(Exception):
    """The upload is not a usable activity file; the message names the problem for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One recorded sample. ``segment`` changes where the recording was paused."""

    time: datetime
    lat: float | None = None
    lon: float | None = None
    ele_m: float | None = None
    hr_bpm: int | None = None
    cadence: float | None = None
    dist_m: float | None = None  # the file's own cumulative distance, when it records one
    segment: int = 0


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
class FileTotals:
    """Totals a file states itself; ``None`` where it does not, so ``summarise`` computes them."""

    distance_m: float | None = None
    elevation_gain_m: float | None = None
    avg_heart_rate: float | None = None
    max_heart_rate: float | None = None
    avg_cadence: float | None = None
    utc_offset_s: int | None = None


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


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def summarise(
    points: Sequence[TrackPoint], *, source: SourceFormat, totals: FileTotals | None = None
) -> ActivityData:
    """Apply the module's rules to ``points`` (in file order) and return the run they record."""
    totals = totals or FileTotals()
    timed = sorted(points, key=lambda p: p.time)
    if len(timed) < 2:
        raise ActivityFileError(
            f"The {source.upper()} file has fewer than two timed track points; "
            "there is no run to import."
        )
    start = timed[0].time
    if start.tzinfo is None:
        raise ActivityFileError("The file's timestamps carry no time zone.")  # readers add UTC
    elapsed_s = (timed[-1].time - start).total_seconds()

    geodesic_total_m = 0.0
    moving_s = 0.0
    cumulative_m: list[float] = [0.0]
    previous = timed[0]
    for point in timed[1:]:
        step_m = 0.0
        if point.segment == previous.segment:
            if point.dist_m is not None and previous.dist_m is not None:
                step_m = max(0.0, point.dist_m - previous.dist_m)
            elif None not in (point.lat, point.lon, previous.lat, previous.lon):
                step_m = haversine_m(
                    previous.lat,  # type: ignore[arg-type]
                    previous.lon,  # type: ignore[arg-type]
                    point.lat,  # type: ignore[arg-type]
                    point.lon,  # type: ignore[arg-type]
                )
            dt_s = (point.time - previous.time).total_seconds()
            if dt_s > 0 and step_m / dt_s >= MOVING_SPEED_MIN_M_S:
                moving_s += dt_s
        geodesic_total_m += step_m
        cumulative_m.append(geodesic_total_m)
        previous = point

    has_file_distance = all(p.dist_m is not None for p in timed)
    if totals.distance_m:
        distance_m = totals.distance_m
    elif has_file_distance:
        distance_m = max(p.dist_m or 0.0 for p in timed) - (timed[0].dist_m or 0.0)
    else:
        distance_m = geodesic_total_m
    if distance_m <= 0:
        raise ActivityFileError(
            "The track covers no distance (no positions or distance records); "
            "log it by hand instead."
        )
    duration_s = round(moving_s)
    if duration_s < 1:
        raise ActivityFileError("The track never moves faster than walking pace.")

    elevations = [p.ele_m for p in timed if p.ele_m is not None]
    if totals.elevation_gain_m is not None:
        gain: float | None = float(totals.elevation_gain_m)
    elif elevations:
        gain = elevation_gain_m(elevations, ELEVATION_HYSTERESIS_M)
    else:
        gain = None

    # 0 and 255 are how straps report "no contact"; they would drag the mean down.
    heart_rates = [
        p.hr_bpm
        for p in timed
        if p.hr_bpm is not None and HEART_RATE_MIN_BPM <= p.hr_bpm <= HEART_RATE_MAX_BPM
    ]
    avg_hr = totals.avg_heart_rate or (sum(heart_rates) / len(heart_rates) if heart_rates else None)
    max_hr = totals.max_heart_rate or (max(heart_rates) if heart_rates else None)
    avg_hr_bpm = _plausible_heart_rate(avg_hr)
    max_hr_bpm = _plausible_heart_rate(max_hr)
    if avg_hr_bpm is not None and max_hr_bpm is not None and avg_hr_bpm > max_hr_bpm:
        avg_hr_bpm = max_hr_bpm

    cadences = [p.cadence for p in timed if p.cadence]
    cadence = totals.avg_cadence or (sum(cadences) / len(cadences) if cadences else None)
    avg_cadence: int | None = None
    if cadence:
        steps_per_min = cadence * 2 if cadence < CADENCE_PER_FOOT_MAX else cadence
        avg_cadence = round(steps_per_min) if 1 <= steps_per_min <= 300 else None

    first_fix = next((p for p in timed if p.lat is not None and p.lon is not None), None)
    zone = timezone_name(
        lat=first_fix.lat if first_fix else None,
        lon=first_fix.lon if first_fix else None,
        utc_offset_s=totals.utc_offset_s,
    )

    samples: dict[str, list[float | None]] = {
        "t_s": [round((p.time - start).total_seconds(), 3) for p in timed],
        "lat": [_round(p.lat, 6) for p in timed],
        "lon": [_round(p.lon, 6) for p in timed],
        "ele_m": [_round(p.ele_m, 1) for p in timed],
        "hr_bpm": [p.hr_bpm for p in timed],
        "dist_m": [
            _round(p.dist_m if has_file_distance else cumulative_m[i], 1)
            for i, p in enumerate(timed)
        ],
    }
    return ActivityData(
        source=source,
        started_at=start.astimezone(UTC),
        timezone=zone,
        distance_m=round(distance_m, 1),
        duration_s=duration_s,
        elapsed_s=max(duration_s, round(elapsed_s)),
        elevation_gain_m=None if gain is None else round(gain, 1),
        avg_heart_rate=avg_hr_bpm,
        max_heart_rate=max_hr_bpm,
        avg_cadence=avg_cadence,
        samples=samples,
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
    "FileTotals",
    "SourceFormat",
    "TrackPoint",
    "haversine_m",
    "summarise",
]
