"""A runner uploads a small Strava export on the import-history page in a real browser and
watches the progress bar fill while a worker (in the test) imports it."""

from __future__ import annotations

import pytest

from tests.dashboard.demo_data import DEMO_PASSWORD
from tests.factories import UserFactory
from tests.training.history.archives import strava_archive
from training.history.models import ImportJob
from training.history.services import import_job_run_slice
from training.models import Run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_an_archive_and_watch_the_bar_reach_the_end(
    page, live_server, settings, tmp_path, import_archive_dir
):
    runner = UserFactory(username="historian", password=DEMO_PASSWORD)
    archive = strava_archive(tmp_path / "export_2024.zip")
    page.goto(f"{live_server.url}/accounts/login/?next=/history/import/")
    page.fill("#id_username", "historian")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/history/import/")

    page.set_input_files("#id_archive", str(archive))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url(f"{live_server.url}/history/import/")
    job = ImportJob.objects.get(runner=runner)
    item = page.locator(f'[data-import-job="/api/v1/imports/{job.pk}"]')
    bar = item.locator("progress")
    assert bar.get_attribute("value") == "0"
    assert "export_2024.zip" in item.inner_text()

    # The worker: one entry per slice, so the page can be seen part-way.
    settings.IMPORT_SLICE_S = 0
    for _ in range(4):
        import_job_run_slice(job_id=str(job.pk), owner="browser-test-worker")
    page.wait_for_function(
        "el => el.value > 0 && el.value < 100", arg=bar.element_handle(), timeout=10_000
    )
    while not import_job_run_slice(job_id=str(job.pk), owner="browser-test-worker"):
        pass
    page.wait_for_function("el => el.value === 100", arg=bar.element_handle(), timeout=10_000)
    text = item.inner_text()
    assert "Done" in text
    assert "7 of 7 files" in text
    assert "5 imported" in text and "1 skipped" in text and "1 failed" in text
    assert Run.objects.filter(runner=runner, import_job=job).count() == 5
