"""The pure archive reader: both layouts, and every hostile or broken input reported per entry."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from tests.training.history.archives import garmin_archive, strava_archive
from training.history.archive import (
    ArchiveError,
    EntryKind,
    Limits,
    parse_number,
    read_archive,
    unsafe_name,
)


def entries(path, tmp_path, **limits):
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return list(read_archive(path, scratch_dir=scratch, limits=Limits(**limits)))


def test_strava_layout_with_german_headers_and_repeated_columns(tmp_path):
    found = entries(strava_archive(tmp_path / "strava.zip"), tmp_path)
    by_name = {entry.name: entry for entry in found}
    notice = by_name["activities.csv"]
    assert notice.kind == EntryKind.NOTICE
    assert "Glücksfaktor" in notice.reason
    first = by_name["activities/1.gpx"]
    assert first.kind == EntryKind.FILE
    assert first.row is not None
    assert first.row.notes == "Morgenlauf\n\nLocker"
    assert first.row.is_run
    # The second "Distanz" (metres) wins over the first (km with a decimal comma).
    assert first.row.distance_m == pytest.approx(1800.0)
    assert first.row.started_at == datetime(2024, 3, 4, 7, 0, tzinfo=UTC)
    ride = by_name["activities/5.gpx"]
    assert ride.row is not None and not ride.row.is_run
    manual = [entry for entry in found if entry.kind == EntryKind.MANUAL]
    assert len(manual) == 1
    assert manual[0].row is not None
    assert (manual[0].row.distance_m, manual[0].row.moving_s) == (5000.0, 1500)
    empty = by_name["activities/empty.gpx"]
    assert empty.kind == EntryKind.PROBLEM
    assert "0 bytes" in empty.reason
    assert "profile.csv" not in by_name


def test_an_entry_streams_its_member_while_it_is_the_current_one(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    starts = {}
    for entry in read_archive(strava_archive(tmp_path / "s.zip"), scratch_dir=scratch):
        if entry.kind == EntryKind.FILE:
            with entry.open() as stream:
                starts[entry.name] = stream.read(5)
    assert starts["activities/1.gpx"] == b"<?xml"
    assert starts["activities/2.gpx.gz"][:2] == b"\x1f\x8b"


def test_garmin_layout_reads_nested_part_zips_and_ignores_account_data(tmp_path):
    found = entries(garmin_archive(tmp_path / "garmin.zip"), tmp_path)
    names = [entry.name.rsplit("/", 1)[-1] for entry in found]
    assert names == [
        "runner_2024-03-04.fit",
        "runner_2024-03-05.fit",
        "ride.fit",
        "runner_2024-03-07.fit",
        "settings.fit",
    ]
    assert {entry.kind for entry in found} == {EntryKind.FILE}
    assert found[0].name.startswith("DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1")
    # Nested ZIPs were unpacked to scratch files that are gone once read.
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_file_that_is_not_a_zip_raises_archive_error(tmp_path):
    path = tmp_path / "damaged.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ArchiveError, match="not a readable ZIP"):
        entries(path, tmp_path)


def test_zip_bomb_by_ratio_is_reported_not_read(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities/bomb.gpx", b"\0" * 5_000_000)
        archive.writestr("activities/ok.gpx", b"<gpx/>")
    found = {entry.name: entry for entry in entries(path, tmp_path)}
    assert found["activities/bomb.gpx"].kind == EntryKind.PROBLEM
    assert "ZIP bomb" in found["activities/bomb.gpx"].reason
    assert found["activities/ok.gpx"].kind == EntryKind.FILE


def test_total_size_cap_stops_the_rest(tmp_path):
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for index in range(3):
            archive.writestr(f"activities/{index}.gpx", b"x" * 1000)
    found = entries(path, tmp_path, max_total_bytes=2500)
    assert [entry.kind for entry in found] == [EntryKind.FILE, EntryKind.FILE, EntryKind.PROBLEM]
    assert "in all" in found[2].reason


def test_path_traversal_names_are_reported_and_nothing_is_written_outside(tmp_path):
    path = tmp_path / "evil.zip"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("x.fit", b"data")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../etc/evil.gpx", b"<gpx/>")
        archive.writestr("/abs/evil.fit", b"data")
        archive.writestr("..\\win\\evil.tcx", b"data")
        archive.writestr("../escape.zip", inner.getvalue())
    (tmp_path / "scratch").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    found = entries(path, tmp_path)
    assert len(found) == 4
    assert all(entry.kind == EntryKind.PROBLEM for entry in found)
    assert all("path traversal" in entry.reason for entry in found)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    ("name", "unsafe"),
    [("a/b.gpx", False), ("../a.gpx", True), ("a/../../b", True), ("C:evil", True), ("", True)],
)
def test_unsafe_name(name, unsafe):
    assert unsafe_name(name) is unsafe


def test_nesting_beyond_one_level_is_reported(tmp_path):
    deepest = io.BytesIO()
    with zipfile.ZipFile(deepest, "w") as zf:
        zf.writestr("deep.fit", b"data")
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as zf:
        zf.writestr("inner.zip", deepest.getvalue())
        zf.writestr("ok.fit", b"data")
    path = tmp_path / "nested.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("part.zip", middle.getvalue())
    found = entries(path, tmp_path)
    assert [(entry.name, entry.kind) for entry in found] == [
        ("part.zip/inner.zip", EntryKind.PROBLEM),
        ("part.zip/ok.fit", EntryKind.FILE),
    ]
    assert "nested deeper" in found[0].reason


def test_a_damaged_nested_zip_fails_only_itself(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("part.zip", b"not a zip at all")
        archive.writestr("good.fit", b"data")
    found = entries(path, tmp_path)
    assert [entry.kind for entry in found] == [EntryKind.PROBLEM, EntryKind.FILE]
    assert "damaged" in found[0].reason


def test_csv_naming_a_missing_file_and_a_bad_date(tmp_path):
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "activities.csv",
            "Activity ID,Activity Date,Activity Type,Filename,Mystery\n"
            "1,yesterday-ish,Run,activities/1.gpx,\n"
            '2,"Mar 5, 2021, 7:01:02 AM",Run,activities/gone.gpx,\n',
        )
    found = entries(path, tmp_path)
    assert [entry.kind for entry in found] == [
        EntryKind.NOTICE,
        EntryKind.PROBLEM,
        EntryKind.PROBLEM,
    ]
    assert "Mystery" in found[0].reason
    assert "not a date" in found[1].reason
    assert "does not hold" in found[2].reason


@pytest.mark.parametrize(
    ("text", "value"),
    [("10,5", 10.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("42", 42.0), ("", None)],
)
def test_parse_number_reads_localised_decimals(text, value):
    assert parse_number(text) == value
