"""Garmin FIT activity files, decoded with Garmin's own SDK (garmin-fit-sdk).

Positions are stored in semicircles (2^31 semicircles = 180°). The session message's totals
(distance, ascent, heart rate, cadence) are the device's own and are preferred; the records give
the track. ``activity.local_timestamp - activity.timestamp`` is the wearer's UTC offset at the
time, used for the time zone when the file has no position (an indoor run).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from garmin_fit_sdk import Decoder, Stream

from training.importers.base import (
    ActivityData,
    ActivityFileError,
    FileTotals,
    TrackPoint,
    summarise,
    utc,
)

SEMICIRCLES_PER_DEGREE = 2**31 / 180
FIT_EPOCH_UNIX_S = 631_065_600  # 1989-12-31T00:00:00Z, where FIT timestamps count from
RUNNING_SPORTS = {"running", "walking", "hiking", "generic", "training", "fitness_equipment"}


def _number(message: dict[str, Any], *names: str) -> float | None:
    for name in names:
        value = message.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _degrees(value: Any) -> float | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    degrees = value / SEMICIRCLES_PER_DEGREE
    return degrees if -180 <= degrees <= 180 else None


def _decoder(content: bytes) -> Decoder:
    return Decoder(Stream.from_byte_array(bytearray(content)))


def _utc_offset_s(activity: dict[str, Any]) -> int | None:
    timestamp = activity.get("timestamp")
    local = activity.get("local_timestamp")
    if not isinstance(timestamp, datetime) or not isinstance(local, int):
        return None
    offset_s = local - (round(timestamp.timestamp()) - FIT_EPOCH_UNIX_S)
    quarter_hours = round(offset_s / 900)  # offsets come in whole quarter hours
    return quarter_hours * 900 if abs(quarter_hours) <= 14 * 4 else None


def parse_fit(content: bytes) -> ActivityData:
    # check_integrity() consumes the stream, so decoding uses a fresh decoder.
    if not _decoder(content).is_fit():
        raise ActivityFileError("The FIT file header is invalid.")
    if not _decoder(content).check_integrity():
        raise ActivityFileError(
            "The FIT file is truncated or corrupt (its size or CRC checksum does not match)."
        )
    try:
        # Only what this module reads is decoded: component expansion (compressed speed and
        # distance of pre-2010 devices), sub-fields and HRM-Pro heart-rate merging tripled the
        # decode time of a marathon (2.0 s to 0.7 s without them); the CRC was checked above.
        messages, errors = _decoder(content).read(
            convert_datetimes_to_dates=True,
            convert_types_to_strings=True,
            enable_crc_check=False,
            expand_sub_fields=False,
            expand_components=False,
            merge_heart_rates=False,
        )
    except Exception as exc:  # the SDK raises plain exceptions on malformed data
        raise ActivityFileError(f"The FIT file could not be decoded: {exc}.") from exc
    if errors:
        raise ActivityFileError(f"The FIT file could not be decoded: {errors[0]}.")

    sessions: list[dict[str, Any]] = list(messages.get("session_mesgs", []))  # type: ignore[arg-type]
    session = sessions[0] if sessions else {}
    sport = session.get("sport")
    if isinstance(sport, str) and sport not in RUNNING_SPORTS:
        raise ActivityFileError(f"The FIT file records a {sport} activity, not a run.")

    points: list[TrackPoint] = []
    segment = 0
    records: list[dict[str, Any]] = list(messages.get("record_mesgs", []))  # type: ignore[arg-type]
    events: list[dict[str, Any]] = list(messages.get("event_mesgs", []))  # type: ignore[arg-type]
    stops = sorted(
        e["timestamp"]
        for e in events
        if e.get("event") == "timer"
        and e.get("event_type") in {"stop", "stop_all"}
        and isinstance(e.get("timestamp"), datetime)
    )
    for record in records:
        time = record.get("timestamp")
        if not isinstance(time, datetime):
            continue
        while stops and time > stops[0]:
            stops.pop(0)
            segment += 1  # a timer stop before this record: the watch was paused
        hr = _number(record, "heart_rate")
        points.append(
            TrackPoint(
                time=utc(time),
                lat=_degrees(record.get("position_lat")),
                lon=_degrees(record.get("position_long")),
                ele_m=_number(record, "enhanced_altitude", "altitude"),
                hr_bpm=None if hr is None else round(hr),
                cadence=_number(record, "cadence"),
                dist_m=_number(record, "distance"),
                segment=segment,
            )
        )
    if not points:
        raise ActivityFileError("The FIT file has no timed record messages (no track).")
    if not all(p.dist_m is not None for p in points):
        # A partial distance stream would mix file and geodesic steps; use geodesic throughout.
        points = [replace(p, dist_m=None) for p in points]
    activities: list[dict[str, Any]] = list(messages.get("activity_mesgs", []))  # type: ignore[arg-type]
    totals = FileTotals(
        distance_m=_number(session, "total_distance"),
        elevation_gain_m=_number(session, "total_ascent"),
        avg_heart_rate=_number(session, "avg_heart_rate"),
        max_heart_rate=_number(session, "max_heart_rate"),
        avg_cadence=_number(session, "avg_cadence"),
        utc_offset_s=_utc_offset_s(activities[0]) if activities else None,
    )
    return summarise(points, source="fit", totals=totals)
