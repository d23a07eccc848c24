"""Garmin Training Center XML (TCX v2), read with lxml's hardened parser (see safexml.py).

Each ``<Track>`` is one recording segment (Garmin starts a new one after a pause). Distance is the
laps' own ``DistanceMeters`` where every lap has one, else the trackpoints' cumulative
``DistanceMeters``, else geodesic (see base.py).
"""

from __future__ import annotations

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
from training.importers.safexml import parse_xml


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _float(element: etree._Element, path: str) -> float | None:
    text = _text(element, path)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def parse_tcx(content: bytes) -> ActivityData:
    root = parse_xml(content, kind="TCX")
    activity = root.find("{*}Activities/{*}Activity")
    if activity is None:
        raise ActivityFileError("The TCX file contains no <Activity>.")

    points: list[TrackPoint] = []
    lap_distances_m: list[float | None] = []
    segment_index = 0
    for lap in activity.iterfind("{*}Lap"):
        lap_distances_m.append(_float(lap, "{*}DistanceMeters"))
        for track in lap.iterfind("{*}Track"):
            for trackpoint in track.iterfind("{*}Trackpoint"):
                time = _time(_text(trackpoint, "{*}Time"))
                if time is None:
                    continue
                hr = _float(trackpoint, "{*}HeartRateBpm/{*}Value")
                cadence = _float(trackpoint, "{*}Extensions/{*}TPX/{*}RunCadence")
                if cadence is None:
                    cadence = _float(trackpoint, "{*}Cadence")
                points.append(
                    TrackPoint(
                        time=time,
                        lat=_float(trackpoint, "{*}Position/{*}LatitudeDegrees"),
                        lon=_float(trackpoint, "{*}Position/{*}LongitudeDegrees"),
                        ele_m=_float(trackpoint, "{*}AltitudeMeters"),
                        hr_bpm=None if hr is None else round(hr),
                        cadence=cadence,
                        dist_m=_float(trackpoint, "{*}DistanceMeters"),
                        segment=segment_index,
                    )
                )
            segment_index += 1
    if not points:
        raise ActivityFileError("The TCX file has no timed track points.")

    laps_total_m: float | None = None
    if lap_distances_m and all(d is not None for d in lap_distances_m):
        laps_total_m = sum(d for d in lap_distances_m if d is not None)
    if not all(p.dist_m is not None for p in points):
        # A partial distance stream would mix file and geodesic steps; use geodesic throughout.
        points = [
            TrackPoint(
                time=p.time,
                lat=p.lat,
                lon=p.lon,
                ele_m=p.ele_m,
                hr_bpm=p.hr_bpm,
                cadence=p.cadence,
                segment=p.segment,
            )
            for p in points
        ]
    return summarise(points, source="tcx", totals=FileTotals(distance_m=laps_total_m))
