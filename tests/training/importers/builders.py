"""Activity files written by the tests themselves, from a route whose truth is known by
construction: each point is placed exactly ``speed * dt`` metres after the previous one along a
fixed bearing (the spherical "destination point" formula), so the true distance of a leg is
simply ``speed * duration`` — computed without any of the importer's code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Leg:
    duration_s: int
    speed_m_s: float  # 0 = standing still
    bearing_deg: float = 0.0
    climb_m: float = 0.0  # elevation change over the leg, linear
    hr_bpm: int | None = None
    cadence_rpm: int | None = None  # per foot, as watches record it


@dataclass(frozen=True)
class Sample:
    time: datetime
    lat: float
    lon: float
    ele_m: float
    hr_bpm: int | None
    cadence_rpm: int | None
    dist_m: float  # true cumulative distance along the route


def destination(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """The point ``distance_m`` from (lat, lon) along ``bearing_deg`` on a sphere."""
    delta = distance_m / EARTH_RADIUS_M
    theta = math.radians(bearing_deg)
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lmb2)


def route(
    legs: list[Leg],
    *,
    start: datetime,
    lat: float = 51.5007,
    lon: float = -0.1246,
    ele_m: float = 10.0,
    noise_m: float = 0.0,
) -> list[Sample]:
    """One sample per second along ``legs``. ``noise_m`` adds an alternating ±noise to the
    elevation (as GPS altitude jitters), which a smoothed gain must ignore."""
    samples = [Sample(start, lat, lon, ele_m, legs[0].hr_bpm, legs[0].cadence_rpm, 0.0)]
    time, dist_m, base_ele = start, 0.0, ele_m
    for leg in legs:
        for second in range(1, leg.duration_s + 1):
            time += timedelta(seconds=1)
            lat, lon = destination(lat, lon, leg.bearing_deg, leg.speed_m_s)
            dist_m += leg.speed_m_s
            ele = base_ele + leg.climb_m * second / leg.duration_s
            jitter = noise_m if len(samples) % 2 else -noise_m
            samples.append(
                Sample(time, lat, lon, ele + jitter, leg.hr_bpm, leg.cadence_rpm, dist_m)
            )
        base_ele += leg.climb_m
    return samples


def _iso(time: datetime) -> str:
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gpx_bytes(
    samples: list[Sample], *, with_extensions: bool = True, segment_breaks: tuple[int, ...] = ()
) -> bytes:
    """A GPX 1.1 track with Garmin TrackPointExtension heart rate and cadence; a new
    ``<trkseg>`` starts at each sample index in ``segment_breaks`` (as after a watch pause)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<metadata><time>{_iso(samples[0].time)}</time></metadata>"
        "<trk><name>Test run</name><type>running</type><trkseg>"
    ]
    for index, s in enumerate(samples):
        if index in segment_breaks:
            parts.append("</trkseg><trkseg>")
        ext = ""
        if with_extensions and (s.hr_bpm or s.cadence_rpm):
            inner = (f"<gpxtpx:hr>{s.hr_bpm}</gpxtpx:hr>" if s.hr_bpm else "") + (
                f"<gpxtpx:cad>{s.cadence_rpm}</gpxtpx:cad>" if s.cadence_rpm else ""
            )
            ext = (
                "<extensions><gpxtpx:TrackPointExtension>"
                f"{inner}</gpxtpx:TrackPointExtension></extensions>"
            )
        parts.append(
            f'<trkpt lat="{s.lat:.7f}" lon="{s.lon:.7f}"><ele>{s.ele_m:.2f}</ele>'
            f"<time>{_iso(s.time)}</time>{ext}</trkpt>"
        )
    parts.append("</trkseg></trk></gpx>\n")
    return "".join(parts).encode()


