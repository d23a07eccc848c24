"""The dashboard's import-history page: upload an archive, see the job with its progress bar."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.training.history.archives import strava_archive
from training.history.models import ImportJob

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
