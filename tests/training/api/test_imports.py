"""The whole-history import API: upload → 202 + Location, follow, cancel, undo; owner-scoped."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import assert_error
from tests.training.history.archives import strava_archive
from training.history.models import ImportJob
from training.history.services import import_job_run_slice
from training.models import Deletion, Run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_archive_dir")]


def post_archive(client, path, field="archive"):
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/zip")
    return client.post("/api/v1/imports", {field: upload}, format="multipart")


def finish(job_id: str) -> None:
    while not import_job_run_slice(job_id=job_id, owner="test-worker"):
        pass


def test_upload_answers_202_with_the_queued_job_and_its_location(api_client, runner, tmp_path):
    response = post_archive(api_client, strava_archive(tmp_path / "export.zip"))
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == f"http://testserver/api/v1/imports/{body['id']}"
    assert body == {
        "id": body["id"],
        "status": "queued",
        "original_name": "export.zip",
        "archive_size_bytes": (tmp_path / "export.zip").stat().st_size,
        "found": None,
        "processed": 0,
        "imported": 0,
        "duplicates": 0,
        "skipped": 0,
        "failed": 0,
        "progress": 0.0,
        "error": "",
        "created_at": body["created_at"],
        "finished_at": None,
    }
    assert ImportJob.objects.get(pk=body["id"]).runner == runner


def test_detail_shows_counts_progress_and_the_reported_files(api_client, tmp_path):
    job_id = post_archive(api_client, strava_archive(tmp_path / "export.zip")).json()["id"]
    finish(job_id)
    body = api_client.get(f"/api/v1/imports/{job_id}").json()
    assert body["status"] == "done"
    assert (body["found"], body["processed"], body["progress"]) == (7, 7, 1.0)
    assert (body["imported"], body["duplicates"], body["skipped"], body["failed"]) == (5, 0, 1, 1)
    outcomes = {item["name"]: item["outcome"] for item in body["files"]}
    assert outcomes == {
        "activities.csv": "notice",
        "activities/5.gpx": "skipped",
        "activities/empty.gpx": "failed",
    }
    assert all(item["reason"] for item in body["files"])


def test_list_is_the_callers_jobs_newest_first(api_client, other_api_client, tmp_path):
    path = strava_archive(tmp_path / "export.zip")
    first = post_archive(api_client, path).json()["id"]
    second = post_archive(api_client, path).json()["id"]
    post_archive(other_api_client, path)
    body = api_client.get("/api/v1/imports").json()
    assert [job["id"] for job in body["results"]] == [second, first]


def test_missing_or_empty_archive_is_400_naming_the_field(api_client, tmp_path):
    assert_error(
        post_archive(api_client, strava_archive(tmp_path / "e.zip"), "file"), 400, "archive"
    )
    empty = SimpleUploadedFile("empty.zip", b"")
    response = api_client.post("/api/v1/imports", {"archive": empty}, format="multipart")
    assert_error(response, 400, "archive")
    assert not ImportJob.objects.exists()


def test_an_archive_over_the_limit_is_413(api_client, settings, tmp_path):
    settings.MAX_ARCHIVE_UPLOAD_SIZE = 1000
    settings.MAX_REQUEST_SIZE = 100
    response = post_archive(api_client, strava_archive(tmp_path / "export.zip"))
    body = assert_error(response, 413, code="file_too_large")
    assert "archive limit of 1000 bytes" in body["errors"][0]["detail"]
    assert not ImportJob.objects.exists()


def test_an_archive_above_the_request_limit_but_within_its_own_passes(
    api_client, settings, tmp_path
):
    settings.MAX_REQUEST_SIZE = 100
    settings.MAX_UPLOAD_SIZE = 100
    assert post_archive(api_client, strava_archive(tmp_path / "export.zip")).status_code == 202


def test_cancel_then_cancel_again_is_409(api_client, tmp_path):
    job_id = post_archive(api_client, strava_archive(tmp_path / "export.zip")).json()["id"]
    response = api_client.post(f"/api/v1/imports/{job_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert_error(api_client.post(f"/api/v1/imports/{job_id}/cancel"), 409, code="conflict")


def test_undo_removes_the_runs_and_tombstones_them(api_client, runner, tmp_path):
    job_id = post_archive(api_client, strava_archive(tmp_path / "export.zip")).json()["id"]
    finish(job_id)
    run_ids = list(Run.objects.filter(runner=runner).values_list("pk", flat=True))
    assert len(run_ids) == 5
    response = api_client.post(f"/api/v1/imports/{job_id}/undo")
    assert response.status_code == 200
    assert response.json()["status"] == "undone"
    assert Run.objects.filter(runner=runner).count() == 0
    feed = api_client.get("/api/v1/deletions", {"since": "2000-01-01T00:00:00Z"}).json()
    tombstoned = {item["id"] for item in feed["results"] if item["type"] == "run"}
    assert tombstoned == {str(pk) for pk in run_ids}
    assert Deletion.objects.count() == 5
    assert_error(api_client.post(f"/api/v1/imports/{job_id}/undo"), 409, code="conflict")


def test_another_runner_cannot_see_cancel_or_undo_a_job(api_client, other_api_client, tmp_path):
    job_id = post_archive(api_client, strava_archive(tmp_path / "export.zip")).json()["id"]
    for method, path in [
        ("get", f"/api/v1/imports/{job_id}"),
        ("post", f"/api/v1/imports/{job_id}/cancel"),
        ("post", f"/api/v1/imports/{job_id}/undo"),
    ]:
        assert_error(getattr(other_api_client, method)(path), 404)
    assert other_api_client.get("/api/v1/imports").json()["results"] == []
    assert ImportJob.objects.get(pk=job_id).status == "queued"


def test_detail_query_count_does_not_grow_with_the_files(
    api_client, tmp_path, django_assert_max_num_queries
):
    job_id = post_archive(api_client, strava_archive(tmp_path / "export.zip")).json()["id"]
    finish(job_id)
    with django_assert_max_num_queries(8):
        api_client.get(f"/api/v1/imports/{job_id}")
    with django_assert_max_num_queries(8):
        api_client.get("/api/v1/imports")
