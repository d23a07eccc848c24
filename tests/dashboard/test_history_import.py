"""The dashboard's import-history page: upload an archive, see the job with its progress bar."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import RunFactory
from tests.training.history.archives import strava_archive
from training.history.models import ImportJob, ImportJobFile
from training.models import Deletion, Run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_archive_dir")]


def test_upload_queues_a_job_and_the_page_lists_it_with_a_progress_bar(web, runner, tmp_path):
    path = strava_archive(tmp_path / "export.zip")
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/zip")
    response = web.post("/history/import/", {"archive": upload})
    assert response.status_code == 302
    assert response["Location"] == "/history/import/"
    job = ImportJob.objects.get(runner=runner)
    page = web.get("/history/import/").content.decode()
    assert "Archive received" in page
    assert f'data-import-job="/api/v1/imports/{job.pk}"' in page
    assert '<progress max="100" value="0"' in page
    assert "js/imports.js" in page


def test_upload_without_a_file_is_400_with_the_reason(web):
    response = web.post("/history/import/", {})
    assert response.status_code == 400
    assert "Choose your Strava or Garmin export" in response.content.decode()


def test_upload_over_the_archive_limit_is_413(web, settings, tmp_path):
    settings.MAX_ARCHIVE_UPLOAD_SIZE = 1000
    path = strava_archive(tmp_path / "export.zip")
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    response = web.post("/history/import/", {"archive": upload})
    assert response.status_code == 413
    assert not ImportJob.objects.exists()


def test_the_page_needs_a_csrf_token(runner, tmp_path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(runner)
    path = strava_archive(tmp_path / "export.zip")
    response = client.post(
        "/history/import/", {"archive": SimpleUploadedFile("a.zip", path.read_bytes())}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_runner_sees_only_their_own_jobs(web, other_runner):
    ImportJob.objects.create(runner=other_runner, original_name="theirs.zip")
    assert "theirs.zip" not in web.get("/history/import/").content.decode()


# --- Stop and undo from the page ----------------------------------------------------------------


def test_stop_ends_a_queued_import_and_keeps_what_it_imported(web, runner):
    job = ImportJob.objects.create(runner=runner, original_name="export.zip")
    kept = RunFactory(runner=runner, import_job=job)
    response = web.post(f"/history/import/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert Run.objects.filter(pk=kept.pk).exists()


def test_stop_on_a_finished_import_is_409_and_says_why(web, runner):
    job = ImportJob.objects.create(
        runner=runner, original_name="export.zip", status=ImportJob.Status.DONE
    )
    response = web.post(f"/history/import/{job.pk}/cancel/")
    assert response.status_code == 409
    assert "only a queued or running one can stop" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE


def test_undo_removes_the_imports_runs_with_tombstones_and_nothing_else(web, runner):
    job = ImportJob.objects.create(
        runner=runner, original_name="export.zip", status=ImportJob.Status.DONE
    )
    imported = RunFactory(runner=runner, import_job=job)
    logged_by_hand = RunFactory(runner=runner)
    response = web.post(f"/history/import/{job.pk}/undo/")
    assert response.status_code == 302
    assert list(Run.objects.filter(runner=runner)) == [logged_by_hand]
    assert Deletion.objects.filter(object_type="run", object_id=imported.pk).exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE
    page = web.get("/history/import/").content.decode()
    assert "Undo: remove its runs" not in page  # nothing left to undo


def test_another_runners_import_cannot_be_stopped_or_undone(web, other_runner):
    job = ImportJob.objects.create(runner=other_runner, original_name="theirs.zip")
    theirs = RunFactory(runner=other_runner, import_job=job)
    assert web.post(f"/history/import/{job.pk}/cancel/").status_code == 404
    assert web.post(f"/history/import/{job.pk}/undo/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert Run.objects.filter(pk=theirs.pk).exists()


def test_stop_and_undo_answer_post_only(web, runner):
    job = ImportJob.objects.create(runner=runner, original_name="export.zip")
    assert web.get(f"/history/import/{job.pk}/cancel/").status_code == 405
    assert web.get(f"/history/import/{job.pk}/undo/").status_code == 405


def test_the_page_lists_the_files_that_did_not_import_with_why(
    web, runner, django_assert_max_num_queries
):
    for index in range(3):
        job = ImportJob.objects.create(runner=runner, original_name=f"export-{index}.zip")
        ImportJobFile.objects.create(
            job=job, position=1, name=f"ride-{index}.fit", outcome="skipped", reason="not a run"
        )
        ImportJobFile.objects.create(
            job=job, position=2, name=f"bad-{index}.gpx", outcome="failed", reason="not XML"
        )
        ImportJobFile.objects.create(job=job, position=3, name="dup.gpx", outcome="duplicate")
    with django_assert_max_num_queries(12):
        page = web.get("/history/import/").content.decode()
    assert "<code>bad-2.gpx</code>: failed, not XML" in page
    assert "<code>ride-0.fit</code>: skipped, not a run" in page
    assert "dup.gpx" not in page  # a duplicate is counted, not listed
    assert page.count("Files not imported (2)") == 3
