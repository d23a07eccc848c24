"""Garmin FIT activity files, decoded with pyfitparsernative (the rustyfit decoder in Rust).

Chosen by measurement (``bench/fit_decoders.py``; numbers in docs/API.md): on 114 real FIT files
it decodes what fitdecode decodes and refuses the same 8 damaged files, including header CRC 0
("not computed"), compressed timestamps, developer fields and chained files, at ~0.06 s for a
marathon at 1 Hz where the pure-Python decoders take 0.4-1 s. Garmin's own SDK refuses
compressed-timestamp files; fitfast (also rustyfit) refuses valid files whose header CRC is 0.

The decoder checks the structure and every CRC while it reads, so a damaged file is refused by
it. Positions come in semicircles (2^31 semicircles = 180°), timestamps as naive ISO strings in
UTC. Each session is one leg (a multisport or multisession file has several); the records
belong to the session whose time span they fall in. Records that share a timestamp are merged
(Suunto writes position, heart rate and distance in separate records). Pre-2010 devices write
speed and distance in one packed ``compressed_speed_distance`` field, unpacked here.
``activity.local_timestamp - activity.timestamp`` is the wearer's UTC offset at the time, used
for the time zone when the file has no position (an indoor run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyfitparsernative import parse_fit_bytes

from training.importers.base import (
    RUNNING_SPORTS,
    UNKNOWN_SPORT,
    ActivityFileError,
    FileTotals,
    ImportedFile,
    Leg,
    NotARunError,
    TrackPoint,
    build_runs,
    sport_label,
)

SEMICIRCLES_PER_DEGREE = 2**31 / 180
# The FIT profile's "generic" sport is what a watch writes when the wearer did not choose one.
FIT_SPORTS = {"generic": UNKNOWN_SPORT}
TREADMILL_SUB_SPORTS = {"treadmill", "indoor_running", "indoor_walking"}
# compressed_speed_distance: 12 bits of speed (1/100 m/s), 12 bits of distance (1/16 m) that
# roll over every 256 m.
DISTANCE_ROLLOVER = 4096
DISTANCE_SCALE = 16.0

INVALID_SINT32 = 0x7FFFFFFF

Message = dict[str, Any]


def read_fit_messages(content: bytes) -> dict[str, list[Message]]:
    """Every message of the file (all chained FIT files in it) by kind, in file order.
    Raises ``ActivityFileError`` for a damaged file (bad CRC, cut short, not FIT)."""
    try:
        messages = parse_fit_bytes(content)
    except ValueError as exc:
        detail = str(exc).removeprefix("failed to decode FIT data: ")
        raise ActivityFileError(
            f"The FIT file is truncated or corrupt ({detail}); export it from the device again."
        ) from exc
    by_kind: dict[str, list[Message]] = {}
    for message in messages:
        by_kind.setdefault(str(message.get("message_type")), []).append(message)
    return by_kind


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def _number(message: Message, *names: str) -> float | None:
    for name in names:
        value = message.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _utc_offset_s(activity: Message) -> int | None:
    timestamp = _time(activity.get("timestamp"))
    local = _time(activity.get("local_timestamp"))
    if timestamp is None or local is None:
        return None
    quarter_hours = round((local - timestamp).total_seconds() / 900)  # whole quarter hours
    return quarter_hours * 900 if abs(quarter_hours) <= 14 * 4 else None


def _sport(message: Message) -> str:
    sport = message.get("sport")
    if not isinstance(sport, str):
        return UNKNOWN_SPORT
    if sport == "fitness_equipment" and message.get("sub_sport") in TREADMILL_SUB_SPORTS:
        return "running"
    return FIT_SPORTS.get(sport, sport)


def _merged_records(records: list[Message]) -> list[tuple[datetime, Message]]:
    """Records by timestamp, in file order of first appearance; records sharing a timestamp
    are merged (a later value fills what an earlier record left out)."""
    merged: dict[str, tuple[datetime, Message]] = {}
    rolled = 0
    last_raw: int | None = None
    for record in records:
        stamp = record.get("timestamp")
        if not isinstance(stamp, str):
            continue
        packed = record.get("compressed_speed_distance")
        if isinstance(packed, list) and len(packed) == 3 and "distance" not in record:
            raw = (packed[1] >> 4) | (packed[2] << 4)
            if last_raw is not None:
                rolled += (raw - last_raw) % DISTANCE_ROLLOVER
            last_raw = raw
            record = {**record, "distance": rolled / DISTANCE_SCALE}
        known = merged.get(stamp)
        if known is None:
            time = _time(stamp)
            if time is not None:
                merged[stamp] = (time, record)
        else:
            combined = dict(known[1])  # the decoder's dicts stay untouched
            for key, value in record.items():
                if combined.get(key) is None:
                    combined[key] = value
            merged[stamp] = (known[0], combined)
    return list(merged.values())


def _pause_stops(events: list[Message]) -> list[datetime]:
    stops: list[datetime] = []
    for event in events:
        if event.get("event") == "timer" and event.get("event_type") in {"stop", "stop_all"}:
            time = _time(event.get("timestamp"))
            if time is not None:
                stops.append(time)
    return sorted(stops)


def _point(time: datetime, record: Message, segment: int) -> TrackPoint:
    # The hot loop of a long file (one call per second recorded): plain dict reads, no helpers.
    lat, lon = record.get("position_lat"), record.get("position_long")
    hr = record.get("heart_rate")
    ele_m = record.get("enhanced_altitude")
    if ele_m is None:
        ele_m = record.get("altitude")
    cadence = record.get("cadence")
    dist_m = record.get("distance")
    return TrackPoint(
        time=time,
        lat=lat / SEMICIRCLES_PER_DEGREE
        if isinstance(lat, int) and lat != INVALID_SINT32
        else None,
        lon=lon / SEMICIRCLES_PER_DEGREE
        if isinstance(lon, int) and lon != INVALID_SINT32
        else None,
        ele_m=float(ele_m) if isinstance(ele_m, int | float) else None,
        hr_bpm=round(hr) if isinstance(hr, int | float) else None,
        cadence=float(cadence) if isinstance(cadence, int | float) else None,
        dist_m=float(dist_m) if isinstance(dist_m, int | float) else None,
        segment=segment,
    )


def _totals(session: Message, utc_offset_s: int | None) -> FileTotals:
    return FileTotals(
        distance_m=_number(session, "total_distance") or None,
        elapsed_s=_number(session, "total_elapsed_time"),
        timer_s=_number(session, "total_timer_time"),
        started_at=_time(session.get("start_time")),
        elevation_gain_m=_number(session, "total_ascent"),
        avg_heart_rate=_number(session, "avg_heart_rate"),
        max_heart_rate=_number(session, "max_heart_rate"),
        avg_cadence=_number(session, "avg_running_cadence", "avg_cadence"),
        utc_offset_s=utc_offset_s,
    )


def parse_fit(content: bytes) -> ImportedFile:
    messages = read_fit_messages(content)
    file_ids = messages.get("file_id", [])
    file_type = file_ids[0].get("type") if file_ids else None
    if isinstance(file_type, str) and file_type != "activity":
        raise NotARunError(
            f"The FIT file is a {sport_label(file_type)} file, not an activity; export the "
            "activity (a run) from the device instead."
        )
    activities = messages.get("activity", [])
    utc_offset_s = _utc_offset_s(activities[0]) if activities else None
    records = _merged_records(messages.get("record", []))
    stops = _pause_stops(messages.get("event", []))

    sessions = sorted(
        messages.get("session", []),
        key=lambda s: _time(s.get("start_time")) or _time(s.get("timestamp")) or datetime.max,
    )
    if not sessions:
        sports = messages.get("sport", [])
        sessions = [{"sport": sports[0].get("sport") if sports else None}]
        totals = [FileTotals(utc_offset_s=utc_offset_s)]
    else:
        totals = [_totals(session, utc_offset_s) for session in sessions]
    sport_of = [_sport(session) for session in sessions]
    imported = [sport in RUNNING_SPORTS or sport == UNKNOWN_SPORT for sport in sport_of]
    # Each record belongs to the last session that started at or before it (records before the
    # first session to the first); only the legs that may import get track points built.
    starts = [_time(s.get("start_time")) for s in sessions]
    per_session: list[list[TrackPoint]] = [[] for _ in sessions]
    index = segment = 0
    for time, record in records:
        while stops and time > stops[0]:
            stops.pop(0)
            segment += 1  # a timer stop before this record: the watch was paused
        while index + 1 < len(sessions):
            next_start = starts[index + 1]
            if next_start is None or time < next_start:
                break
            index += 1
        if imported[index]:
            per_session[index].append(_point(time, record, segment))
    legs = [
        Leg(sport=sport, points=points, totals=leg_totals)
        for sport, points, leg_totals in zip(sport_of, per_session, totals, strict=True)
    ]
    return build_runs(legs, source="fit")
