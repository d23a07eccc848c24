"""Reading a Strava or Garmin export archive, one activity at a time (pure: no Django).

``read_archive(path, scratch_dir=...)`` yields an ``ArchiveEntry`` per thing the archive holds,
in an order that only depends on the archive, so a job can resume at an entry index:

- **Strava** (``activities.csv`` at the top): one entry per CSV row — the row's file from
  ``activities/`` (``.fit.gz``, ``.gpx``, ``.gpx.gz``, ``.tcx.gz``, ...), or a manual entry when
  the row names no file — then the files of ``activities/`` that no row names.
- **Garmin** (anything else): every member, and the members of the ZIPs nested in it
  (``DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_*_Part*.zip``) one level deep.

Nothing here holds the archive in memory: members are streamed from the file, and a nested ZIP
is copied (capped) to a scratch file in ``scratch_dir`` under a generated name, never under a
name taken from the archive. Every hostile or broken thing becomes an entry of kind
``PROBLEM`` naming why (ZIP bomb by ratio or total size, path traversal, nesting too deep,
0-byte or damaged member, CSV columns nobody knows); only an archive that is not a ZIP at all
raises ``ArchiveError``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import IO


class ArchiveError(Exception):
    """The upload is not a readable ZIP archive; the message names the problem."""


@dataclass(frozen=True)
class Limits:
    """Caps against hostile archives. A member whose size over its compressed size passes
    ``max_ratio`` is a ZIP bomb; ``max_total_bytes`` caps what the whole archive (nested ZIPs
    included) may unpack to; ``max_depth`` is how many ZIP levels may nest below the archive."""

    max_ratio: float = 200.0
    max_member_bytes: int = 25 * 1024 * 1024
    max_nested_zip_bytes: int = 4 * 1024 * 1024 * 1024
    max_total_bytes: int = 20 * 1024 * 1024 * 1024
    max_depth: int = 1


class EntryKind(StrEnum):
    FILE = "file"  # an activity file to import
    MANUAL = "manual"  # an activities.csv row with no file
    PROBLEM = "problem"  # something that cannot be imported; ``reason`` says why
    NOTICE = "notice"  # something the runner should know that imports nothing


@dataclass(frozen=True)
class ActivityRow:
    """What ``activities.csv`` says about one activity, in the project's units."""

    line: int
    activity_id: str = ""
    name: str = ""
    description: str = ""
    private_note: str = ""
    activity_type: str = ""
    gear: str = ""
    filename: str = ""
    started_at: datetime | None = None
    distance_m: float | None = None
    elapsed_s: int | None = None
    moving_s: int | None = None

    @property
    def is_run(self) -> bool:
        return self.activity_type.strip().casefold() in RUNNING_TYPES

    @property
    def notes(self) -> str:
        """The text a runner wrote about the activity: its name, then its descriptions."""
        parts = [self.name.strip(), self.description.strip(), self.private_note.strip()]
        return "\n\n".join(part for part in parts if part)


@dataclass(frozen=True)
class ArchiveEntry:
    name: str
    kind: EntryKind
    row: ActivityRow | None = None
    reason: str = ""
    opener: Callable[[], IO[bytes]] | None = field(default=None, repr=False, compare=False)

    def open(self) -> IO[bytes]:
        """A stream of the member's bytes (read it before asking for the next entry)."""
        if self.opener is None:
            raise ValueError(f"{self.name} has no file to open.")
        return self.opener()


# activities.csv headers as Strava writes them in each export language, to the one key each.
HEADERS: dict[str, tuple[str, ...]] = {
    "activity_id": ("Activity ID", "Aktivitäts-ID", "ID de l'activité", "ID de actividad"),
    "date": ("Activity Date", "Aktivitätsdatum", "Date de l'activité", "Fecha de la actividad"),
    "name": ("Activity Name", "Name der Aktivität", "Nom de l'activité", "Nombre de la actividad"),
    "type": ("Activity Type", "Aktivitätsart", "Type d'activité", "Tipo de actividad"),
    "description": (
        "Activity Description",
        "Aktivitätsbeschreibung",
        "Description de l'activité",
        "Descripción de la actividad",
    ),
    "elapsed": ("Elapsed Time", "Verstrichene Zeit", "Temps écoulé", "Tiempo transcurrido"),
    "moving": ("Moving Time", "Bewegungszeit", "Temps de déplacement", "Tiempo en movimiento"),
    "distance": ("Distance", "Distanz", "Distancia"),
    "private_note": (
        "Activity Private Note",
        "Private Notiz zur Aktivität",
        "Note privée sur l'activité",
        "Nota privada de la actividad",
    ),
    "gear": ("Activity Gear", "Aktivitätsausrüstung", "Équipement de l'activité", "Equipo"),
    "filename": ("Filename", "Dateiname", "Nom du fichier", "Nombre de archivo"),
}
_HEADER_KEYS = {header.casefold(): key for key, headers in HEADERS.items() for header in headers}
# Columns Strava writes that carry nothing the tracker keeps (heart rate and the like come from
# the file itself); known, so they are not reported as unknown.
IGNORED_HEADERS = frozenset(
    header.casefold()
    for header in (
        "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note", "Athlete Weight",
        "Bike Weight", "Max Speed", "Average Speed", "Elevation Gain", "Elevation Loss",
        "Average Heart Rate", "Calories", "Average Cadence", "Media", "From Upload",
        "Maximale Herzfrequenz", "Relativer Aufwand", "Pendeln", "Fréquence cardiaque max.",
        "Frecuencia cardiaca máxima",
    )
)  # fmt: skip
RUNNING_TYPES = frozenset(
    name.casefold()
    for name in (
        "Run", "Trail Run", "Virtual Run", "Lauf", "Laufen", "Traillauf", "Virtueller Lauf",
        "Course à pied", "Course", "Trail", "Course virtuelle", "Carrera", "Carrera por montaña",
        "Carrera virtual",
    )
)  # fmt: skip
_DATE_FORMATS = (
    "%b %d, %Y, %I:%M:%S %p",  # English: "Mar 5, 2021, 7:01:02 AM"
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%d.%m.%Y, %H:%M:%S",  # German
    "%d %b %Y, %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",  # French, Spanish
    "%d/%m/%Y, %H:%M:%S",
)
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
_CHUNK_BYTES = 1024 * 1024


