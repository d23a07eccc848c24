"""Export archives written by the tests, in Strava's and Garmin's layouts, from activity files
the importer tests' builders generate (their distances are known by construction)."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.training.importers.builders import Leg, fit_bytes, gpx_bytes, route, tcx_bytes

START = datetime(2024, 3, 4, 7, 0, tzinfo=UTC)

# Strava's German export headers, with its repeated columns (a second "Distanz" in metres, a
# second "Verstrichene Zeit") and one column no release of the reader knows.
GERMAN_HEADER = [
    "Aktivitäts-ID", "Aktivitätsdatum", "Name der Aktivität", "Aktivitätsart",
    "Aktivitätsbeschreibung", "Verstrichene Zeit", "Distanz", "Dateiname", "Aktivitätsausrüstung",
    "Verstrichene Zeit", "Bewegungszeit", "Distanz", "Glücksfaktor",
]  # fmt: skip


def run_samples(day: int, *, duration_s: int = 600, speed_m_s: float = 3.0):
    return route([Leg(duration_s, speed_m_s, hr_bpm=150)], start=START + timedelta(days=day))


def _row(
    activity_id: str,
    day: str,
    name: str,
    kind: str,
    filename: str,
    *,
    desc: str = "",
    km: str = "1,8",
    time_s: int = 600,
) -> list[str]:
    """A row under GERMAN_HEADER: the first distance in km with a decimal comma, the second in
    metres."""
    metres = f"{float(km.replace(',', '.')) * 1000:.1f}".replace(".", ",")
    seconds = str(time_s)
    return [
        activity_id, f"{day}, 07:00:00", name, kind, desc, seconds, km, filename, "Schuh A",
        seconds, seconds, metres, "x",
    ]  # fmt: skip


def strava_archive(path: Path) -> Path:
    """Six rows: a .gpx, a .gpx.gz, a .tcx.gz and a .fit.gz run, a ride (skipped by type), a
    manual run without a file (5 km in 25:00 on 2024-03-10); plus an empty file nobody names."""
    files = {
        "activities/1.gpx": gpx_bytes(run_samples(0)),
        "activities/2.gpx.gz": gzip.compress(gpx_bytes(run_samples(1))),
        "activities/3.tcx.gz": gzip.compress(tcx_bytes(run_samples(2), lap_ends_s=[600])),
        "activities/4.fit.gz": gzip.compress(fit_bytes(run_samples(3))),
        "activities/5.gpx": gpx_bytes(run_samples(4, speed_m_s=7.0)),
    }
    rows = [
        _row("1", "04.03.2024", "Morgenlauf", "Lauf", "activities/1.gpx", desc="Locker"),
        _row("2", "05.03.2024", "Intervalle", "Lauf", "activities/2.gpx.gz"),
        _row("3", "06.03.2024", "Dauerlauf", "Lauf", "activities/3.tcx.gz"),
        _row("4", "07.03.2024", "Tempo", "Lauf", "activities/4.fit.gz"),
        _row("5", "08.03.2024", "Radtour", "Radfahrt", "activities/5.gpx", km="4,2"),
        _row("6", "10.03.2024", "Laufband", "Lauf", "", desc="Im Studio", km="5,0", time_s=1500),
    ]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(GERMAN_HEADER)
    writer.writerows(rows)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities.csv", text.getvalue())
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("activities/empty.gpx", b"")
        archive.writestr("profile.csv", "Vorname\nTest\n")
    return path


def garmin_archive(path: Path) -> Path:
    """Two nested part ZIPs: three activity FIT files, one settings FIT (not an activity), one
    FIT of a ride, and account JSON nobody imports."""
    part1 = io.BytesIO()
    with zipfile.ZipFile(part1, "w", zipfile.ZIP_DEFLATED) as inner:
        inner.writestr("runner_2024-03-04.fit", fit_bytes(run_samples(10)))
        inner.writestr("runner_2024-03-05.fit", fit_bytes(run_samples(11)))
        inner.writestr("ride.fit", fit_bytes(run_samples(12, speed_m_s=7.0), sport="CYCLING"))
    part2 = io.BytesIO()
    with zipfile.ZipFile(part2, "w", zipfile.ZIP_DEFLATED) as inner:
        inner.writestr("runner_2024-03-07.fit", fit_bytes(run_samples(13)))
        inner.writestr("settings.fit", settings_fit())
    folder = "DI_CONNECT/DI-Connect-Uploaded-Files/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", "{}")
        archive.writestr(folder + "UploadedFiles_0-_Part1.zip", part1.getvalue())
        archive.writestr(folder + "UploadedFiles_0-_Part2.zip", part2.getvalue())
    return path


def settings_fit() -> bytes:
    """A FIT file of type "settings", as a watch writes alongside its activities."""
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.profile_type import FileType, Manufacturer

    message = FileIdMessage()
    message.type = FileType.SETTINGS
    message.manufacturer = Manufacturer.GARMIN.value
    message.product = 1
    message.serial_number = 1
    message.time_created = round(START.timestamp() * 1000)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    builder.add(message)
    return builder.build().to_bytes()
