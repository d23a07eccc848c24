"""GPX 1.0/1.1 tracks, with heart rate and cadence from Garmin's TrackPointExtension.

Read with the same hardened lxml tree that refused DTDs (safexml.py) rather than with gpxpy:
gpxpy's generic field machinery took 3.4 s for a marathon recorded at one point per second
(12 600 points) on the project's 2-core machine, over the 2 s import budget, while walking the
lxml tree takes about a tenth of that. Each ``<trkseg>`` is one recording segment (writers start
a new one after a pause).
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
from training.importers.safexml import local_name, namespace_of, parse_number, parse_xml

EXTENSION_HR = {"hr", "heartrate"}
EXTENSION_CADENCE = {"cad", "cadence"}


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


def parse_gpx(content: bytes) -> ActivityData:
    root = parse_xml(content, kind="GPX")
    ns = namespace_of(root)  # GPX 1.0 and 1.1 differ only in it
    time_tag, ele_tag = f"{ns}time", f"{ns}ele"
    points: list[TrackPoint] = []
    untimed = 0
    utc_offset_s: int | None = None
    for segment_index, segment in enumerate(root.iterfind(f"{ns}trk/{ns}trkseg")):
        for trackpoint in segment.iterfind(f"{ns}trkpt"):
            time, ele_m, hr, cadence = _read_trackpoint(trackpoint, time_tag, ele_tag)
            lat = parse_number(trackpoint.get("lat"))
            lon = parse_number(trackpoint.get("lon"))
            if time is None:
                untimed += 1
                continue
            if lat is not None and not -90 <= lat <= 90:
                raise ActivityFileError(f"The GPX file has a latitude out of range ({lat}).")
            if lon is not None and not -180 <= lon <= 180:
                raise ActivityFileError(f"The GPX file has a longitude out of range ({lon}).")
            if not points:
                utc_offset_s = _offset_s(time)
            points.append(
                TrackPoint(
                    time=utc(time),
                    lat=lat,
                    lon=lon,
                    ele_m=ele_m,
                    hr_bpm=hr,
                    cadence=cadence,
                    segment=segment_index,
                )
            )
    if not points:
        raise ActivityFileError(
            "The GPX file's track points have no timestamps."
            if untimed
            else "The GPX file has no track points (routes and waypoints are not runs)."
        )
    return summarise(points, source="gpx", totals=FileTotals(utc_offset_s=utc_offset_s))
