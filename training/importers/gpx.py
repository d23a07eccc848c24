"""GPX 1.0/1.1 tracks, with heart rate and cadence from Garmin's TrackPointExtension.

Read with the same hardened lxml tree that refused DTDs (safexml.py) rather than with gpxpy:
gpxpy's generic field machinery took 3.4 s for a marathon recorded at one point per second
(12 600 points) on the project's 2-core machine, over the 2 s import budget, while walking the
lxml tree takes about a tenth of that. Each ``<trkseg>`` is one recording segment (writers start
a new one after a pause); consecutive ``<trk>`` of one sport (``<type>``) are one leg, and a track
without any timestamp is skipped with a warning.
"""

from __future__ import annotations

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

EXTENSION_HR = {"hr", "heartrate"}
EXTENSION_CADENCE = {"cad", "cadence"}
# ``<trk><type>`` is free text; writers use English words (Garmin "running", Strava "Run" /
# "Ride", Komoot "hike"). The first keyword found in it decides.
GPX_SPORT_KEYWORDS = (
    ("run", "running"),
    ("jog", "running"),
    ("walk", "walking"),
    ("hik", "hiking"),
    ("cycl", "cycling"),
    ("bik", "cycling"),
    ("ride", "cycling"),
    ("swim", "swimming"),
    ("ski", "skiing"),
    ("row", "rowing"),
    ("paddl", "paddling"),
    ("kayak", "paddling"),
    ("skat", "skating"),
)


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _read_trackpoint(
    trackpoint: etree._Element, time_tag: str, ele_tag: str
) -> tuple[datetime | None, float | None, int | None, float | None]:
    """Time, elevation, heart rate and cadence of one ``<trkpt>`` in a single pass over its
    descendants (the hot loop of a large file: no per-field ``find``). Heart rate and cadence
    come from ``<extensions>`` under any namespace prefix."""
    time: datetime | None = None
    ele_m: float | None = None
    hr: int | None = None
    cadence: float | None = None
    for element in trackpoint.iter():
        tag = element.tag
        if tag == time_tag:
            time = _time(element.text)
        elif tag == ele_tag:
            ele_m = parse_number(element.text)
        elif isinstance(tag, str):
            name = local_name(tag).lower()
            if name in EXTENSION_HR:
                value = parse_number(element.text)
                hr = None if value is None else round(value)
            elif name in EXTENSION_CADENCE:
                cadence = parse_number(element.text)
    return time, ele_m, hr, cadence


def _offset_s(time: datetime) -> int | None:
    offset = time.utcoffset()
    if offset is None or not offset:
        return None  # "Z" only says the writer used UTC, not where the runner was
    return int(offset.total_seconds())


def gpx_sport(type_text: str | None) -> str:
    """The sport a ``<trk><type>`` names (free text: "running", "Run", "cycling", "Ride",
    "hiking"...), or ``UNKNOWN_SPORT`` when it names none this table knows."""
    if not type_text:
        return UNKNOWN_SPORT
    words = type_text.strip().lower()
    for keyword, sport in GPX_SPORT_KEYWORDS:
        if keyword in words:
            return sport
    return UNKNOWN_SPORT


def parse_gpx(content: bytes) -> ImportedFile:
    root = parse_xml(content, kind="GPX")
    ns = namespace_of(root)  # GPX 1.0 and 1.1 differ only in it
    time_tag, ele_tag = f"{ns}time", f"{ns}ele"
    legs: list[Leg] = []
    warnings: list[str] = []
    utc_offset_s: int | None = None
    segment_index = 0
    seen_points = False
    for track_number, track in enumerate(root.iterfind(f"{ns}trk"), start=1):
        sport = gpx_sport(_child_text(track, f"{ns}type"))
        points: list[TrackPoint] = []
        for segment in track.iterfind(f"{ns}trkseg"):
            for trackpoint in segment.iterfind(f"{ns}trkpt"):
                time, ele_m, hr, cadence = _read_trackpoint(trackpoint, time_tag, ele_tag)
                lat = parse_number(trackpoint.get("lat"))
                lon = parse_number(trackpoint.get("lon"))
                if lat is not None and not -90 <= lat <= 90:
                    raise ActivityFileError(f"The GPX file has a latitude out of range ({lat}).")
                if lon is not None and not -180 <= lon <= 180:
                    raise ActivityFileError(f"The GPX file has a longitude out of range ({lon}).")
                if (
                    time is not None
                    and utc_offset_s is None
                    and not any(p.time is not None for p in points)
                ):
                    utc_offset_s = _offset_s(time)
                points.append(
                    TrackPoint(
                        time=None if time is None else utc(time),
                        lat=lat,
                        lon=lon,
                        ele_m=ele_m,
                        hr_bpm=hr,
                        cadence=cadence,
                        segment=segment_index,
                    )
                )
            segment_index += 1
        seen_points = seen_points or bool(points)
        if not points:
            continue
        if not any(p.time is not None for p in points):
            warnings.append(
                f"Track {track_number} has no timestamps ({len(points)} points) and was not "
                "imported."
            )
            continue
        if legs and legs[-1].sport == sport:
            # Consecutive tracks of one sport are one recording split by the writer.
            legs[-1] = Leg(sport=sport, points=[*legs[-1].points, *points])
        else:
            legs.append(Leg(sport=sport, points=points))
    if not legs:
        raise ActivityFileError(
            "The GPX file's track points have no timestamps."
            if seen_points
            else "The GPX file has no track points (routes and waypoints are not runs)."
        )
    totals = FileTotals(utc_offset_s=utc_offset_s)
    legs = [Leg(sport=leg.sport, points=leg.points, totals=totals) for leg in legs]
    return build_runs(legs, source="gpx", warnings=warnings)


def _child_text(element: etree._Element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None or child.text is None else child.text