def tcx_bytes(
    samples: list[Sample],
    *,
    lap_ends_s: list[int],
    with_distances: bool = True,
    notes: str = "",
    sport: str = "Running",
    with_positions: bool = True,
    missing_distance_at: tuple[int, ...] = (),
    lap_distances_m: list[float] | None = None,
) -> bytes:
    """A TCX activity whose laps end at the given seconds; laps carry their distance, time and
    heart rate summaries like a Garmin export, trackpoints their cumulative distance.
    ``missing_distance_at``: sample indexes written without ``<DistanceMeters>``;
    ``lap_distances_m``: what the laps claim instead of the true distances."""
    start = samples[0].time
    laps: list[str] = []
    lap_start = 0
    for lap_index, lap_end in enumerate(lap_ends_s):
        chunk = (
            samples[lap_start : lap_end + 1]
            if lap_start == 0
            else samples[lap_start + 1 : lap_end + 1]
        )
        lap_dist = samples[lap_end].dist_m - samples[lap_start].dist_m
        if lap_distances_m is not None:
            lap_dist = lap_distances_m[lap_index]
        hrs = [s.hr_bpm for s in chunk if s.hr_bpm]
        points = []
        for s in chunk:
            has_distance = with_distances and (
                not missing_distance_at or samples.index(s) not in missing_distance_at
            )
            points.append(
                "<Trackpoint>"
                f"<Time>{_iso(s.time)}</Time>"
                + (
                    f"<Position><LatitudeDegrees>{s.lat:.7f}</LatitudeDegrees>"
                    f"<LongitudeDegrees>{s.lon:.7f}</LongitudeDegrees></Position>"
                    if with_positions
                    else ""
                )
                + f"<AltitudeMeters>{s.ele_m:.2f}</AltitudeMeters>"
                + (f"<DistanceMeters>{s.dist_m:.2f}</DistanceMeters>" if has_distance else "")
                + (f"<HeartRateBpm><Value>{s.hr_bpm}</Value></HeartRateBpm>" if s.hr_bpm else "")
                + (
                    f'<Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
                    f"<RunCadence>{s.cadence_rpm}</RunCadence></TPX></Extensions>"
                    if s.cadence_rpm
                    else ""
                )
                + "</Trackpoint>"
            )
        laps.append(
            f'<Lap StartTime="{_iso(start + timedelta(seconds=lap_start))}">'
            f"<TotalTimeSeconds>{lap_end - lap_start}</TotalTimeSeconds>"
            + (f"<DistanceMeters>{lap_dist:.2f}</DistanceMeters>" if with_distances else "")
            + (
                "<AverageHeartRateBpm>"
                f"<Value>{round(sum(hrs) / len(hrs))}</Value></AverageHeartRateBpm>"
                f"<MaximumHeartRateBpm><Value>{max(hrs)}</Value></MaximumHeartRateBpm>"
                if hrs
                else ""
            )
            + "<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>"
            f"<Track>{''.join(points)}</Track></Lap>"
        )
        lap_start = lap_end
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>{_iso(start)}</Id>{"".join(laps)}'
        f"<Notes>{escape(notes)}</Notes></Activity></Activities></TrainingCenterDatabase>\n"
    ).encode()


def tcx_multisport_bytes(activities: list[bytes]) -> bytes:
    """One ``<MultiSportSession>`` of the ``<Activity>`` elements of ``tcx_bytes`` files, as a
    Garmin multisport export: ``<FirstSport>`` then ``<NextSport>`` for each further leg."""
    bodies = []
    for content in activities:
        text = content.decode()
        bodies.append(text[text.index("<Activity ") : text.index("</Activities>")])
    legs = [f"<FirstSport>{bodies[0]}</FirstSport>"]
    legs += [
        f"<NextSport><Transition><TotalTimeSeconds>60</TotalTimeSeconds></Transition>{b}"
        "</NextSport>"
        for b in bodies[1:]
    ]
    first = activities[0].decode()
    head = first[: first.index("<Activities>")]
    return (
        f"{head}<Activities><MultiSportSession><Id>2026-01-01T00:00:00Z</Id>{''.join(legs)}"
        "</MultiSportSession></Activities></TrainingCenterDatabase>\n"
    ).encode()


FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


