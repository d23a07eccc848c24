"""The importers on files the tests write, against values known by construction."""

from __future__ import annotations

import gzip
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tests.training.importers.builders import Leg, fit_bytes, gpx_bytes, long_gpx, route, tcx_bytes
from training.importers import ActivityFileError, detect_format, parse_activity, unpack
from training.importers.base import elevation_gain_m, haversine_m

START = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
EASY_KM_S = 300  # 1 km at 5:00/km
FAST_KM_S = 210  # then, after a stop, 1 km at 3:30/km: the known fast segment
STOP_S = 60

# The known route: north 1 km climbing 20 m, a minute standing still, east 1 km fast dropping
# 10 m. True distance 2000 m; moving 510 s; elapsed 570 s; true climb 20 m.
LEGS = [
    Leg(EASY_KM_S, 1000 / EASY_KM_S, bearing_deg=0, climb_m=20, hr_bpm=150, cadence_rpm=85),
    Leg(STOP_S, 0.0, hr_bpm=110),
    Leg(FAST_KM_S, 1000 / FAST_KM_S, bearing_deg=90, climb_m=-10, hr_bpm=170, cadence_rpm=90),
]
TRUE_DISTANCE_M = 2000.0
MOVING_S = EASY_KM_S + FAST_KM_S
ELAPSED_S = EASY_KM_S + STOP_S + FAST_KM_S


def parse_one(content: bytes):
    """The one run a single-run file records."""
    [run] = parse_activity(content).runs
    return run


@pytest.fixture
def samples():
    return route(LEGS, start=START, noise_m=1.0)


def spherical_cosines_m(lat1, lon1, lat2, lon2, radius_m=6_371_000.0):
    """An independent great-circle formula (spherical law of cosines, mean radius 6371 km)."""
    import math

    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    cos_c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return radius_m * math.acos(min(1.0, cos_c))


def test_builder_route_matches_an_independent_great_circle_formula(samples):
    # The two legs are straight (a meridian, then ~a parallel), so end-to-end distances of each
    # leg by the law of cosines must equal speed * time.
    corner = samples[EASY_KM_S]
    end = samples[-1]
    north = spherical_cosines_m(samples[0].lat, samples[0].lon, corner.lat, corner.lon)
    east = spherical_cosines_m(corner.lat, corner.lon, end.lat, end.lon)
    assert north == pytest.approx(1000, rel=0.001)
    assert east == pytest.approx(1000, rel=0.001)


def test_haversine_of_one_degree_of_meridian():
    # One degree of latitude on a sphere of radius R is R * pi / 180.
    assert haversine_m(10, 20, 11, 20) == pytest.approx(6_371_008.8 * 3.141592653589793 / 180)


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("gpx", lambda s: gpx_bytes(s)),
        ("tcx", lambda s: tcx_bytes(s, lap_ends_s=[EASY_KM_S, EASY_KM_S + STOP_S + FAST_KM_S])),
        ("fit", lambda s: fit_bytes(s)),
    ],
)
def test_known_route_read_from_each_format(kind, build, samples):
    activity = parse_one(build(samples))

    assert activity.source == kind
    assert activity.started_at == START
    assert activity.distance_m == pytest.approx(TRUE_DISTANCE_M, rel=0.005)
    # GPX has no device totals: moving time from the samples' speed. TCX laps and the FIT
    # session state the timer time, which the builders let run through the minute's stop.
    assert activity.duration_s == pytest.approx(MOVING_S if kind == "gpx" else ELAPSED_S, abs=1)
    assert activity.elapsed_s == ELAPSED_S
    heart_rates = [s.hr_bpm for s in samples]
    assert activity.avg_heart_rate == round(sum(heart_rates) / len(heart_rates))
    assert activity.max_heart_rate == 170
    # Cadence recorded per foot (85 and 90 rpm) is stored as steps per minute.
    assert 170 <= activity.avg_cadence <= 180
    # Starting at Westminster: the zone comes from the start position.
    assert activity.timezone == "Europe/London"
    assert activity.point_count == len(samples)
    assert set(activity.samples) == {"t_s", "lat", "lon", "ele_m", "hr_bpm", "dist_m"}
    assert {len(column) for column in activity.samples.values()} == {len(samples)}


def test_gpx_elevation_gain_ignores_jitter_but_counts_the_climb(samples):
    activity = parse_one(gpx_bytes(samples))
    # True climb 20 m; the +-1 m jitter may add at most its amplitude at each end.
    assert activity.elevation_gain_m == pytest.approx(20, abs=2)
    unsmoothed = sum(max(0.0, b.ele_m - a.ele_m) for a, b in itertools.pairwise(samples))
    assert unsmoothed > 300  # what summing raw differences would have claimed


