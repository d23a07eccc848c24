"""A real worker process killed mid-job: the next worker takes the job over once its lease runs
out and finishes it, each file imported once (docs/ARCHITECTURE.md, Background jobs)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.training.history.archives import run_samples
from tests.training.importers.builders import gpx_bytes
from training.history.models import ImportJob
from training.history.services import import_job_create
from training.models import Run

BASE_DIR = Path(__file__).resolve().parents[3]
FILES = 40


def many_runs_archive(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for day in range(FILES):
            archive.writestr(f"activities/{day}.gpx", gpx_bytes(run_samples(day, duration_s=900)))
    return path


class WorkerDatabase:
    """The test database as worker processes see it. PostgreSQL's test database is shared as
    is; SQLite's lives in memory, so it is copied to a file for the workers and back after."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        self.file = tmp_path / "workers.sqlite3"

    def url(self) -> str:
        if self.vendor == "postgresql":
            s = connection.settings_dict
            host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
            return f"postgresql://{s['USER']}@{host}/{s['NAME']}"
        return f"sqlite:///{self.file}"

    def share(self) -> None:
        if self.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(self.file) as target:
                connection.connection.backup(target)

    def processed(self, job_id: str) -> int:
        if self.vendor == "postgresql":
            return ImportJob.objects.get(pk=job_id).processed
        with sqlite3.connect(self.file, timeout=10) as source:
            row = source.execute(
                "SELECT processed FROM training_importjob WHERE id = ?", (job_id.replace("-", ""),)
            ).fetchone()
        return int(row[0])

    def collect(self) -> None:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file) as source:
                source.backup(connection.connection)


def start_worker(database: WorkerDatabase) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings_test",
        "DATABASE_URL": database.url(),
        "IMPORT_SLICE_S": "0.5",
        # Short, so the test waits seconds rather than the production two minutes.
        "IMPORT_LEASE_S": "3",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_worker", "--interval", "0.2", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("import_archive_dir")
def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes(runner, tmp_path):
    path = many_runs_archive(tmp_path / "many.zip")
    job = import_job_create(
        runner=runner, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes())
    )
    job_id = str(job.pk)
    database = WorkerDatabase(tmp_path)
    database.share()

    first = start_worker(database)
    try:
        deadline = time.monotonic() + 120
        while database.processed(job_id) < 3:
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "the first worker never got going"
            time.sleep(0.05)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed_at = database.processed(job_id)
    assert 3 <= killed_at < FILES

    second = start_worker(database)
    try:
        deadline = time.monotonic() + 180
        while database.processed(job_id) < FILES:
            assert second.poll() is None, second.stderr.read() if second.stderr else ""
            assert time.monotonic() < deadline, "the second worker did not finish the job"
            time.sleep(0.2)
        time.sleep(0.5)  # the last slice marks the job done
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    database.collect()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.found, job.processed, job.imported, job.failed) == (FILES, FILES, FILES, 0)
    runs = Run.objects.filter(runner=runner)
    assert runs.count() == FILES
    assert runs.filter(import_job=job).count() == FILES
    # One run per file: the entry the first worker died on was rolled back, not half-saved.
    assert runs.values("source_hash").distinct().count() == FILES
