"""What a coach or runner types, read into SI units (issue 17, human units): distances as
``10``, ``10 km``, ``6.2 mi`` or ``400 m``; durations as ``45:00`` or ``1:42:40``; paces as
``5:45`` per km or per mile by the runner's units; structured steps one per row with repeat
blocks (``5 x [work 1 km at 4:00; recovery 2:00]``).

Pure (no Django): the admin's form fields and the dashboard's forms call these and turn
``UnitParseError`` into a field error, whose message says what to type. The inverse, SI values
as text, is ``training/formatting.py``.
"""

from __future__ import annotations

import re
from typing import Any

M_PER_KM = 1000.0
M_PER_MI = 1609.344  # international mile, exact by definition
# The units a distance may be typed in, by every spelling accepted (lower case).
DISTANCE_UNITS_M = {
    "km": M_PER_KM,
    "k": M_PER_KM,
    "mi": M_PER_MI,
    "mile": M_PER_MI,
    "miles": M_PER_MI,
    "m": 1.0,
}
PACE_UNITS_M = {"km": M_PER_KM, "mi": M_PER_MI, "mile": M_PER_MI}
STEP_KIND_WORDS = {
    "warmup": "warmup",
    "warm-up": "warmup",
    "work": "work",
    "recovery": "recovery",
    "jog": "recovery",
    "rest": "recovery",
    "cooldown": "cooldown",
    "cool-down": "cooldown",
}
MAX_BLOCK_REPEAT = 50


class UnitParseError(ValueError):
    """Typed text that is not a distance, duration, pace or step; the message says what to
    type instead."""


class DurationParseError(UnitParseError):
    pass


def _unit_metres(units: str) -> float:
    return PACE_UNITS_M.get(units, M_PER_KM)


def _unit_name(units: str) -> str:
    return "mi" if units == "mi" else "km"


_NUMBER = r"(\d+(?:\.\d+)?|\.\d+)"
_DISTANCE_RE = re.compile(rf"^{_NUMBER}\s*([a-z]*)$")


def parse_distance_m(text: str | None, units: str) -> float | None:
    """``"10"`` (in the runner's ``units``), ``"10 km"``, ``"6.2 mi"``, ``"400 m"`` → metres;
    blank → ``None``. A decimal point, not a comma; above zero."""
    cleaned = (text or "").strip().lower()
    if not cleaned:
        return None
    hint = f"Enter a distance such as 10 (in {_unit_name(units)}), 10 km, 6.2 mi or 400 m."
    match = _DISTANCE_RE.match(cleaned)
    if not match:
        raise UnitParseError(hint)
    number, unit = float(match.group(1)), match.group(2)
    if unit and unit not in DISTANCE_UNITS_M:
        raise UnitParseError(hint)
    if number <= 0:
        raise UnitParseError("The distance must be above zero. " + hint)
    metres_per = DISTANCE_UNITS_M[unit] if unit else _unit_metres(units)
    return round(number * metres_per, 3)


_DURATION_RE = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2})$")


def parse_duration(text: str) -> int:
    """Read ``h:mm:ss`` or ``mm:ss`` into whole seconds.

    ``"1:02:03"`` → 3723, ``"45:00"`` → 2700. Minutes and seconds past the hour must be below
    60 when hours are given; without hours any number of minutes is accepted (``"75:00"``).
    Raises ``DurationParseError`` for anything else.
    """
    match = _DURATION_RE.match((text or "").strip())
    if not match:
        raise DurationParseError("Enter the time as h:mm:ss or mm:ss, e.g. 1:05:30 or 42:15.")
    hours_text, minutes_text, seconds_text = match.groups()
    minutes, seconds = int(minutes_text), int(seconds_text)
    if seconds >= 60 or (hours_text is not None and minutes >= 60):
        raise DurationParseError("Minutes and seconds must be below 60 (h:mm:ss or mm:ss).")
    return int(hours_text or 0) * 3600 + minutes * 60 + seconds


