"""The analytics tests' fixed "today" and a short datetime builder."""

from __future__ import annotations

from datetime import UTC, date, datetime

TODAY = date(2025, 3, 12)  # a Wednesday; its ISO week starts Monday 10 March


def at(year: int, month: int, day: int, hour: int = 7, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
