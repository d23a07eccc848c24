"""The request-body limit lets activity files through on every upload route: a file between
MAX_REQUEST_SIZE and MAX_UPLOAD_SIZE reaches the importer (and is judged on its content), a file
above MAX_UPLOAD_SIZE is 413 — on the dashboard's upload page as on the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.middleware import ACTIVITY_FILE, ARCHIVE, RequestBodyLimitMiddleware

REQUEST_LIMIT = 10_000
UPLOAD_LIMIT = 100_000
# Not a run: the importer refuses it for its content (400), which proves it was let through.
BETWEEN_THE_LIMITS = b"just some text, not a run " * 2_000  # 52 KB
ABOVE_THE_UPLOAD_LIMIT = b" " * 200_000


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.MAX_REQUEST_SIZE = REQUEST_LIMIT
    settings.MAX_UPLOAD_SIZE = UPLOAD_LIMIT


def _file(content: bytes) -> dict:
    return {"file": SimpleUploadedFile("activity.gpx", content)}


@pytest.mark.django_db
def test_the_upload_page_takes_a_file_above_the_request_limit(web):
    response = web.post("/runs/upload/", _file(BETWEEN_THE_LIMITS))
    assert response.status_code == 400
    assert b"Unrecognised file type" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/runs/import", "/api/v1/runs/import/"])
def test_the_api_import_takes_a_file_above_the_request_limit(api_client, path):
    response = api_client.post(path, _file(BETWEEN_THE_LIMITS), format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "file"
    assert "Unrecognised file type" in response.json()["errors"][0]["detail"]


@pytest.mark.django_db
def test_a_file_above_the_upload_limit_is_413_on_the_page_and_the_api(web, api_client):
    assert web.post("/runs/upload/", _file(ABOVE_THE_UPLOAD_LIMIT)).status_code == 413
    response = api_client.post(
        "/api/v1/runs/import", _file(ABOVE_THE_UPLOAD_LIMIT), format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "file_too_large"


def test_upload_routes_come_from_the_marked_views_not_a_list():
    for path in ["/runs/upload/", "/api/v1/runs/import", "/api/v1/runs/import/"]:
        assert RequestBodyLimitMiddleware.upload_kind(path) == ACTIVITY_FILE, path
    for path in ["/history/import/", "/api/v1/imports", "/api/v1/imports/"]:
        assert RequestBodyLimitMiddleware.upload_kind(path) == ARCHIVE, path
    for path in [
        "/runs/new/",
        "/api/v1/runs",
        "/api/v1/runs/import/x",
        "/runs/upload",
        "/api/v1/imports/x/cancel",
    ]:
        assert RequestBodyLimitMiddleware.upload_kind(path) is None, path