def parse_duration_s(text: str | None) -> int | None:
    """``"45:00"`` → 2700, ``"1:42:40"`` → 6160; blank → ``None``; zero is refused."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    seconds = parse_duration(cleaned)
    if seconds <= 0:
        raise DurationParseError("The time must be above zero, e.g. 45:00 or 1:42:40.")
    return seconds


_PACE_RE = re.compile(r"^(\d+):(\d{2})\s*(?:(?:min)?\s*/\s*([a-z]+))?$")


def parse_pace_s_per_km(text: str | None, units: str) -> float | None:
    """``"5:45"`` per km or per mile by the runner's ``units`` (``"5:45 /km"`` or
    ``"9:15/mi"`` name the unit) → seconds per km; blank → ``None``."""
    cleaned = (text or "").strip().lower()
    if not cleaned:
        return None
    hint = (
        f"Enter a pace as minutes:seconds per {_unit_name(units)}, e.g. 5:45 "
        "(or name the unit: 5:45 /km, 9:15 /mi)."
    )
    match = _PACE_RE.match(cleaned)
    if not match:
        raise UnitParseError(hint)
    minutes, seconds, unit = int(match.group(1)), int(match.group(2)), match.group(3)
    if seconds >= 60:
        raise UnitParseError("Seconds must be below 60. " + hint)
    if unit is not None and unit not in PACE_UNITS_M:
        raise UnitParseError(hint)
    per_unit_s = minutes * 60 + seconds
    if per_unit_s <= 0:
        raise UnitParseError("The pace must be above zero. " + hint)
    metres = PACE_UNITS_M[unit] if unit is not None else _unit_metres(units)
    return round(per_unit_s * M_PER_KM / metres, 3)


# --- structured steps, one per row -----------------------------------------------------------

_BLOCK_RE = re.compile(r"^(\d+)\s*[x\u00d7*]\s*\[(.*)\]$")
_REPEAT_STEP_RE = re.compile(r"^(\d+)\s*[x\u00d7*]\s*(.+)$")
_AT_RE = re.compile(r"\s+(?:at|@)\s+|\s*@\s*")


def _parse_amount(text: str, units: str, where: str) -> dict[str, Any]:
    """``"1 km"``/``"400 m"``/``"2"`` → ``distance_m``; ``"2:00"``/``"90 s"``/``"2 min"`` →
    ``duration_s``."""
    cleaned = text.strip().lower()
    minutes = re.match(r"^(\d+(?:\.\d+)?)\s*min$", cleaned)
    seconds = re.match(r"^(\d+)\s*s(?:ec)?$", cleaned)
    try:
        if ":" in cleaned:
            return {"duration_s": parse_duration_s(cleaned)}
        if minutes:
            value = round(float(minutes.group(1)) * 60)
            if value <= 0:
                raise UnitParseError("zero")
            return {"duration_s": value}
        if seconds:
            if int(seconds.group(1)) <= 0:
                raise UnitParseError("zero")
            return {"duration_s": int(seconds.group(1))}
        return {"distance_m": parse_distance_m(cleaned, units)}
    except UnitParseError:
        raise UnitParseError(
            f"{where}: “{text.strip()}” is neither a distance (1 km, 400 m, 2 mi) nor a time "
            "(2:00, 90 s, 2 min)."
        ) from None


def _parse_step(text: str, units: str, where: str, repeat: int = 1) -> dict[str, Any]:
    """``"work 1 km at 4:00"``, ``"recovery 2:00"``, ``"work 400 m at 1:30-1:35 /km"``."""
    fields = _AT_RE.split(text.strip(), maxsplit=1)
    head = fields[0].strip()
    parts = head.split(None, 1)
    example = "work 1 km at 4:00, recovery 2:00 or warmup 2 km"
    if len(parts) != 2:
        raise UnitParseError(f"{where}: write the kind then the amount, e.g. {example}.")
    kind = STEP_KIND_WORDS.get(parts[0].lower())
    if kind is None:
        raise UnitParseError(
            f"{where}: start with warmup, work, recovery (or jog) or cooldown, e.g. {example}."
        )
    step: dict[str, Any] = {"kind": kind, "repeat": repeat, **_parse_amount(parts[1], units, where)}
    if len(fields) == 2:
        pace_text = fields[1].strip()
        unit_suffix = ""
        suffix = re.search(r"\s*(/\s*[a-z]+)$", pace_text.lower())
        if suffix:
            unit_suffix = suffix.group(1)
            pace_text = pace_text[: suffix.start()]
        bounds = [
            bound.strip() for bound in re.split(r"\s*[-\u2013]\s*", pace_text) if bound.strip()
        ]
        if not 1 <= len(bounds) <= 2:
            raise UnitParseError(f"{where}: give the pace as 4:00 or a range 3:55-4:05.")
        try:
            paces = [parse_pace_s_per_km(bound + unit_suffix, units) for bound in bounds]
        except UnitParseError as exc:
            raise UnitParseError(f"{where}: {exc}") from None
        fast, slow = min(paces), max(paces)  # type: ignore[type-var]
        step["target_pace_min_s_per_km"] = fast
        step["target_pace_max_s_per_km"] = slow
    return step


def parse_steps_text(text: str | None, units: str) -> list[dict[str, Any]]:
    """Steps typed one per row, in the runner's units, into the ``steps`` list of
    ``training/steps.py`` (distances in metres, paces in s/km):

    - ``warmup 2 km`` · ``work 1 km at 4:00`` · ``recovery 2:00`` · ``cooldown 10 min``
    - ``6 x work 400 m at 1:30-1:35`` (one step repeated)
    - ``5 x [work 1 km at 4:00; jog 2 min]`` (a repeat block: the steps in brackets, in turn,
      five times)

    Blank rows are skipped; ``at`` may be written ``@``. Raises ``UnitParseError`` naming the
    row."""
    steps: list[dict[str, Any]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"Row {number}"
        block = _BLOCK_RE.match(line)
        if block:
            repeat = int(block.group(1))
            if not 1 <= repeat <= MAX_BLOCK_REPEAT:
                raise UnitParseError(f"{where}: repeat a block 1 to {MAX_BLOCK_REPEAT} times.")
            inner = [part for part in re.split(r"[;+]", block.group(2)) if part.strip()]
            if not inner:
                raise UnitParseError(
                    f"{where}: put the steps inside the brackets, "
                    "e.g. 5 x [work 1 km at 4:00; jog 2 min]."
                )
            steps.append(
                {
                    "kind": "repeat",
                    "repeat": repeat,
                    "steps": [_parse_step(part, units, where) for part in inner],
                }
            )
            continue
        single = _REPEAT_STEP_RE.match(line)
        if single:
            repeat = int(single.group(1))
            if not 1 <= repeat <= MAX_BLOCK_REPEAT:
                raise UnitParseError(f"{where}: repeat a step 1 to {MAX_BLOCK_REPEAT} times.")
            steps.append(_parse_step(single.group(2), units, where, repeat=repeat))
            continue
        steps.append(_parse_step(line, units, where))
    return steps
