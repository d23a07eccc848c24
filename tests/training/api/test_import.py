"""POST /api/v1/runs/import: formats, idempotency, linking, and every bad-file case."""

from __future__ import annotations

import gzip
import io
import threading
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.db import connection, connections

from tests.factories import PlanFactory, UserFactory, WorkoutFactory
from tests.training.importers.builders import Leg, fit_bytes, gpx_bytes, route, tcx_bytes
from training.models import Run, RunTrack, Workout
from training.services import run_import_file

URL = "/api/v1/runs/import"
# 23:30 UTC on 10 June is 00:30 on 11 June in London (BST): the run belongs to the 11th.
START = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
LOCAL_DAY = date(2026, 6, 11)
LEGS = [
    Leg(300, 1000 / 300, bearing_deg=0, climb_m=20, hr_bpm=150, cadence_rpm=85),
    Leg(60, 0.0, hr_bpm=110),
    Leg(210, 1000 / 210, bearing_deg=90, climb_m=-10, hr_bpm=170, cadence_rpm=90),
]
# The import answers with the same run representation as GET /api/v1/runs/{id}.
RUN_FIELDS = {
    "id",
    "runner",
    "local_date",
    "plan",
    "workout",
    "shoe",
    "started_at",
    "timezone",
    "distance_m",
    "duration_s",
    "elapsed_s",
    "elevation_gain_m",
    "avg_heart_rate",
    "max_heart_rate",
    "avg_cadence",
    "perceived_effort",
    "notes",
    "source",
    "pace_s_per_km",
    "created_at",
    "updated_at",
}
# Added by issue 18; existing clients ignore them.
IMPORT_FIELDS = RUN_FIELDS | {"warnings", "additional_runs"}


@pytest.fixture
def gpx():
    return gpx_bytes(route(LEGS, start=START))


def upload(client, content: bytes, name: str = "activity.bin", url: str = URL):
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, format="multipart")


def assert_file_error(response, fragment: str, status: int = 400):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["type"] == ("validation_error" if status == 400 else "client_error")
    [error] = body["errors"]
    assert fragment.lower() in error["detail"].lower()
    if status == 400:
        assert error["attr"] == "file"
    assert Run.objects.count() == 0
    assert RunTrack.objects.count() == 0


@pytest.mark.django_db
def test_import_gpx_creates_the_run_with_its_track(api_client, runner, gpx):
    response = upload(api_client, gpx, name="no-extension")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == IMPORT_FIELDS
    assert body["warnings"] == [] and body["additional_runs"] == []
    assert body["source"] == "gpx"
    assert body["timezone"] == "Europe/London"
    assert body["started_at"].startswith("2026-06-10T23:30:00")
    assert body["distance_m"] == pytest.approx(2000, rel=0.005)
    assert body["duration_s"] == pytest.approx(510, abs=1)
    assert body["elapsed_s"] == 570
    assert body["pace_s_per_km"] == pytest.approx(255, rel=0.01)
    assert body["plan"] is None and body["workout"] is None
    run = Run.objects.get(pk=body["id"])
    assert run.runner == runner
    assert run.local_date == LOCAL_DAY
    assert run.track.point_count == 571


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["tcx", "fit"])
def test_import_tcx_and_fit(api_client, kind):
    samples = route(LEGS, start=START)
    content = tcx_bytes(samples, lap_ends_s=[300, 570]) if kind == "tcx" else fit_bytes(samples)
    response = upload(api_client, content, name="activity.gpx")  # a misleading name is ignored
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source"] == kind
    assert body["max_heart_rate"] == 170
    assert body["distance_m"] == pytest.approx(2000, rel=0.005)


@pytest.mark.django_db
def test_same_file_twice_returns_the_existing_run(api_client, gpx):
    first = upload(api_client, gpx)
    second = upload(api_client, gpx, url=URL + "/")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_gzip_of_an_already_imported_file_is_the_same_run(api_client, gpx):
    first = upload(api_client, gpx)
    second = upload(api_client, gzip.compress(gpx))
    assert (second.status_code, second.json()["id"]) == (200, first.json()["id"])


