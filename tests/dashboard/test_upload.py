"""The dashboard's "Upload activity file" page (docs/API.md, Activity files): a GPX/TCX/FIT file
becomes a run of the signed-in runner through the same service as the API import.

Files are written by tests/training/importers/builders.py from a route whose true distance is known
by
construction: LEGS below run 1000 m + 1000 m (standing still in between) = 2000 m, i.e.
"2.00 km", or 2000 / 1609.344 = 1.2427 → "1.24 mi".
"""

from __future__ import annotations

import gzip
import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, RunFactory, UserFactory
from tests.training.importers.builders import Leg, fit_bytes, gpx_bytes, route, tcx_bytes
from training.models import Run, RunTrack

URL = "/runs/upload/"
START = datetime(2026, 6, 10, 7, 30, tzinfo=UTC)
LEGS = [
    Leg(300, 1000 / 300, bearing_deg=0, climb_m=20, hr_bpm=150, cadence_rpm=85),
    Leg(60, 0.0, hr_bpm=110),
    Leg(210, 1000 / 210, bearing_deg=90, climb_m=-10, hr_bpm=170, cadence_rpm=90),
]
SHOTS = Path(__file__).parent / "screenshots"


def _samples():
    return route(LEGS, start=START)


def gpx() -> bytes:
    return gpx_bytes(_samples())


def tcx() -> bytes:
    return tcx_bytes(_samples(), lap_ends_s=[300, 570])


def fit() -> bytes:
    return fit_bytes(_samples())


def post_file(client: Client, content: bytes, name: str = "activity.gpx", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **extra})


