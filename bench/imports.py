"""Seconds per file for a full import (``run_import_file``: unpack, decode, rules, save run and
track), on the longest real file of the test corpus and on synthetic marathons at 1 Hz.

A benchmark row, not a timed test (timings on a shared machine are not assertions); the target
is under 1 s per file (docs/API.md, "Importing activity files"). It creates a throw-away test
database (SQLite in memory unless DATABASE_URL says otherwise) and rolls every import back:

    make bench-import
    .venv/bin/python bench/imports.py [FILE_OR_FOLDER ...]   # also time these files
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings_test")
CORPUS = ROOT / "tests" / "files" / "corpus" / "fit"
REPEATS = 3
MARATHON_M = 42_195.0


def marathon_files() -> dict[str, bytes]:
    """A marathon at 5:00 /km and one point per second (12 659 samples) as FIT and GPX."""
    from tests.training.importers.builders import Leg, fit_bytes, gpx_bytes, route

    speed_m_s = 1000 / 300
    total_s = round(MARATHON_M / speed_m_s)
    legs = [
        Leg(
            min(300, total_s - i),
            speed_m_s,
            bearing_deg=(i // 300 % 4) * 90.0,
            climb_m=5.0 if i // 300 % 2 == 0 else -5.0,
            hr_bpm=150,
            cadence_rpm=88,
        )
        for i in range(0, total_s, 300)
    ]
    samples = route(legs, start=datetime(2026, 4, 26, 8, 0, tzinfo=UTC))
    return {
        "synthetic marathon 1 Hz (FIT)": fit_bytes(samples),
        "synthetic marathon 1 Hz (GPX)": gpx_bytes(samples),
    }


def named_files(arguments: list[str]) -> dict[str, bytes]:
    paths: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        paths += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {str(p): p.read_bytes() for p in paths}


def main(arguments: list[str]) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment

    from training.importers import ActivityFileError
    from training.importers.base import timezone_name
    from training.services import run_import_file

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    longest = max(CORPUS.glob("*.fit"), key=lambda p: p.stat().st_size)
    files = {f"longest corpus file: {longest.name}": longest.read_bytes()}
    files |= marathon_files()
    files |= named_files(arguments)
    # tzfpy loads its boundary data on first use: a once-per-process cost, paid here so the
    # numbers below are what each import costs in a running server.
    timezone_name(lat=51.5, lon=0.0, utc_offset_s=None)
    user = get_user_model().objects.create_user("import-bench", password=None)
    print(f"{'file':<60} {'size':>9} {'runs':>4} {'best of ' + str(REPEATS):>10}")
    for name, content in files.items():
        best_s = float("inf")
        outcome = ""
        for _ in range(REPEATS):
            with transaction.atomic():
                started = time.perf_counter()
                try:
                    result = run_import_file(
                        runner=user, uploaded_file=SimpleUploadedFile("f", content)
                    )
                    outcome = f"{len(result.runs):>4}"
                except ActivityFileError as exc:
                    outcome = f"refused: {exc.message[:60]}"
                best_s = min(best_s, time.perf_counter() - started)
                transaction.set_rollback(True)
        print(f"{name[-60:]:<60} {len(content):>9} {outcome:>4} {best_s:>9.3f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