def fit_bytes(
    samples: list[Sample],
    *,
    with_positions: bool = True,
    utc_offset_s: int | None = None,
    session_totals: bool = True,
    sport: str = "RUNNING",
    split_records: bool = False,
    elapsed_s: float | None = None,
) -> bytes:
    """A FIT activity written with fit-tool: file id, timer events, one record per sample, a
    session with the device's totals and an activity message with the local-time offset.
    ``split_records``: position, heart rate and distance in three records per sample, as Suunto
    writes them; ``elapsed_s``: the session's elapsed and timer time when the samples' span is
    not it (a clock jump)."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.record_message import RecordMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.profile_type import Event, EventType, FileType, Manufacturer, Sport

    def ms(time: datetime) -> int:
        return round(time.timestamp() * 1000)

    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 0x1234
    file_id.time_created = ms(samples[0].time)
    builder.add(file_id)
    start = EventMessage()
    start.event = Event.TIMER
    start.event_type = EventType.START
    start.timestamp = ms(samples[0].time)
    builder.add(start)
    for s in samples:
        if split_records:
            for part in ("position", "heart_rate", "distance"):
                record = RecordMessage()
                record.timestamp = ms(s.time)
                if part == "position" and with_positions:
                    record.position_lat = s.lat
                    record.position_long = s.lon
                elif part == "heart_rate" and s.hr_bpm:
                    record.heart_rate = s.hr_bpm
                elif part == "distance":
                    record.distance = s.dist_m
                builder.add(record)
            continue
        record = RecordMessage()
        record.timestamp = ms(s.time)
        if with_positions:
            record.position_lat = s.lat
            record.position_long = s.lon
        record.distance = s.dist_m
        record.altitude = s.ele_m
        if s.hr_bpm:
            record.heart_rate = s.hr_bpm
        if s.cadence_rpm:
            record.cadence = s.cadence_rpm
        builder.add(record)
    stop = EventMessage()
    stop.event = Event.TIMER
    stop.event_type = EventType.STOP_ALL
    stop.timestamp = ms(samples[-1].time)
    builder.add(stop)
    if elapsed_s is None:
        elapsed_s = (samples[-1].time - samples[0].time).total_seconds()
    session = SessionMessage()
    session.timestamp = ms(samples[-1].time)
    session.start_time = ms(samples[0].time)
    session.sport = getattr(Sport, sport)
    session.total_elapsed_time = elapsed_s
    session.total_timer_time = elapsed_s
    if session_totals:
        hrs = [s.hr_bpm for s in samples if s.hr_bpm]
        session.total_distance = samples[-1].dist_m
        if hrs:
            session.avg_heart_rate = round(sum(hrs) / len(hrs))
            session.max_heart_rate = max(hrs)
    builder.add(session)
    activity = ActivityMessage()
    activity.timestamp = ms(samples[-1].time)
    activity.total_timer_time = elapsed_s
    activity.num_sessions = 1
    if utc_offset_s is not None:
        utc_s = (samples[-1].time - FIT_EPOCH).total_seconds()
        activity.local_timestamp = round(utc_s) + utc_offset_s
    builder.add(activity)
    return builder.build().to_bytes()


def long_gpx(
    distance_m: float, *, pace_s_per_km: float = 300.0, start: datetime | None = None
) -> bytes:
    """A GPX of ``distance_m`` at one point per second (e.g. 42 195 m: the timing check), on a
    zig-zag of 1 km legs so the route stays within a few km of its start."""
    speed = 1000 / pace_s_per_km
    total_s = round(distance_m / speed)
    legs = []
    leg_s = round(pace_s_per_km)
    for index in range(0, total_s, leg_s):
        legs.append(
            Leg(
                duration_s=min(leg_s, total_s - index),
                speed_m_s=speed,
                bearing_deg=(index // leg_s % 4) * 90.0,
                climb_m=5.0 if index // leg_s % 2 == 0 else -5.0,
                hr_bpm=150,
                cadence_rpm=88,
            )
        )
    start = start or datetime(2026, 4, 26, 8, 0, tzinfo=UTC)
    return gpx_bytes(route(legs, start=start))
