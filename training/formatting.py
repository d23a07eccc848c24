"""Presentation of SI values in a runner's units: the one place that turns metres, seconds and
seconds-per-km into the text a runner reads, and reads typed text back (docs/ARCHITECTURE.md).

Pure functions; the template filters in ``dashboard.templatetags.units`` and the SVG charts call
these so a number is never formatted two different ways.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# The parsers (typed text back to SI) live in training/unit_parsers.py; the duration reader is
# re-exported here for the dashboard's forms.
from training.unit_parsers import M_PER_KM, M_PER_MI
from training.unit_parsers import DurationParseError as DurationParseError
from training.unit_parsers import parse_duration as parse_duration

UNIT_METRES = {"km": M_PER_KM, "mi": M_PER_MI}
DEFAULT_UNITS = "km"


def metres_per_unit(units: str) -> float:
    return UNIT_METRES.get(units, M_PER_KM)


def unit_label(units: str) -> str:
    return "mi" if units == "mi" else "km"


def distance_in_units(distance_m: float | None, units: str) -> float | None:
    if distance_m is None:
        return None
    return distance_m / metres_per_unit(units)


def distance_to_m(value: Decimal | float, units: str) -> float:
    """A distance typed in the runner's unit, in metres."""
    return float(value) * metres_per_unit(units)


def format_distance(distance_m: float | None, units: str, *, decimals: int = 2) -> str:
    """``10000, "mi"`` → ``"6.21 mi"``; an em dash when there is nothing to show."""
    value = distance_in_units(distance_m, units)
    if value is None:
        return "—"
    return f"{value:.{decimals}f} {unit_label(units)}"


def format_distance_number(distance_m: float | None, units: str, *, decimals: int = 2) -> str:
    value = distance_in_units(distance_m, units)
    return "—" if value is None else f"{value:.{decimals}f}"


def format_clock(seconds: float | None) -> str:
    """``3723`` → ``"1:02:03"``: hours, minutes and seconds, rounded to the second."""
    if seconds is None:
        return "—"
    total = round(seconds)
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


def format_clock_short(seconds: float | None, *, empty: str = "—") -> str:
    """``510`` → ``"8:30"``, ``3723`` → ``"1:02:03"``: m:ss under an hour, for tables and files
    where a leading ``0:`` is noise; ``empty`` for no value."""
    if seconds is None:
        return empty
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_duration(seconds: float | None) -> str:
    """Durations always read as h:mm:ss (``2700`` → ``"0:45:00"``), the form the log-run
    field accepts."""
    return format_clock(seconds)


def pace_in_units(pace_s_per_km: float | None, units: str) -> float | None:
    if pace_s_per_km is None:
        return None
    return pace_s_per_km * metres_per_unit(units) / M_PER_KM


NO_BREAK_SPACE = "\N{NO-BREAK SPACE}"


def format_pace_number(pace_s_per_km: float | None, units: str, *, empty: str = "—") -> str:
    """``300, "mi"`` → ``"8:03"``: the pace per mile or km rounded to the second, as m:ss
    (h:mm:ss from an hour per unit on); ``empty`` when there is no pace."""
    value = pace_in_units(pace_s_per_km, units)
    if value is None or value <= 0:
        return empty
    return format_clock_short(value)


def format_pace(pace_s_per_km: float | None, units: str, *, gap: str = " ") -> str:
    """``300, "km"`` → ``"5:00 /km"``; ``300, "mi"`` → ``"8:03 /mi"``; an em dash for no pace.

    ``gap`` separates the number from the unit: ``""`` for files, where the unit is glued on
    (``"4:30/km"`` in calendar events), ``NO_BREAK_SPACE`` for table cells that must not wrap
    before the unit (the admin's columns).
    """
    number = format_pace_number(pace_s_per_km, units)
    return number if number == "—" else f"{number}{gap}/{unit_label(units)}"


def format_pace_range(
    fast_s_per_km: float | None, slow_s_per_km: float | None, units: str, *, gap: str = " "
) -> str:
    """``255, 265, "km"`` → ``"4:15-4:25 /km"`` (joined by an en dash); ``gap`` as for
    ``format_pace``."""
    if fast_s_per_km is None or slow_s_per_km is None:
        return "—"
    fast = format_pace_number(fast_s_per_km, units)
    slow = format_pace_number(slow_s_per_km, units)
    return f"{fast}\N{EN DASH}{slow}{gap}/{unit_label(units)}"


def format_metres_change(value_m: float | None) -> str:
    """An elevation change rounded to the metre with its sign: ``+13 m``, ``-1 m``, ``0 m``."""
    if value_m is None:
        return "—"
    rounded = round(value_m)
    return f"{rounded:+d} m" if rounded else "0 m"


# --- typed-text forms (what the admin's fields show, read back by training/unit_parsers.py) ---


def _trimmed(value: float, decimals: int = 3) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text or "0"


def format_distance_input(distance_m: float | None, units: str) -> str:
    """A distance as a coach types it: ``10000, "km"`` → ``"10 km"``, ``16093.44, "mi"`` →
    ``"10 mi"``, ``10000, "mi"`` → ``"10 km"``, ``400`` → ``"400 m"``, ``10500.5, "mi"`` →
    ``"6.525 mi"``; ``""`` for none."""
    if distance_m is None:
        return ""
    in_units = distance_m / metres_per_unit(units)
    # The runner's unit when the number is short there; else a whole km or metre count, which
    # reads back exactly (1 km for a miles runner rather than 0.621 mi).
    if abs(in_units * 100 - round(in_units * 100)) < 1e-6 and distance_m >= M_PER_KM:
        return f"{_trimmed(in_units, 2)} {unit_label(units)}"
    if float(distance_m).is_integer():
        if distance_m % M_PER_KM == 0:
            return f"{int(distance_m // M_PER_KM)} km"
        return f"{int(distance_m)} m"
    return f"{_trimmed(in_units)} {unit_label(units)}"


def format_pace_input(pace_s_per_km: float | None, units: str) -> str:
    """A pace as typed, per the runner's unit, without the unit: ``345, "km"`` → ``"5:45"``."""
    return format_pace_number(pace_s_per_km, units, empty="")


def format_step(step: dict[str, Any], units: str) -> str:
    """One step as a row: ``work 1 km at 4:00``, ``6 x work 400 m at 1:30-1:35``,
    ``recovery 2:00``; a block as ``5 x [work 1 km at 4:00; recovery 2:00]``."""
    if step.get("kind") == "repeat":
        inner = "; ".join(format_step(s, units) for s in step.get("steps", []))
        return f"{step.get('repeat', 1)} x [{inner}]"
    if step.get("distance_m") is not None:
        amount = format_distance_input(step["distance_m"], units)
    else:
        amount = format_clock_short(step.get("duration_s"))
    text = f"{step.get('kind')} {amount}"
    fast, slow = step.get("target_pace_min_s_per_km"), step.get("target_pace_max_s_per_km")
    if fast is not None and slow is not None:
        fast_text, slow_text = format_pace_input(fast, units), format_pace_input(slow, units)
        text += f" at {fast_text}" if fast_text == slow_text else f" at {fast_text}-{slow_text}"
    repeat = step.get("repeat", 1)
    return f"{repeat} x {text}" if repeat != 1 else text


def format_steps_text(steps: list[dict[str, Any]] | None, units: str) -> str:
    """Validated steps as rows, one per line, in the runner's units (the admin's steps field;
    ``training.unit_parsers.parse_steps_text`` reads them back)."""
    return "\n".join(format_step(step, units) for step in steps or [])
