"""One test per defect of issue 18 (real device files imported with wrong values or refused).

The files the issue names (Runalyze, sports-lib) cannot be copied here (no licence / AGPL), so
each defect is rebuilt in a file the tests write (tests/training/importers/builders.py) with the
property
that broke the importer; where the FIT corpus has a real file showing it, that file is used.
Expected values come from the construction or from an independent library (gpxpy, fitdecode).
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fitdecode
import gpxpy
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.training.importers.builders import (
    Leg,
    fit_bytes,
    gpx_bytes,
    route,
    tcx_bytes,
    tcx_multisport_bytes,
)
from training.importers import ActivityFileError, parse_activity
from training.models import Run, RunTrack

CORPUS = Path(__file__).parent / "corpus" / "fit"
URL = "/api/v1/runs/import"
START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
EASY = [Leg(600, 1000 / 300, bearing_deg=0, hr_bpm=150, cadence_rpm=85)]  # 2 km at 5:00 /km


def session_totals(content: bytes) -> list[dict]:
    """The session messages as fitdecode reads them."""
    with fitdecode.FitReader(io.BytesIO(content), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        return [
            {field.name: field.value for field in frame.fields}
            for frame in reader
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "session"
        ]


def upload(client, content: bytes):
    return client.post(URL, {"file": SimpleUploadedFile("a", content)}, format="multipart")


# 1. Points re-sorted by time -------------------------------------------------------------------


def test_timestamps_that_jitter_backwards_do_not_zig_zag_the_track():
    # Every third point's time is 3 s early (sports-tracker.gpx): sorting by time would send the
    # track back and forth. The path in file order is what the device recorded.
    samples = route([Leg(900, 3.0, bearing_deg=45)], start=START)
    jittered = [
        replace(s, time=s.time - timedelta(seconds=3)) if i % 3 == 2 else s
        for i, s in enumerate(samples)
    ]
    content = gpx_bytes(jittered)
    [run] = (imported := parse_activity(content)).runs
    length_2d_m = gpxpy.parse(content.decode()).length_2d()
    assert run.distance_m == pytest.approx(length_2d_m, rel=0.005)
    assert run.distance_m == pytest.approx(2700, rel=0.005)
    assert run.elapsed_s == 900
    assert any("went backwards" in w for w in imported.warnings)


# 2. FIT with position, heart rate and distance in separate records ------------------------------


def test_fit_with_position_heart_rate_and_distance_in_separate_records():
    samples = route(EASY, start=START)
    content = fit_bytes(samples, split_records=True)
    [session] = session_totals(content)
    [run] = parse_activity(content).runs
    assert run.distance_m == pytest.approx(session["total_distance"], rel=0.005)
    assert run.duration_s == pytest.approx(session["total_timer_time"], abs=1)
    assert run.max_heart_rate == 150
    assert run.point_count == len(samples)  # merged by time: one sample per second
    # Without the session's totals the merged stream gives the same numbers.
    [bare] = parse_activity(fit_bytes(samples, split_records=True, session_totals=False)).runs
    assert bare.distance_m == pytest.approx(2000, rel=0.005)


# 3. Elapsed time across a clock jump -------------------------------------------------------------


def test_a_watch_clock_jump_counts_neither_as_elapsed_time_nor_distance():
    first = route(EASY, start=START)
    after_jump = START + timedelta(days=20, seconds=601)
    second = route(EASY, start=after_jump, lat=first[-1].lat, lon=first[-1].lon)
    second = [replace(s, dist_m=s.dist_m + 2000) for s in second]
    content = fit_bytes(first + second, elapsed_s=1201)
    [run] = (imported := parse_activity(content)).runs
    assert run.elapsed_s == 1201  # the session's, not 20 days
    assert run.distance_m == pytest.approx(4000, rel=0.005)
    assert any("clock jumped" in w for w in imported.warnings)
    # A GPX has no totals: the samples' elapsed time leaves the jump out.
    [track] = parse_activity(gpx_bytes(first + second)).runs
    assert track.elapsed_s == 1200
    assert track.distance_m == pytest.approx(4000, rel=0.005)


# 4. Multisession FIT ------------------------------------------------------------------------------


def test_each_running_session_of_a_multisport_fit_is_its_own_run():
    content = (CORPUS / "activity-large-fenxi2-multisport.fit").read_bytes()
    sessions = session_totals(content)
    # "generic": the wearer chose no sport; such a leg imports (docs/API.md).
    running = [s for s in sessions if s["sport"] in {"running", "walking", "hiking", "generic"}]
    imported = parse_activity(content)
    assert len(imported.runs) == len(running) > 1
    for run, session in zip(imported.runs, running, strict=True):
        assert run.distance_m == pytest.approx(session["total_distance"], rel=0.005)
        assert run.duration_s == pytest.approx(session["total_timer_time"], abs=1)
        assert run.avg_heart_rate == session.get("avg_heart_rate", run.avg_heart_rate)
    assert any("cycling" in w for w in imported.warnings)


def test_a_triathlon_starting_with_a_swim_imports_its_run():
    content = (CORPUS / "sample_mulitple_header.fit").read_bytes()
    sports = [s["sport"] for s in session_totals(content)]
    assert sports[0] == "swimming" and "running" in sports
    [run] = (imported := parse_activity(content)).runs
    [session] = [s for s in session_totals(content) if s["sport"] == "running"]
    assert run.distance_m == pytest.approx(session["total_distance"], rel=0.005)
    assert {"swimming", "cycling"} <= {
        sport for sport in ("swimming", "cycling") if any(sport in w for w in imported.warnings)
    }


# 5. TCX distance and time from different stretches ---------------------------------------------


def test_tcx_laps_covering_another_stretch_than_the_track_are_not_mixed_with_it():
    # The laps claim 2 km in 625 s; the trackpoints cover 3 km in 900 s (movescount.tcx).
    samples = route([Leg(900, 1000 / 300)], start=START)
    content = tcx_bytes(samples, lap_ends_s=[900], lap_distances_m=[1999.0])
    [run] = (imported := parse_activity(content)).runs
    assert run.distance_m == pytest.approx(3000, rel=0.005)
    assert run.duration_s == pytest.approx(900, abs=1)
    assert any("different stretch" in w for w in imported.warnings)


def test_a_pace_impossible_on_foot_is_refused():
    ride = route([Leg(1800, 10.0)], start=START)  # 18 km in 30 min: 36 km/h
    with pytest.raises(ActivityFileError, match="faster than anyone runs"):
        parse_activity(tcx_bytes(ride, lap_ends_s=[1800]))
    fast = route([Leg(1500, 7.0)], start=START)  # 10.5 km at 2:23 /km
    with pytest.raises(ActivityFileError, match="world records"):
        parse_activity(gpx_bytes(fast))


# 6. Sport enforced for every format --------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda s: tcx_bytes(s, lap_ends_s=[600], sport="Biking"),
        lambda s: gpx_bytes(s).replace(b"<type>running</type>", b"<type>cycling</type>"),
        lambda s: fit_bytes(s, sport="CYCLING"),
    ],
    ids=["tcx", "gpx", "fit"],
)
def test_other_sports_are_refused_by_name_in_every_format(build):
    with pytest.raises(ActivityFileError, match="a cycling activity, not a run"):
        parse_activity(build(route(EASY, start=START)))


# 7. Header CRC 0 and 8. compressed timestamps: real files -----------------------------------------


def test_header_crc_zero_means_not_computed():
    content = (CORPUS / "2013-02-06-12-11-14.fit").read_bytes()  # a Forerunner 110 run
    assert content[0] == 14 and content[12:14] == b"\x00\x00"
    [run] = parse_activity(content).runs
    [session] = session_totals(content)
    assert run.distance_m == pytest.approx(session["total_distance"], rel=0.005)


def test_a_damaged_fit_is_still_refused_as_damaged():
    content = bytearray((CORPUS / "2013-02-06-12-11-14.fit").read_bytes())
    content[5000] ^= 0x10
    with pytest.raises(ActivityFileError, match="truncated or corrupt"):
        parse_activity(bytes(content))


def test_compressed_timestamps_and_packed_speed_distance():
    content = (CORPUS / "compressed-speed-distance.fit").read_bytes()
    [session] = session_totals(content)
    [run] = parse_activity(content).runs
    assert run.distance_m == pytest.approx(session["total_distance"], rel=0.005)
    assert run.duration_s == pytest.approx(session["total_timer_time"], abs=1)
    # The packed distances unpack into a stream that ends at the session's total.
    assert run.samples["dist_m"][-1] == pytest.approx(session["total_distance"], rel=0.005)


# 9. One missing value never discards a stream -----------------------------------------------------


def test_one_trackpoint_without_distance_keeps_the_treadmills_distance_stream():
    samples = route(EASY, start=START)
    content = tcx_bytes(samples, lap_ends_s=[600], with_positions=False, missing_distance_at=(300,))
    [run] = parse_activity(content).runs
    assert run.distance_m == pytest.approx(2000, rel=0.005)
    assert run.duration_s == pytest.approx(600, abs=1)
    # Without lap totals the stream alone gives the same.
    bare = tcx_bytes(
        samples,
        lap_ends_s=[600],
        with_positions=False,
        missing_distance_at=(0, 300),
        lap_distances_m=[float("nan")],
    ).replace(b"<DistanceMeters>nan</DistanceMeters>", b"")
    [stream_only] = parse_activity(bare).runs
    assert stream_only.distance_m == pytest.approx(2000, rel=0.005)
    assert stream_only.duration_s == pytest.approx(600, abs=1)


# 10. Multisport TCX -------------------------------------------------------------------------------


def test_multisport_tcx_imports_its_running_leg():
    bike = route([Leg(600, 8.0)], start=START)
    run_start = START + timedelta(seconds=700)
    run = route(EASY, start=run_start, lat=bike[-1].lat, lon=bike[-1].lon)
    bike_back = route([Leg(600, 8.0)], start=run_start + timedelta(seconds=700))
    content = tcx_multisport_bytes(
        [
            tcx_bytes(bike, lap_ends_s=[600], sport="Biking"),
            tcx_bytes(run, lap_ends_s=[600]),
            tcx_bytes(bike_back, lap_ends_s=[600], sport="Biking"),
        ]
    )
    [imported_run] = (imported := parse_activity(content)).runs
    assert imported_run.started_at == run_start
    assert imported_run.distance_m == pytest.approx(2000, rel=0.005)
    assert sum("cycling" in w for w in imported.warnings) == 2


# GPX ----------------------------------------------------------------------------------------------


def test_an_untimed_gpx_track_beside_a_timed_one_is_reported():
    timed = gpx_bytes(route(EASY, start=START)).decode()
    untimed = (
        "<trk><name>Planned</name><trkseg>"
        + ('<trkpt lat="51.6" lon="-0.1"></trkpt><trkpt lat="51.61" lon="-0.1"></trkpt>')
        + "</trkseg></trk>"
    )
    content = timed.replace("</gpx>", untimed + "</gpx>").encode()
    [run] = (imported := parse_activity(content)).runs
    assert run.distance_m == pytest.approx(2000, rel=0.005)
    assert any("no timestamps" in w for w in imported.warnings)


def test_a_long_track_with_time_going_backwards_is_refused_not_doubled():
    # 195 km in two hours, written twice with the second copy's clock running backwards.
    there = route([Leg(7200, 195_000 / 7200)], start=START)
    back = [replace(s, time=START + timedelta(seconds=7200 - i)) for i, s in enumerate(there)]
    with pytest.raises(ActivityFileError, match="faster than anyone runs"):
        parse_activity(gpx_bytes(there + back[::-1]))


# Through the API: the answer's new fields, and nothing left behind by a refused file -----------


@pytest.mark.django_db
def test_a_multisport_file_answers_with_every_run_and_the_warnings(api_client):
    content = (CORPUS / "activity-large-fenxi2-multisport.fit").read_bytes()
    response = upload(api_client, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["additional_runs"]) == Run.objects.count() - 1 >= 1
    assert RunTrack.objects.count() == Run.objects.count()
    assert any("cycling" in w for w in body["warnings"])
    again = upload(api_client, content).json()
    assert again["id"] == body["id"]
    assert [r["id"] for r in again["additional_runs"]] == [r["id"] for r in body["additional_runs"]]


@pytest.mark.django_db
def test_a_refused_multi_run_file_leaves_nothing_behind(api_client):
    # A good run leg, then a "run" leg at 36 km/h: the whole file is refused.
    good = route(EASY, start=START)
    ride = route([Leg(1800, 10.0)], start=START + timedelta(hours=1))
    content = tcx_multisport_bytes(
        [tcx_bytes(good, lap_ends_s=[600]), tcx_bytes(ride, lap_ends_s=[1800])]
    )
    response = upload(api_client, content)
    assert response.status_code == 400
    assert "faster than anyone runs" in response.json()["errors"][0]["detail"]
    assert Run.objects.count() == 0
    assert RunTrack.objects.count() == 0


@pytest.mark.django_db
def test_the_upload_page_shows_what_the_import_skipped(client, runner):
    client.force_login(runner)
    content = (CORPUS / "sample_mulitple_header.fit").read_bytes()  # swim, bike, run
    response = client.post(
        "/runs/upload/", {"file": SimpleUploadedFile("tri.fit", content)}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The swimming part" in page and "The cycling part" in page
    assert Run.objects.filter(runner=runner).count() == 1
