"""Compare Python FIT decoders on real files: what each decodes, what it refuses, what it reads.

Not part of the test suite: it is how the importer's decoder was chosen (docs/API.md, "Importing
activity files"), and how to re-check the choice when a decoder releases. For every FIT file in
the given folders (default: the test corpus) and every decoder that is importable, it prints
whether the file decoded, the sessions' sport / distance / timer time, how many record messages
carry a timestamp (compressed-timestamp headers leave them without one in decoders that skip
them), and the decode time; then a summary per decoder and the time on a synthetic marathon at
1 Hz. Decoders not installed are skipped; install them beside the dev requirements to compare:

    .venv/bin/pip install fitdecode==0.11.0 fitparse==1.2.0 fitfast==0.1.0 \\
        pyfitparsernative==0.2.3
    .venv/bin/python bench/fit_decoders.py [FOLDER ...]
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_FOLDERS = [ROOT / "tests" / "files" / "corpus" / "fit"]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


@dataclass
class Reading:
    """What one decoder made of one file (``error`` set when it refused it)."""

    error: str | None = None
    sessions: list[tuple[str, float | None, float | None]] | None = None
    timed_records: int = 0
    seconds: float = 0.0


def _session_tuple(sport: Any, distance: Any, timer: Any) -> tuple[str, float | None, float | None]:
    def num(value: Any) -> float | None:
        return round(float(value), 1) if isinstance(value, int | float) else None

    return (str(sport), num(distance), num(timer))


def read_garmin_sdk(content: bytes) -> Reading:
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_byte_array(bytearray(content)))
    messages, errors = decoder.read(
        convert_datetimes_to_dates=False, expand_sub_fields=False, merge_heart_rates=False
    )
    if errors:
        return Reading(error=str(errors[0]))
    sessions = [
        _session_tuple(s.get("sport"), s.get("total_distance"), s.get("total_timer_time"))
        for s in messages.get("session_mesgs", [])
    ]
    timed = sum(1 for r in messages.get("record_mesgs", []) if "timestamp" in r)
    return Reading(sessions=sessions, timed_records=timed)


def read_fitdecode(content: bytes) -> Reading:
    import fitdecode

    sessions = []
    timed = 0
    try:
        with fitdecode.FitReader(io.BytesIO(content), check_crc=fitdecode.CrcCheck.RAISE) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "record" and frame.get_value("timestamp", fallback=None):
                    timed += 1
                elif frame.name == "session":
                    sessions.append(
                        _session_tuple(
                            frame.get_value("sport", fallback=None),
                            frame.get_value("total_distance", fallback=None),
                            frame.get_value("total_timer_time", fallback=None),
                        )
                    )
    except Exception as exc:
        return Reading(error=f"{type(exc).__name__}: {exc}")
    return Reading(sessions=sessions, timed_records=timed)


def read_fitparse(content: bytes) -> Reading:
    import fitparse

    try:
        fit = fitparse.FitFile(content)
        fit.parse()
        sessions = [
            _session_tuple(
                m.get_value("sport"), m.get_value("total_distance"), m.get_value("total_timer_time")
            )
            for m in fit.get_messages("session")
        ]
        timed = sum(1 for m in fit.get_messages("record") if m.get_value("timestamp"))
    except Exception as exc:
        return Reading(error=f"{type(exc).__name__}: {exc}")
    return Reading(sessions=sessions, timed_records=timed)


def read_fitfast(content: bytes) -> Reading:
    import fitfast

    try:
        data = fitfast.parse(content)
    except Exception as exc:
        return Reading(error=f"{type(exc).__name__}: {exc}")
    sessions = [
        _session_tuple(s.get("sport"), s.get("total_distance"), s.get("total_timer_time"))
        for s in data.get("session", [])
    ]
    timed = sum(1 for r in data.get("record", []) if "timestamp" in r)
    return Reading(sessions=sessions, timed_records=timed)


def read_pyfitparsernative(content: bytes) -> Reading:
    import pyfitparsernative

    try:
        messages = pyfitparsernative.parse_fit_bytes(content)
    except Exception as exc:
        return Reading(error=f"{type(exc).__name__}: {exc}")
    sessions = [
        _session_tuple(m.get("sport"), m.get("total_distance"), m.get("total_timer_time"))
        for m in messages
        if m["message_type"] == "session"
    ]
    timed = sum(1 for m in messages if m["message_type"] == "record" and "timestamp" in m)
    return Reading(sessions=sessions, timed_records=timed)


def read_importer(content: bytes) -> Reading:
    """The project's own FIT reader (training/importers/fit.py), for the same table."""
    from training.importers.fit import read_fit_messages

    try:
        messages = read_fit_messages(content)
    except Exception as exc:
        return Reading(error=f"{type(exc).__name__}: {exc}")
    sessions = [
        _session_tuple(s.get("sport"), s.get("total_distance"), s.get("total_timer_time"))
        for s in messages.get("session", [])
    ]
    timed = sum(1 for r in messages.get("record", []) if "timestamp" in r)
    return Reading(sessions=sessions, timed_records=timed)


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


