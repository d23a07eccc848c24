"""Import jobs end to end through the services: both layouts, resume, cancel, undo, bad input."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.training.history.archives import garmin_archive, strava_archive
from training.history.models import ImportJob, ImportJobFile
from training.history.services import (
    JobStateError,
    import_job_cancel,
    import_job_create,
    import_job_run_slice,
    import_job_undo,
    import_jobs_reclaim,
)
from training.models import Deletion, Run, Shoe
from training.uploads import ArchiveTooLarge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_archive_dir")]


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/zip")


def run_to_end(job: ImportJob, owner: str = "worker-1") -> ImportJob:
    for _ in range(50):
        if import_job_run_slice(job_id=str(job.pk), owner=owner):
            break
    job.refresh_from_db()
    return job


def outcomes(job: ImportJob) -> dict[str, tuple[str, str]]:
    return {f.name: (f.outcome, f.reason) for f in job.files.all()}


def test_create_stores_the_archive_and_enqueues_one_task(runner, tmp_path):
    job = import_job_create(runner=runner, uploaded_file=upload(strava_archive(tmp_path / "s.zip")))
    assert job.status == ImportJob.Status.QUEUED
    stored = Path(job.archive_path)
    assert stored.read_bytes() == (tmp_path / "s.zip").read_bytes()
    assert job.archive_size_bytes == stored.stat().st_size
    tasks = DBTaskResult.objects.filter(queue_name="imports")
    assert [task.args_kwargs["args"] for task in tasks] == [[str(job.pk)]]


def test_strava_archive_imports_runs_skips_the_ride_and_reports_the_rest(runner, tmp_path):
    job = import_job_create(runner=runner, uploaded_file=upload(strava_archive(tmp_path / "s.zip")))
    job = run_to_end(job)
    assert job.status == ImportJob.Status.DONE
    # Six CSV rows and one empty file nobody names; the unknown-column notice is not counted.
    assert (job.found, job.processed) == (7, 7)
    assert (job.imported, job.duplicates, job.skipped, job.failed) == (5, 0, 1, 1)
    assert job.progress == 1.0
    reported = outcomes(job)
    assert reported["activities/5.gpx"][0] == ImportJobFile.Outcome.SKIPPED
    assert "Radfahrt" in reported["activities/5.gpx"][1]
    assert reported["activities/empty.gpx"][0] == ImportJobFile.Outcome.FAILED
    assert "Glücksfaktor" in reported["activities.csv"][1]
    runs = Run.objects.filter(runner=runner, import_job=job).order_by("started_at")
    assert runs.count() == 5
    first = runs[0]
    assert first.notes == "Morgenlauf\n\nLocker"
    assert first.distance_m == pytest.approx(1800, rel=0.01)  # 600 s at 3 m/s
    manual = runs.get(source=Run.Source.MANUAL)
    assert (manual.distance_m, manual.duration_s) == (5000.0, 1500)
    assert manual.notes == "Laufband\n\nIm Studio"
    # Strava's gear column becomes the runner's shoe of that name, added once.
    shoes = list(Shoe.objects.filter(runner=runner))
    assert [shoe.name for shoe in shoes] == ["Schuh A"]
    assert set(runs.values_list("shoe", flat=True)) == {shoes[0].pk}
    # The stored archive is removed once the job is done.
    assert not Path(job.archive_path).exists()


def test_garmin_archive_imports_activity_fits_and_skips_the_rest(runner, tmp_path):
    job = import_job_create(runner=runner, uploaded_file=upload(garmin_archive(tmp_path / "g.zip")))
    job = run_to_end(job)
    assert job.status == ImportJob.Status.DONE
    assert (job.found, job.imported, job.skipped, job.failed) == (5, 3, 2, 0)
    skipped = {name.rsplit("/", 1)[-1]: reason for name, (_, reason) in outcomes(job).items()}
    assert "not a run" in skipped["ride.fit"]
    assert "not an activity" in skipped["settings.fit"]


def test_the_same_archive_again_is_all_duplicates(runner, tmp_path):
    path = strava_archive(tmp_path / "s.zip")
    run_to_end(import_job_create(runner=runner, uploaded_file=upload(path)))
    again = run_to_end(import_job_create(runner=runner, uploaded_file=upload(path)))
    assert (again.imported, again.duplicates, again.skipped, again.failed) == (0, 5, 1, 1)
    assert Run.objects.filter(runner=runner).count() == 5


def test_slices_resume_at_the_cursor(runner, tmp_path, settings):
    settings.IMPORT_SLICE_S = 0  # every slice stops after its first entry
    job = import_job_create(runner=runner, uploaded_file=upload(strava_archive(tmp_path / "s.zip")))
    finished = import_job_run_slice(job_id=str(job.pk), owner="w")
    job.refresh_from_db()
    assert finished is False
    assert job.status == ImportJob.Status.RUNNING
    slices = 1
    while not import_job_run_slice(job_id=str(job.pk), owner="w"):
        slices += 1
    job.refresh_from_db()
    assert slices >= 7
    assert (job.imported, job.duplicates, job.skipped, job.failed) == (5, 0, 1, 1)


def test_a_live_lease_keeps_other_workers_out_and_an_expired_one_is_reclaimed(runner, tmp_path):
    job = import_job_create(runner=runner, uploaded_file=upload(strava_archive(tmp_path / "s.zip")))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() + timedelta(seconds=60),
    )
    assert import_job_run_slice(job_id=str(job.pk), owner="other") is True
    job.refresh_from_db()
    assert (job.processed, job.lease_owner) == (0, "dead-worker")
    assert import_jobs_reclaim() == 0
    assert import_jobs_reclaim(now=timezone.now() + timedelta(seconds=61)) == 1
    assert DBTaskResult.objects.filter(queue_name="imports").count() == 2
    job = run_to_end(job, owner="other")
    assert job.status == ImportJob.Status.DONE


def test_cancel_stops_the_job_and_keeps_what_it_imported(runner, tmp_path, settings):
    settings.IMPORT_SLICE_S = 0
    job = import_job_create(runner=runner, uploaded_file=upload(strava_archive(tmp_path / "s.zip")))
    # The first slice reads the CSV's notice, the second imports the first run.
    import_job_run_slice(job_id=str(job.pk), owner="w")
    import_job_run_slice(job_id=str(job.pk), owner="w")
    import_job_cancel(job=job)
    assert import_job_run_slice(job_id=str(job.pk), owner="w") is True
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert (job.processed, job.imported) == (1, 1)
    assert Run.objects.filter(import_job=job).count() == 1
    with pytest.raises(JobStateError, match="cancelled"):
        import_job_cancel(job=job)


def test_undo_deletes_the_jobs_runs_with_tombstones_and_only_those(runner, tmp_path):
    own = Run.objects.create(
        runner=runner,
        started_at=timezone.now() - timedelta(days=1),
        distance_m=5000,
        duration_s=1500,
    )
    job = run_to_end(
        import_job_create(runner=runner, uploaded_file=upload(strava_archive(tmp_path / "s.zip")))
    )
    run_ids = set(Run.objects.filter(import_job=job).values_list("pk", flat=True))
    assert len(run_ids) == 5
    import_job_undo(job=job)
    assert list(Run.objects.filter(runner=runner)) == [own]
    tombstones = set(
        Deletion.objects.filter(object_type=Deletion.ObjectType.RUN).values_list(
            "object_id", flat=True
        )
    )
    assert tombstones == run_ids
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE
    with pytest.raises(JobStateError):
        import_job_undo(job=job)


def test_a_damaged_archive_fails_the_job_with_the_reason(runner):
    job = import_job_create(
        runner=runner, uploaded_file=SimpleUploadedFile("x.zip", b"PK\x03\x04 broken")
    )
    job = run_to_end(job)
    assert job.status == ImportJob.Status.FAILED
    assert "not a readable ZIP" in job.error


def test_an_archive_over_the_cap_is_refused_and_nothing_is_kept(runner, settings):
    settings.MAX_ARCHIVE_UPLOAD_SIZE = 10
    with pytest.raises(ArchiveTooLarge):
        import_job_create(runner=runner, uploaded_file=io.BytesIO(b"x" * 11))
    assert not ImportJob.objects.exists()
    assert not list(Path(settings.IMPORT_ARCHIVE_DIR).glob("*/archive.zip"))