def unsafe_name(name: str) -> bool:
    """A member name that would climb out of, or ignore, the folder it is unpacked into."""
    if not name or "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    parts = re.split(r"[\\/]+", name)
    return ".." in parts


def parse_number(text: str) -> float | None:
    """A number as Strava localises it ("1,234.5", "1.234,5", "10,5"); ``None`` when empty."""
    text = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." in text:
        # The last separator is the decimal one.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    return float(text)


def parse_date(text: str) -> datetime | None:
    """Strava's activity date (UTC) in the formats its exports use; ``None`` when not one."""
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _header_keys(header: list[str]) -> tuple[list[str | None], list[str]]:
    keys: list[str | None] = []
    unknown: list[str] = []
    for column in header:
        folded = column.strip().casefold()
        key = _HEADER_KEYS.get(folded)
        keys.append(key)
        if key is None and folded not in IGNORED_HEADERS and folded:
            unknown.append(column.strip())
    return keys, unknown


def parse_row(keys: list[str | None], values: list[str], *, line: int) -> ActivityRow:
    """One CSV row. Strava repeats some columns: the first "Distance" is in km (localised), a
    second one in metres; the first "Elapsed Time" is seconds. Raises ``ValueError`` naming
    the column that is not a number or date."""
    seen: dict[str, list[str]] = {}
    for key, value in zip(keys, values, strict=False):
        if key is not None:
            seen.setdefault(key, []).append(value)

    def first(key: str) -> str:
        return seen.get(key, [""])[0]

    distances = [parse_number(value) for value in seen.get("distance", [])]
    distance_m: float | None = None
    if len(distances) > 1 and distances[1] is not None:
        distance_m = distances[1]
    elif distances and distances[0] is not None:
        distance_m = distances[0] * 1000
    elapsed = parse_number(first("elapsed"))
    moving = parse_number(first("moving"))
    date_text = first("date")
    started_at = parse_date(date_text) if date_text else None
    if date_text and started_at is None:
        raise ValueError(f"the activity date {date_text!r} is not a date Strava writes")
    return ActivityRow(
        line=line,
        activity_id=first("activity_id").strip(),
        name=first("name"),
        description=first("description"),
        private_note=first("private_note"),
        activity_type=first("type").strip(),
        gear=first("gear").strip(),
        filename=first("filename").strip(),
        started_at=started_at,
        distance_m=distance_m,
        elapsed_s=round(elapsed) if elapsed is not None else None,
        moving_s=round(moving) if moving is not None else None,
    )


