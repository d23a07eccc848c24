"""One import worker through a whole-history archive (issue 21): a generated Strava export of
2,000 runs (GPX at 1 Hz, stored uncompressed as many exports hold them, about 1 GB), imported by
one ``manage.py import_worker --batch`` process. Prints the wall time, the counts and the
worker's peak resident memory; the targets are under 600 s and under 300 MB.

A benchmark row, not a timed test. It creates a throw-away database — a test database on the
server DATABASE_URL names (PostgreSQL), else a SQLite file in a temporary folder — and removes
it afterwards:

    make bench-history
    .venv/bin/python bench/history_import.py [ACTIVITIES]
"""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings_test")
ACTIVITIES = 2000
SAMPLES_PER_RUN = 3600  # an hour at 1 Hz: about 500 KB of GPX


def gpx_run(start: datetime, index: int) -> bytes:
    """An hour's run at 1 Hz heading north-east from a point that moves with ``index`` (each
    file distinct, so none is a duplicate of another)."""
    lat0, lon0 = 48.0 + (index % 100) * 0.01, 11.0 + (index // 100) * 0.01
    step = 3.0 / 111_320  # 3 m/s, in degrees
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
    ]
    for second in range(SAMPLES_PER_RUN):
        moment = (start + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append(
            f'<trkpt lat="{lat0 + second * step * 0.7:.7f}" lon="{lon0 + second * step:.7f}">'
            f"<ele>{500 + (second % 600) / 10:.1f}</ele><time>{moment}</time></trkpt>"
        )
    parts.append("</trkseg></trk></gpx>\n")
    return "".join(parts).encode()


def write_archive(path: Path, count: int) -> int:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Filename"])
    first = datetime(2019, 1, 1, 6, 0, tzinfo=UTC)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for index in range(count):
            start = first + timedelta(days=index, hours=index % 5)
            name = f"activities/{index}.gpx"
            archive.writestr(name, gpx_run(start, index))
            writer.writerow(
                [index, start.strftime("%b %d, %Y, %I:%M:%S %p"), f"Run {index}", "Run", name]
            )
        archive.writestr("activities.csv", rows.getvalue())
    return path.stat().st_size


def main(arguments: list[str]) -> None:
    count = int(arguments[0]) if arguments else ACTIVITIES
    workdir = Path(tempfile.mkdtemp(prefix="bench-history-"))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["IMPORT_ARCHIVE_DIR"] = str(workdir / "imports")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    settings.IMPORT_ARCHIVE_DIR = workdir / "imports"
    postgres = connection.vendor == "postgresql"
    if postgres:
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
        name = str(settings.DATABASES["default"]["NAME"])
    from training.history.models import ImportJob
    from training.history.services import import_job_create

    try:
        started = time.perf_counter()
        archive = workdir / "export.zip"
        size = write_archive(archive, count)
        print(f"archive: {count} activities, {size / 1e9:.2f} GB, written in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        user = get_user_model().objects.create_user("history-bench", password=None)
        with archive.open("rb") as upload:
            job = import_job_create(runner=user, uploaded_file=upload)
        archive.unlink()
        env = {**os.environ, "DATABASE_URL": worker_database_url(name, postgres)}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "import_worker", "--batch", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        elapsed_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        job = ImportJob.objects.get(pk=job.pk)
        print(
            f"{connection.vendor}: {job.status}, {job.imported} imported, {job.duplicates} "
            f"duplicates, {job.skipped} skipped, {job.failed} failed, in {elapsed_s:.0f} s "
            f"({elapsed_s / max(job.processed, 1) * 1000:.0f} ms per activity); worker peak RSS "
            f"{peak_mb:.0f} MB"
        )
    finally:
        if postgres:
            connection.creation.destroy_test_db(name, verbosity=0)
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def worker_database_url(name: str, postgres: bool) -> str:
    if not postgres:
        return os.environ["DATABASE_URL"]
    url = os.environ["DATABASE_URL"]
    return url.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    main(sys.argv[1:])