@pytest.mark.django_db
def test_same_file_by_two_runners_is_two_runs(api_client, other_api_client, gpx):
    assert upload(api_client, gpx).status_code == 201
    assert upload(other_api_client, gpx).status_code == 201
    assert Run.objects.count() == 2


@pytest.mark.django_db
def test_links_to_the_one_workout_of_the_local_day(api_client, runner, gpx):
    plan = PlanFactory(runner=runner, start_date=date(2026, 6, 1), end_date=date(2026, 6, 30))
    WorkoutFactory(plan=plan, scheduled_date=LOCAL_DAY - timedelta(days=1))  # UTC day: no
    workout = WorkoutFactory(plan=plan, scheduled_date=LOCAL_DAY, workout_type="tempo")
    WorkoutFactory(plan=plan, scheduled_date=LOCAL_DAY + timedelta(days=1))

    body = upload(api_client, gpx).json()

    assert body["workout"] == str(workout.pk)
    assert body["plan"] == str(plan.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "others",
    [
        ["easy", "tempo"],  # two candidates: ambiguous
        ["rest"],  # a rest day is never what a run fulfils
        [],
    ],
)
def test_left_unlinked_unless_exactly_one_workout_matches(api_client, runner, gpx, others):
    plan = PlanFactory(runner=runner, start_date=date(2026, 6, 1), end_date=date(2026, 6, 30))
    for workout_type in others:
        WorkoutFactory(plan=plan, scheduled_date=LOCAL_DAY, workout_type=workout_type)
    body = upload(api_client, gpx).json()
    assert body["workout"] is None and body["plan"] is None


@pytest.mark.django_db
def test_another_runners_workout_is_never_linked(api_client, other_runner, gpx):
    plan = PlanFactory(runner=other_runner, start_date=date(2026, 6, 1), end_date=date(2026, 6, 30))
    WorkoutFactory(plan=plan, scheduled_date=LOCAL_DAY)
    assert upload(api_client, gpx).json()["workout"] is None


@pytest.mark.django_db
def test_profile_timezone_when_the_file_does_not_say(api_client, runner):
    runner.profile.timezone = "America/New_York"
    runner.profile.save()
    samples = route(LEGS, start=START)
    body = upload(api_client, fit_bytes(samples, with_positions=False)).json()
    assert body["timezone"] == "America/New_York"