def test_gpx_track_shows_the_fast_kilometre(samples):
    track = parse_one(gpx_bytes(samples)).samples
    start_index = EASY_KM_S + STOP_S
    km_s = track["t_s"][-1] - track["t_s"][start_index]
    km_m = track["dist_m"][-1] - track["dist_m"][start_index]
    assert km_m == pytest.approx(1000, rel=0.005)
    assert km_s == FAST_KM_S


def test_elevation_hysteresis_by_hand():
    assert elevation_gain_m([0, 1, 0, 1, 0, 1], 3) == 0  # noise only
    assert elevation_gain_m([0, 2, 4, 6, 8, 10], 3) == 10  # a climb counts in full
    assert elevation_gain_m([0, 10, 0, 10], 3) == 20  # two climbs
    assert elevation_gain_m([10, 0], 3) == 0


def test_tcx_uses_lap_distances_and_geodesic_without_them(samples):
    with_laps = parse_one(tcx_bytes(samples, lap_ends_s=[300, 570]))
    without = parse_one(tcx_bytes(samples, lap_ends_s=[300, 570], with_distances=False))
    assert with_laps.distance_m == pytest.approx(TRUE_DISTANCE_M, abs=0.1)
    assert without.distance_m == pytest.approx(TRUE_DISTANCE_M, rel=0.005)


def test_fit_written_by_fit_tool_decodes_with_an_independent_decoder(samples):
    import io

    import fitdecode

    content = fit_bytes(samples)
    with fitdecode.FitReader(io.BytesIO(content), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        records = [
            frame
            for frame in reader
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record"
        ]
    assert len(records) == len(samples)


def test_fit_without_position_takes_the_zone_from_its_local_time_offset(samples):
    indoor = parse_one(fit_bytes(samples, with_positions=False, utc_offset_s=2 * 3600))
    assert indoor.timezone == "Etc/GMT-2"  # POSIX sign: UTC+2
    assert indoor.distance_m == pytest.approx(TRUE_DISTANCE_M, abs=0.1)  # the file's own


def test_fit_with_no_position_and_no_offset_has_no_zone(samples):
    assert parse_one(fit_bytes(samples, with_positions=False)).timezone is None


def test_fit_cycling_is_refused(samples):
    with pytest.raises(ActivityFileError, match="cycling"):
        parse_one(fit_bytes(samples, sport="CYCLING"))


def test_detection_is_by_content_not_name(samples):
    assert detect_format(gpx_bytes(samples)) == "gpx"
    assert detect_format(tcx_bytes(samples, lap_ends_s=[570])) == "tcx"
    assert detect_format(fit_bytes(samples)) == "fit"
    assert detect_format(b"\xef\xbb\xbf  " + gpx_bytes(samples)) == "gpx"  # BOM and blanks


def test_gzip_is_unpacked_within_the_cap(samples):
    content = gpx_bytes(samples)
    assert unpack(gzip.compress(content), max_bytes=len(content)) == content
    with pytest.raises(ActivityFileError, match="zip bomb"):
        unpack(gzip.compress(content), max_bytes=len(content) - 1)


def test_long_gpx_generator_small_size():
    # The helper behind the 42 km timing check, at 3 km.
    activity = parse_one(long_gpx(3000))
    assert activity.distance_m == pytest.approx(3000, rel=0.005)
    assert activity.duration_s == pytest.approx(900, abs=1)
    assert activity.point_count == 901


def test_no_distance_or_time_counted_across_a_paused_segment_break():
    # 500 m, then the watch is paused while the runner is driven 5 km away, then 500 m more:
    # GPX writers start a new <trkseg> after a pause, and the jump is not part of the run.
    first = route([Leg(150, 1000 / 300, hr_bpm=150)], start=START)
    resumed_at = first[-1].time + timedelta(minutes=20)
    second = route(
        [Leg(150, 1000 / 300, hr_bpm=150)],
        start=resumed_at,
        lat=first[-1].lat + 0.045,  # ~5 km further north
        lon=first[-1].lon,
    )
    activity = parse_one(gpx_bytes(first + second, segment_breaks=(len(first),)))
    assert activity.distance_m == pytest.approx(1000, rel=0.005)
    assert activity.duration_s == 300
    assert activity.elapsed_s == 150 + 20 * 60 + 150


def test_fit_position_beats_its_local_time_offset(samples):
    # A runner whose watch says UTC+2 but who started in London: the position names the zone.
    assert parse_one(fit_bytes(samples, utc_offset_s=7200)).timezone == "Europe/London"
