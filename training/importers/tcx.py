"""Garmin Training Center XML (TCX v2), read with lxml's hardened parser (see safexml.py).

Each ``<Activity>`` (also inside a ``<MultiSportSession>``) is one leg; each ``<Track>`` is one
recording segment (Garmin starts a new one after a pause). The laps' ``DistanceMeters`` and
``TotalTimeSeconds`` are the device's totals, used together where they cover the trackpoints'
stretch (see base.py); a trackpoint without a ``<Time>`` keeps its position only.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from lxml import etree

from training.importers.base import (
    UNKNOWN_SPORT,
    ActivityFileError,
    FileTotals,
    ImportedFile,
    Leg,
    TrackPoint,
    build_runs,
    utc,
)
from training.importers.safexml import local_name, namespace_of, parse_number, parse_xml

# The schema's Sport values: Running, Biking, Other ("Other" says nothing about the sport).
TCX_SPORTS = {"running": "running", "biking": "cycling", "other": UNKNOWN_SPORT}


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _float(element: etree._Element, path: str) -> float | None:
    return parse_number(_text(element, path))


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def _read_trackpoint(trackpoint: etree._Element) -> TrackPoint:
    """One ``<Trackpoint>`` in a single pass over its descendants (the hot loop of a large
    file). Cadence: ``<RunCadence>`` (TPX extension, per foot) or the plain ``<Cadence>``."""
    values: dict[str, str] = {}
    for element in trackpoint.iter():
        tag = element.tag
        if isinstance(tag, str) and element.text is not None:
            values.setdefault(local_name(tag), element.text.strip())
    time = _time(values.get("Time"))
    hr = parse_number(values.get("Value"))  # the only <Value> in a trackpoint is HeartRateBpm's
    return TrackPoint(
        time=time,
        lat=parse_number(values.get("LatitudeDegrees")),
        lon=parse_number(values.get("LongitudeDegrees")),
        ele_m=parse_number(values.get("AltitudeMeters")),
        hr_bpm=None if hr is None else round(hr),
        cadence=parse_number(values.get("RunCadence") or values.get("Cadence")),
        dist_m=parse_number(values.get("DistanceMeters")),
    )


def _leg(activity: etree._Element, ns: str) -> tuple[Leg, int]:
    """One ``<Activity>``: its sport, trackpoints, and the laps' totals where every lap has
    them (a lap's ``TotalTimeSeconds`` is timer time). Also returns how many trackpoints had no
    usable time."""
    points: list[TrackPoint] = []
    lap_distances_m: list[float | None] = []
    lap_times_s: list[float | None] = []
    lap_max_hr: list[float] = []
    untimed = 0
    segment_index = 0
    for lap in activity.iterfind(f"{ns}Lap"):
        lap_distances_m.append(_float(lap, f"{ns}DistanceMeters"))
        lap_times_s.append(_float(lap, f"{ns}TotalTimeSeconds"))
        max_hr = _float(lap, f"{ns}MaximumHeartRateBpm/{ns}Value")
        if max_hr:
            lap_max_hr.append(max_hr)
        for track in lap.iterfind(f"{ns}Track"):
            for trackpoint in track.iterfind(f"{ns}Trackpoint"):
                point = _read_trackpoint(trackpoint)
                if point.time is None:
                    untimed += 1
                points.append(replace(point, segment=segment_index))
            segment_index += 1
    sport = TCX_SPORTS.get((activity.get("Sport") or "").strip().lower(), UNKNOWN_SPORT)
    totals = FileTotals(
        distance_m=_sum_if_all(lap_distances_m),
        timer_s=_sum_if_all(lap_times_s),
        max_heart_rate=max(lap_max_hr) if lap_max_hr else None,
    )
    return Leg(sport=sport, points=points, totals=totals), untimed


def _sum_if_all(values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None) or None


def parse_tcx(content: bytes) -> ImportedFile:
    root = parse_xml(content, kind="TCX")
    ns = namespace_of(root)
    # Plain <Activities><Activity> and the legs of a <MultiSportSession> (<FirstSport>,
    # <NextSport>), in document order; each is its own run.
    activities = list(root.iter(f"{ns}Activity"))
    if not activities:
        raise ActivityFileError("The TCX file contains no <Activity>.")
    legs: list[Leg] = []
    warnings: list[str] = []
    for activity in activities:
        leg, untimed = _leg(activity, ns)
        if untimed and len(leg.points) > untimed:
            warnings.append(
                f"{untimed} trackpoint{'s' if untimed != 1 else ''} without a time kept their "
                "position only."
            )
        if leg.points:
            legs.append(leg)
    if not legs:
        raise ActivityFileError("The TCX file has no timed track points.")
    return build_runs(legs, source="tcx", warnings=warnings)