# --- bad files ------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol9;</name>
<trkseg><trkpt lat="51.5" lon="-0.12"><time>2026-06-10T07:00:00Z</time></trkpt>
<trkpt lat="51.51" lon="-0.12"><time>2026-06-10T07:05:00Z</time></trkpt></trkseg></trk></gpx>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities><Activity Sport="Running"><Id>&xxe;</Id></Activity></Activities>
</TrainingCenterDatabase>
"""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "unrecognised file type"),
        (b"time,distance\n0,0\n", "unrecognised file type"),
        (b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "<kml>"),
        (BILLION_LAUGHS, "DTD"),
        (EXTERNAL_ENTITY, "DTD"),
        (
            b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
            b'<wpt lat="51.5" lon="-0.1"><name>Start</name></wpt></gpx>',
            "no track points",
        ),
        (
            b'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
            b'<trkpt lat="51.5" lon="-0.1"/><trkpt lat="51.6" lon="-0.1"/></trkseg></trk></gpx>',
            "no timestamps",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "png",
        "csv",
        "kml",
        "billion-laughs",
        "external-entity",
        "waypoints-only",
        "untimed",
    ],
)
def test_bad_files_are_400_naming_the_problem(api_client, content, fragment):
    assert_file_error(upload(api_client, content), fragment)


@pytest.mark.django_db
def test_truncated_gpx(api_client, gpx):
    assert_file_error(upload(api_client, gpx[: len(gpx) // 2]), "not well-formed")


@pytest.mark.django_db
def test_truncated_fit(api_client):
    content = fit_bytes(route(LEGS, start=START))
    assert_file_error(upload(api_client, content[: len(content) - 100]), "truncated or corrupt")


@pytest.mark.django_db
def test_zip_archive_is_refused(api_client, gpx):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run.gpx", gpx)
    assert_file_error(upload(api_client, buffer.getvalue()), "ZIP archives are not accepted")


@pytest.mark.django_db
def test_gzip_bomb_is_refused_without_inflating_it(api_client, settings):
    settings.MAX_UPLOAD_SIZE = 1024 * 1024
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # ~64 KB on the wire
    assert len(bomb) < 100_000
    assert_file_error(upload(api_client, bomb), "zip bomb")


@pytest.mark.django_db
def test_truncated_gzip(api_client, gpx):
    assert_file_error(upload(api_client, gzip.compress(gpx)[:-200]), "gzip")


@pytest.mark.django_db
def test_missing_file_field(api_client):
    response = api_client.post(URL, {"other": "x"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "file"


@pytest.mark.django_db
def test_over_the_upload_limit_by_content_length_is_413(api_client, settings):
    settings.MAX_UPLOAD_SIZE = 10_000
    response = upload(api_client, b"<gpx>" + b" " * 200_000 + b"</gpx>")
    assert_file_error(response, "limit of 10000 bytes", status=413)
    assert response.json()["errors"][0]["code"] == "file_too_large"


@pytest.mark.django_db
def test_over_the_upload_limit_while_streaming_is_413(api_client, settings):
    # Under the Content-Length allowance (limit + multipart overhead) but over the limit itself:
    # the upload handler stops reading at the limit.
    settings.MAX_UPLOAD_SIZE = 10_000
    assert_file_error(upload(api_client, b" " * 20_000), "limit", status=413)


@pytest.mark.django_db
def test_nothing_is_written_to_disk(api_client, settings, tmp_path, monkeypatch):
    # Django's default handlers would spool an upload this size (> FILE_UPLOAD_MAX_MEMORY_SIZE)
    # to a temp file; the import's handler keeps it in memory. Looked at while the service runs,
    # since a spooled temp file would be gone again once the request ends.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    seen = {}

    def spy(*, runner, uploaded_file, shoe):
        seen["type"] = type(uploaded_file)
        seen["temp_files"] = list(tmp_path.iterdir())
        return run_import_file(runner=runner, uploaded_file=uploaded_file, shoe=shoe)

    monkeypatch.setattr("training.api.files.run_import_file", spy)
    legs = [Leg(5 * 3600, 3.0, hr_bpm=150)]  # ~3.7 MB of GPX
    content = gpx_bytes(route(legs, start=START))
    assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert upload(api_client, content).status_code == 201
    assert seen == {"type": InMemoryUploadedFile, "temp_files": []}
    assert list(tmp_path.iterdir()) == []


def test_import_needs_authentication(anon_client, gpx, db):
    response = upload(anon_client, gpx)
    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


@pytest.mark.django_db
def test_future_dated_file_is_refused(api_client):
    future = datetime.now(UTC) + timedelta(days=3)
    response = upload(api_client, gpx_bytes(route(LEGS, start=future)))
    assert_file_error(response, "future")


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_imports_of_one_file_make_one_run():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises or locks them)")
    runner = UserFactory(username="racer")
    content = gpx_bytes(route(LEGS, start=START))
    barrier = threading.Barrier(20)
    results: list[tuple[str, bool]] = []
    failures: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            result = run_import_file(
                runner=runner, uploaded_file=SimpleUploadedFile("a.gpx", content)
            )
            results.append((str(result.run.pk), result.created))
        except BaseException as exc:  # reported below, not swallowed
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(results) == 20
    assert len({run_id for run_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Run.objects.filter(runner=runner).count() == 1
    assert Workout.objects.count() == 0