class _Reader:
    def __init__(self, scratch_dir: Path, limits: Limits) -> None:
        self.scratch_dir = scratch_dir
        self.limits = limits
        self.total_bytes = 0

    def member_problem(self, info: zipfile.ZipInfo, *, max_bytes: int) -> str:
        """Why a member may not be read, or ``""`` when it may."""
        if unsafe_name(info.filename):
            return "The name climbs out of the archive's folder (path traversal); not read."
        if info.flag_bits & 0x1:
            return "The file is encrypted."
        if info.file_size == 0:
            return "The file is empty (0 bytes)."
        if info.file_size > max_bytes:
            return f"The file unpacks to {info.file_size} bytes, over the {max_bytes} byte limit."
        if info.file_size / max(info.compress_size, 1) > self.limits.max_ratio:
            return (
                f"The file unpacks to over {self.limits.max_ratio:.0f} times its packed size "
                "(a ZIP bomb); not read."
            )
        if self.total_bytes + info.file_size > self.limits.max_total_bytes:
            return (
                f"The archive unpacks to more than {self.limits.max_total_bytes} bytes in all; "
                "the rest is not read."
            )
        return ""

    def opener(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
        def open_member() -> IO[bytes]:
            return archive.open(info)

        return open_member

    def file_entry(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, row: ActivityRow | None
    ) -> ArchiveEntry:
        problem = self.member_problem(info, max_bytes=self.limits.max_member_bytes)
        if problem:
            return ArchiveEntry(name=name, kind=EntryKind.PROBLEM, row=row, reason=problem)
        self.total_bytes += info.file_size
        return ArchiveEntry(
            name=name, kind=EntryKind.FILE, row=row, opener=self.opener(archive, info)
        )

    def walk(self, archive: zipfile.ZipFile, *, prefix: str, depth: int) -> Iterator[ArchiveEntry]:
        names = {info.filename for info in archive.infolist()}
        if depth == 0 and "activities.csv" in names:
            yield from self.strava(archive)
            return
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = prefix + info.filename
            lowered = info.filename.lower()
            if lowered.endswith(".zip"):
                yield from self.nested(archive, info, name=name, depth=depth)
            elif lowered.endswith(ACTIVITY_SUFFIXES):
                yield self.file_entry(archive, info, name, None)
            # Garmin's export is mostly account data (JSON, CSV, pictures): not activities,
            # so neither counted nor reported.

    def nested(
        self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str, depth: int
    ) -> Iterator[ArchiveEntry]:
        if depth + 1 > self.limits.max_depth:
            yield ArchiveEntry(
                name=name,
                kind=EntryKind.PROBLEM,
                reason=f"A ZIP nested deeper than {self.limits.max_depth} level(s); not opened.",
            )
            return
        problem = self.member_problem(info, max_bytes=self.limits.max_nested_zip_bytes)
        if problem:
            yield ArchiveEntry(name=name, kind=EntryKind.PROBLEM, reason=problem)
            return
        self.total_bytes += info.file_size
        handle, scratch = tempfile.mkstemp(suffix=".zip", dir=self.scratch_dir)
        try:
            try:
                with os.fdopen(handle, "wb") as out, archive.open(info) as member:
                    shutil.copyfileobj(member, out, _CHUNK_BYTES)
                inner = zipfile.ZipFile(scratch)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield ArchiveEntry(
                    name=name, kind=EntryKind.PROBLEM, reason=f"The nested ZIP is damaged: {exc}."
                )
                return
            with inner:
                yield from self.walk(inner, prefix=name + "/", depth=depth + 1)
        finally:
            Path(scratch).unlink(missing_ok=True)

    def strava(self, archive: zipfile.ZipFile) -> Iterator[ArchiveEntry]:
        named: set[str] = set()
        with archive.open("activities.csv") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(text)
            header = next(reader, [])
            keys, unknown = _header_keys(header)
            if unknown:
                yield ArchiveEntry(
                    name="activities.csv",
                    kind=EntryKind.NOTICE,
                    reason="Columns not known, ignored: " + ", ".join(unknown) + ".",
                )
            if "filename" not in keys and "type" not in keys:
                yield ArchiveEntry(
                    name="activities.csv",
                    kind=EntryKind.PROBLEM,
                    reason="activities.csv has neither a file-name nor a type column.",
                )
            for values in reader:
                line = reader.line_num
                label = f"activities.csv line {line}"
                try:
                    row = parse_row(keys, values, line=line)
                except ValueError as exc:
                    yield ArchiveEntry(
                        name=label, kind=EntryKind.PROBLEM, reason=f"The row is not usable: {exc}."
                    )
                    continue
                if not row.filename:
                    yield ArchiveEntry(name=label, kind=EntryKind.MANUAL, row=row)
                    continue
                named.add(row.filename)
                try:
                    info = archive.getinfo(row.filename)
                except KeyError:
                    yield ArchiveEntry(
                        name=row.filename,
                        kind=EntryKind.PROBLEM,
                        row=row,
                        reason=f"{label} names a file the archive does not hold.",
                    )
                    continue
                yield self.file_entry(archive, info, row.filename, row)
        for info in archive.infolist():
            path = PurePosixPath(info.filename)
            if info.is_dir() or info.filename in named or path.parts[:1] != ("activities",):
                continue
            if info.filename.lower().endswith(ACTIVITY_SUFFIXES):
                yield self.file_entry(archive, info, info.filename, None)


def read_archive(
    path: str | os.PathLike[str], *, scratch_dir: str | os.PathLike[str], limits: Limits = Limits()
) -> Iterator[ArchiveEntry]:
    """The entries of the archive at ``path`` (see the module docstring). Raises
    ``ArchiveError`` when it is not a ZIP archive; a damaged member fails only itself."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(f"The upload is not a readable ZIP archive ({exc}).") from exc
    with archive:
        yield from _Reader(Path(scratch_dir), limits).walk(archive, prefix="", depth=0)
