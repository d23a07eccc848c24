"""Garmin Training Center XML (TCX v2), read with lxml's hardened parser (see safexml.py).

Each ``<Track>`` is one recording segment (Garmin starts a new one after a pause). Distance is the
laps' own ``DistanceMeters`` where every lap has one, else the trackpoints' cumulative
``DistanceMeters``, else geodesic (see base.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from lxml import etree

from training.importers.base import (
    ActivityData,
    ActivityFileError,
    FileTotals,
    TrackPoint,
    summarise,
    utc,
)
from training.importers.safexml import local_name, namespace_of, parse_number, parse_xml


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


def _read_trackpoint(trackpoint: etree._Element) -> TrackPoint | None:
    """One ``<Trackpoint>`` in a single pass over its descendants (the hot loop of a large
    file). Cadence: ``<RunCadence>`` (TPX extension, per foot) or the plain ``<Cadence>``."""
    values: dict[str, str] = {}
    for element in trackpoint.iter():
        tag = element.tag
        if isinstance(tag, str) and element.text is not None:
            values.setdefault(local_name(tag), element.text.strip())
    time = _time(values.get("Time"))
    if time is None:
        return None
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


def parse_tcx(content: bytes) -> ActivityData:
    root = parse_xml(content, kind="TCX")
    ns = namespace_of(root)
    activity = root.find(f"{ns}Activities/{ns}Activity")
    if activity is None:
        raise ActivityFileError("The TCX file contains no <Activity>.")

    points: list[TrackPoint] = []
    lap_distances_m: list[float | None] = []
    segment_index = 0
    for lap in activity.iterfind(f"{ns}Lap"):
        lap_distances_m.append(_float(lap, f"{ns}DistanceMeters"))
        for track in lap.iterfind(f"{ns}Track"):
            for trackpoint in track.iterfind(f"{ns}Trackpoint"):
                point = _read_trackpoint(trackpoint)
                if point is not None:
                    points.append(replace(point, segment=segment_index))
            segment_index += 1
    if not points:
        raise ActivityFileError("The TCX file has no timed track points.")

    laps_total_m: float | None = None
    if lap_distances_m and all(d is not None for d in lap_distances_m):
        laps_total_m = sum(d for d in lap_distances_m if d is not None)
    if not all(p.dist_m is not None for p in points):
        # A partial distance stream would mix file and geodesic steps; use geodesic throughout.
        points = [replace(p, dist_m=None) for p in points]
    return summarise(points, source="tcx", totals=FileTotals(distance_m=laps_total_m))
