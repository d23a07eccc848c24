"""Presentation of SI values in a runner's units: the one place that turns metres, seconds and
seconds-per-km into the text a runner reads, and reads typed text back (docs/ARCHITECTURE.md).

Pure functions; the template filters in ``dashboard.templatetags.units`` and the SVG charts call
these so a number is never formatted two different ways.
"""

from __future__ import annotations

import re
from decimal import Decimal

M_PER_KM = 1000.0
M_PER_MI = 1609.344  # international mile, exact by definition
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


_DURATION_RE = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2})$")


class DurationParseError(ValueError):
    pass


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
