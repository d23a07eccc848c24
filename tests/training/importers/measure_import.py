"""Time one full import (``run_import_file``) of a 42.195 km GPX at one point per second.

Not a test (timings on a shared machine are not assertions); the import budget is 2 s.
Run against a migrated database; everything it writes is rolled back:

    DJANGO_SETTINGS_MODULE=tracker.settings_test \
        .venv/bin/python -m tests.training.importers.measure_import
"""

from __future__ import annotations

import time

import django


def main(distance_m: float = 42_195.0) -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from tests.training.importers.builders import long_gpx
    from training.importers.base import timezone_name
    from training.services import run_import_file

    content = long_gpx(distance_m)
    # tzfpy loads its boundary data on first use: a once-per-process cost, paid here so the
    # number below is what each import costs in a running server.
    timezone_name(lat=51.5, lon=0.0, utc_offset_s=None)
    with transaction.atomic():
        user = get_user_model().objects.create_user("import-timing", password=None)
        started = time.perf_counter()
        result = run_import_file(
            runner=user, uploaded_file=SimpleUploadedFile("marathon.gpx", content)
        )
        run, created = result.run, result.created
        elapsed_s = time.perf_counter() - started
        points = run.track.point_count
        transaction.set_rollback(True)
    print(
        f"{len(content) / 1e6:.1f} MB GPX, {points} points, {run.distance_m / 1000:.2f} km, "
        f"moving {run.duration_s} s: run_import_file took {elapsed_s:.2f} s (created={created})"
    )


if __name__ == "__main__":
    main()