def field_error(response) -> str:
    """The error text shown next to the file input (empty when there is none)."""
    page = response.content.decode()
    match = re.search(
        r'<div class="field upload-field has-error">.*?<ul class="errorlist"[^>]*>(.*?)</ul>',
        page,
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- The page ------------------------------------------------------------------------------------


def test_upload_route_name():
    assert reverse("dashboard:run-upload") == URL


@pytest.mark.django_db
def test_the_page_is_a_multipart_form_with_one_file_input(web):
    response = web.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert page.count('type="file"') == 1
    assert 'accept=".gpx,.tcx,.fit,.gz"' in page
    assert 'name="file"' in page
    # The Content-Security-Policy forbids inline scripts, styles and handlers.
    assert "<script>" not in page and "style=" not in page and " onclick=" not in page


@pytest.mark.django_db
def test_the_page_is_linked_from_the_nav_the_runs_list_and_the_log_run_page(web):
    link = f'href="{URL}"'
    for url in [reverse("dashboard:home"), reverse("dashboard:run-list")]:
        assert link in web.get(url).content.decode(), url
    log_page = web.get(reverse("dashboard:run-create")).content.decode()
    assert "upload a file from your watch" in log_page and link in log_page
    runs_page = web.get(reverse("dashboard:run-list")).content.decode()
    assert runs_page.count(link) >= 2  # the nav and the page's own button


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login_and_nothing_is_imported(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = post_file(client, gpx())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Run.objects.count() == 0


# --- Importing -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "name", "source", "label"),
    [
        (gpx, "morning.gpx", "gpx", "GPX"),
        (tcx, "morning.tcx", "tcx", "TCX"),
        (fit, "morning.fit", "fit", "FIT"),
    ],
)
def test_a_file_becomes_my_run_and_opens_its_page(web, runner, build, name, source, label):
    response = post_file(web, build(), name)
    run = Run.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()
    assert run.runner == runner and run.source == source
    assert RunTrack.objects.filter(run=run).exists()
    assert abs(run.distance_m - 2000) <= 2000 * 0.005

    page = web.get(response["Location"])
    assert shown_messages(page) == [f"Imported 2.00 km from your {label} file."]
    assert b'data-testid="run-distance">2.00' in page.content
    assert b"<svg" in page.content and b"chart-profile" in page.content


@pytest.mark.django_db
def test_the_message_uses_the_runners_units(web, runner):
    runner.profile.units = "mi"
    runner.profile.save()
    response = post_file(web, gpx())
    page = web.get(response["Location"])
    assert shown_messages(page) == ["Imported 1.24 mi from your GPX file."]


@pytest.mark.django_db
def test_a_gzip_compressed_file_is_imported(web):
    response = post_file(web, gzip.compress(gpx()), "activity.gpx.gz")
    assert response.status_code == 302
    assert Run.objects.get().source == "gpx"


@pytest.mark.django_db
def test_uploading_the_same_file_again_opens_the_same_run(web, runner):
    first = post_file(web, gpx())
    web.get(first["Location"])  # read the first message
    again = post_file(web, gpx(), "renamed.gpx")
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Run.objects.count() == 1 and RunTrack.objects.count() == 1
    page = web.get(again["Location"])
    assert shown_messages(page) == ["You already imported this GPX file: here is that run."]


@pytest.mark.django_db
def test_the_run_belongs_to_the_uploader_whatever_the_form_says(
    web, other_web, runner, other_runner
):
    response = post_file(web, gpx(), runner=str(other_runner.pk))
    run = Run.objects.get()
    assert run.runner == runner
    # Another runner cannot open it, and their upload of the same file is their own run.
    assert other_web.get(response["Location"]).status_code == 404
    theirs = post_file(other_web, gpx())
    assert theirs.status_code == 302 and theirs["Location"] != response["Location"]
    assert sorted(Run.objects.values_list("runner__username", flat=True)) == [
        runner.username,
        other_runner.username,
    ]


@pytest.mark.django_db
def test_the_csrf_check_still_applies_after_the_upload_cap(settings):
    # The view is csrf_exempt so that the capped handler is installed before anything parses
    # the body; its own csrf_protect must still refuse a post without a token.
    user = UserFactory(username="csrf_runner")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert post_file(client, gpx()).status_code == 403
    assert Run.objects.count() == 0
    client.get(URL)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert post_file(client, gpx(), csrfmiddlewaretoken=token).status_code == 302
    assert Run.objects.filter(runner=user).count() == 1
    # With the CSRF check reading the body, an oversized file still meets the capped handler.
    settings.MAX_UPLOAD_SIZE = 10_000
    response = post_file(client, b" " * 20_000, csrfmiddlewaretoken=token)
    assert response.status_code == 413
    assert "limit of 10000 bytes" in field_error(response)


@pytest.mark.django_db
def test_import_query_count_is_bounded(web, runner, django_assert_max_num_queries):
    # Many runs already, and a file of ~570 points: neither changes the count. Most of the
    # import's queries are the model's full_clean() checking each CheckConstraint (a SELECT in
    # a savepoint per constraint), a fixed number.
    RunFactory.create_batch(30, runner=runner)
    web.get(URL)
    with django_assert_max_num_queries(45):
        assert post_file(web, gpx()).status_code == 302
    # Already imported: 7 since the form offers the runner's shoes (one query, the default's
    # preselection included).
    with django_assert_max_num_queries(7):
        assert post_file(web, gpx()).status_code == 302  # already imported
    with django_assert_max_num_queries(4):
        assert web.get(URL).status_code == 200


# --- Refusals ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"just some text, not a run", "Unrecognised file type"),
        (b"<html><body>hello</body></html>", "The XML root element is <html>"),
        (gpx()[: len(gpx()) // 2], "not well-formed"),
        (fit()[:-100], "truncated or corrupt"),
        (gzip.compress(gpx())[:-200], "gzip"),
    ],
    ids=["text", "html", "truncated-gpx", "truncated-fit", "truncated-gzip"],
)
def test_a_bad_file_is_refused_next_to_the_field_and_nothing_is_saved(web, content, fragment):
    response = post_file(web, content)
    assert response.status_code == 400
    assert fragment in field_error(response)
    assert Run.objects.count() == 0 and RunTrack.objects.count() == 0


@pytest.mark.django_db
def test_a_run_dated_in_the_future_is_refused(web):
    future = datetime.now(UTC) + timedelta(days=3)
    response = post_file(web, gpx_bytes(route(LEGS, start=future)))
    assert response.status_code == 400
    assert "future" in field_error(response)
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_no_file_or_an_empty_one_is_refused(web):
    response = web.post(URL, {})
    assert response.status_code == 400
    assert field_error(response) == "Choose a GPX, TCX or FIT file to upload."
    response = post_file(web, b"")
    assert response.status_code == 400
    assert field_error(response) == "The file is empty."
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_declared_over_the_limit_is_413_and_never_read(web, settings, monkeypatch):
    settings.MAX_UPLOAD_SIZE = 10_000
    monkeypatch.setattr("dashboard.views.run_import_file", _must_not_import)
    # The request-body limit (tracker.middleware, the page is an upload route) answers first,
    # as it does for the API import; a browser is told in a page, not in JSON.
    big = SimpleUploadedFile("activity.gpx", b"<gpx>" + b" " * 200_000 + b"</gpx>")
    response = web.post(URL, {"file": big}, HTTP_ACCEPT="text/html")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "limit of 10000 bytes" in response.content.decode()
    # Refused on its Content-Length: not one byte of the body was read.
    assert response.wsgi_request.META["wsgi.input"].read_started is False
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_over_the_limit_while_streaming_is_413(web, settings, monkeypatch):
    # Under the Content-Length allowance (limit + multipart overhead) but over the limit
    # itself: the shared upload handler stops at the limit, before the service sees a byte.
    settings.MAX_UPLOAD_SIZE = 10_000
    monkeypatch.setattr("dashboard.views.run_import_file", _must_not_import)
    response = post_file(web, b" " * 20_000)
    assert response.status_code == 413
    assert "limit of 10000 bytes" in field_error(response)
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_the_api_import_refuses_the_same_way_when_its_csrf_check_reads_the_body(settings):
    # The mechanism moved to training/uploads.py: a session-authenticated API call has its body
    # parsed during DRF's CSRF check, before the view; the refusal must still be the API's 413.
    settings.MAX_UPLOAD_SIZE = 10_000
    user = UserFactory(username="api_session_runner")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(URL)
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/runs/import",
        {"file": SimpleUploadedFile("big.gpx", b" " * 20_000)},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["code"] == "file_too_large" and "limit of 10000 bytes" in error["detail"]
    assert Run.objects.count() == 0


def _must_not_import(**kwargs):
    raise AssertionError("an oversized upload reached the import service")


# --- In a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_a_gpx_in_the_browser(page, live_server, tmp_path):
    UserFactory(username="uploader")
    activity = tmp_path / "morning-run.gpx"
    activity.write_bytes(gpx())
    not_a_run = tmp_path / "notes.gpx"
    not_a_run.write_bytes(b"shopping list: eggs, milk")

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "uploader")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.mainnav >> text=Upload")
    page.wait_for_url(f"{live_server.url}{URL}")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "upload-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
    page.screenshot(path=str(SHOTS / "upload-phone.png"), full_page=True)

    # A file that is not an activity: the importer's message next to the input, nothing saved.
    page.set_input_files("#id_file", str(not_a_run))
    page.click("button:has-text('Upload and import')")
    page.wait_for_load_state()
    assert "Unrecognised file type" in page.locator(".upload-field .errorlist").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "upload-error-phone.png"), full_page=True)
    assert Run.objects.count() == 0
    page.set_viewport_size({"width": 1280, "height": 900})

    page.set_input_files("#id_file", str(activity))
    page.click("button:has-text('Upload and import')")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    assert page.locator("[data-testid=run-distance]").inner_text().startswith("2.00")
    assert "Imported 2.00 km from your GPX file." in page.locator(".messages").inner_text()
    chart = page.locator("svg.chart-profile")
    assert chart.count() == 1
    assert chart.locator("polyline.pace").count() >= 1
    page.screenshot(path=str(SHOTS / "upload-imported-desktop.png"), full_page=True)
    run = Run.objects.get()
    assert run.runner.username == "uploader" and run.source == "gpx"