CANDIDATES: dict[str, tuple[str, str, Callable[[bytes], Reading]]] = {
    "garmin-fit-sdk": ("garmin_fit_sdk", "garmin-fit-sdk", read_garmin_sdk),
    "fitdecode": ("fitdecode", "fitdecode", read_fitdecode),
    "fitparse": ("fitparse", "fitparse", read_fitparse),
    "fitfast": ("fitfast", "fitfast", read_fitfast),
    "pyfitparsernative": ("pyfitparsernative", "pyfitparsernative", read_pyfitparsernative),
}


def available() -> dict[str, Callable[[bytes], Reading]]:
    import importlib

    found: dict[str, Callable[[bytes], Reading]] = {}
    for label, (module, distribution, reader) in CANDIDATES.items():
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        version = _version(distribution)
        if label == "fitparse" and version == "?":
            version = "python-fitparse " + _version("python-fitparse")
        found[f"{label} {version}"] = reader
    found["importer (training/importers/fit.py)"] = read_importer
    return found


def timed_read(reader: Callable[[bytes], Reading], content: bytes) -> Reading:
    times = []
    reading = Reading()
    for _ in range(REPEATS):
        started = time.perf_counter()
        try:
            reading = reader(content)
        except Exception as exc:  # a crash counts as a refusal, with its type
            reading = Reading(error=f"crash {type(exc).__name__}: {exc}")
        times.append(time.perf_counter() - started)
    reading.seconds = min(times)
    return reading


def marathon_fit() -> bytes:
    """42.195 km at one record per second (12 659 records), written by fit-tool."""
    from tests.training.importers.builders import Leg, fit_bytes, route

    speed_m_s = 1000 / 300
    total_s = round(42_195 / speed_m_s)
    legs = [
        Leg(min(300, total_s - i), speed_m_s, bearing_deg=(i // 300 % 4) * 90.0, hr_bpm=150)
        for i in range(0, total_s, 300)
    ]
    return fit_bytes(route(legs, start=datetime(2026, 4, 26, 8, 0, tzinfo=UTC)))


def main(argv: list[str]) -> None:
    folders = [Path(a) for a in argv] or DEFAULT_FOLDERS
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.suffix.lower() == ".fit")
    decoders = available()
    results: dict[str, dict[Path, Reading]] = {name: {} for name in decoders}
    for path in files:
        content = path.read_bytes()
        print(f"\n{path} ({len(content)} bytes)")
        for name, reader in decoders.items():
            reading = timed_read(reader, content)
            results[name][path] = reading
            if reading.error:
                what = f"REFUSED {reading.error[:90]}"
            else:
                what = f"sessions {reading.sessions} timed records {reading.timed_records}"
            print(f"  {name:<40} {reading.seconds * 1000:8.1f} ms  {what}")

    print("\nSummary (files decoded / refused, total decode time):")
    for name in decoders:
        readings = results[name].values()
        refused = sum(1 for r in readings if r.error)
        total_s = sum(r.seconds for r in readings)
        print(f"  {name:<40} {len(files) - refused:3d} / {refused:3d}   {total_s:6.2f} s")

    print("\nFiles where decoders disagree (sessions or timed records):")
    for path in files:
        seen = {
            name: ("refused" if r.error else (r.sessions, r.timed_records))
            for name, r in ((n, results[n][path]) for n in decoders)
        }
        if len({repr(v) for v in seen.values()}) > 1:
            print(f"  {path.name}")
            for name, value in seen.items():
                print(f"    {name:<40} {value}")

    content = marathon_fit()
    print(f"\nSynthetic marathon, 1 Hz, {len(content)} bytes (best of {REPEATS}):")
    for name, reader in decoders.items():
        reading = timed_read(reader, content)
        note = reading.error or f"{reading.timed_records} timed records"
        print(f"  {name:<40} {reading.seconds:6.3f} s  {note}")


if __name__ == "__main__":
    main(sys.argv[1:])
