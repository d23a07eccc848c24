"""Every real FIT file of the corpus (tests/training/importers/corpus/) through the importer,
against what an
independent decoder (fitdecode, pure Python, no code shared with the importer's rustyfit) reads
in the same file. Which files are runs, other sports or damaged is decided from the file itself
by that decoder, never from a list of names.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fitdecode
import pytest

from training.importers import ActivityFileError, parse_activity

CORPUS = Path(__file__).parent / "corpus" / "fit"
FIT_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() == ".fit")
# What the importer imports (docs/API.md): runs, walks, hikes, and legs that name no sport.
IMPORTED_SPORTS = {"running", "walking", "hiking", "generic"}
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Session:
    sport: str
    sub_sport: str | None
    start: datetime | None
    distance_m: float | None
    elapsed_s: float | None
    timer_s: float | None
    avg_hr: int | None
    max_hr: int | None


@dataclass(frozen=True)
class Oracle:
    """What fitdecode reads: ``damaged`` when it refuses the file (bad CRC, cut short)."""

    damaged: bool
    file_type: str | None = None
    sessions: tuple[Session, ...] = ()
    timed_records: int = 0
    first_record: datetime | None = None


def _value(frame: fitdecode.FitDataMessage, name: str):
    return frame.get_value(name, fallback=None)


def _utc(value) -> datetime:
    """fitdecode leaves a compressed-timestamp record's time as seconds since the FIT epoch."""
    if isinstance(value, int):
        return FIT_EPOCH + timedelta(seconds=value)
    return value.astimezone(UTC)


@functools.cache
def oracle(path: Path) -> Oracle:
    sessions = []
    file_type = None
    timed = 0
    first_record = None
    try:
        with fitdecode.FitReader(
            io.BytesIO(path.read_bytes()), check_crc=fitdecode.CrcCheck.RAISE
        ) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "file_id" and file_type is None:
                    file_type = _value(frame, "type")
                elif frame.name == "record" and _value(frame, "timestamp") is not None:
                    timed += 1
                    first_record = first_record or _utc(_value(frame, "timestamp"))
                elif frame.name == "session":
                    start = _value(frame, "start_time")
                    sessions.append(
                        Session(
                            sport=str(_value(frame, "sport")),
                            sub_sport=_value(frame, "sub_sport"),
                            start=start.astimezone(UTC) if isinstance(start, datetime) else None,
                            distance_m=_value(frame, "total_distance"),
                            elapsed_s=_value(frame, "total_elapsed_time"),
                            timer_s=_value(frame, "total_timer_time"),
                            avg_hr=_value(frame, "avg_heart_rate"),
                            max_hr=_value(frame, "max_heart_rate"),
                        )
                    )
    except fitdecode.FitError:
        return Oracle(damaged=True)
    return Oracle(
        damaged=False,
        file_type=str(file_type) if file_type is not None else None,
        sessions=tuple(sessions),
        timed_records=timed,
        first_record=first_record,
    )


def expected_runs(found: Oracle) -> list[Session]:
    """The sessions that must become runs: an imported sport with a distance and a track."""
    return [
        s
        for s in found.sessions
        if s.sport in IMPORTED_SPORTS and s.distance_m and found.timed_records >= 2
    ]


def kind_of(path: Path) -> str:
    found = oracle(path)
    if found.damaged:
        return "damaged"
    if found.file_type not in (None, "activity"):
        return "not-an-activity"
    if expected_runs(found):
        return "run"
    if found.sessions and not any(s.sport in IMPORTED_SPORTS for s in found.sessions):
        return "other-sport"
    return "no-run-data"


def test_the_corpus_has_every_kind_of_file():
    kinds = {kind_of(path) for path in FIT_FILES}
    assert {"run", "damaged", "other-sport", "not-an-activity"} <= kinds
    assert len(FIT_FILES) == 42  # and the licence


@pytest.mark.parametrize("path", FIT_FILES, ids=lambda p: p.name)
def test_real_fit_file(path: Path):
    kind = kind_of(path)
    found = oracle(path)
    if kind == "damaged":
        with pytest.raises(ActivityFileError, match="truncated or corrupt"):
            parse_activity(path.read_bytes())
    elif kind == "not-an-activity":
        with pytest.raises(ActivityFileError, match="not an activity"):
            parse_activity(path.read_bytes())
    elif kind == "other-sport":
        with pytest.raises(ActivityFileError, match="not a run") as refused:
            parse_activity(path.read_bytes())
        named = {s.sport.replace("_", " ") for s in found.sessions}
        assert any(sport in refused.value.message for sport in named)
    elif kind == "no-run-data":
        # A running session without a distance, or no track: nothing a run can be made of.
        with pytest.raises(ActivityFileError, match=r"no distance|fewer than two"):
            parse_activity(path.read_bytes())
    else:
        assert_runs_equal_the_sessions(path, expected_runs(found))


def assert_runs_equal_the_sessions(path: Path, sessions: list[Session]) -> None:
    imported = parse_activity(path.read_bytes())
    assert len(imported.runs) == len(sessions)
    for run, session in zip(imported.runs, sessions, strict=True):
        # A session without a start time (pre-2010 devices) starts with its first record.
        assert run.started_at == (session.start or oracle(path).first_record)
        assert run.distance_m == pytest.approx(session.distance_m, rel=0.005)
        assert run.duration_s == pytest.approx(session.timer_s, abs=1)
        assert run.elapsed_s == pytest.approx(session.elapsed_s, abs=1)
        if session.avg_hr:
            assert run.avg_heart_rate == session.avg_hr
        if session.max_hr:
            assert run.max_heart_rate == session.max_hr
        assert run.point_count >= 2
    skipped = [s for s in oracle(path).sessions if s not in sessions and s.sport != "transition"]
    for session in skipped:
        assert any(session.sport.replace("_", " ") in w for w in imported.warnings)
