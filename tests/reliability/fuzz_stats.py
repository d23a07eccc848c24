"""Counters the schema fuzz fills in and the terminal summary reports (docs/PRODUCTION.md quotes
them)."""

from __future__ import annotations

from collections import Counter

requests_by_status: Counter[int] = Counter()
operations: set[str] = set()
