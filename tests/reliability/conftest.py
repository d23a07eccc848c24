"""Reliability tests (issue 9): the fuzz reports how much it sent at the end of the run."""

from __future__ import annotations

from tests.reliability import fuzz_stats


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    total = sum(fuzz_stats.requests_by_status.values())
    if not total:
        return
    by_status = ", ".join(
        f"{code}: {count}" for code, count in sorted(fuzz_stats.requests_by_status.items())
    )
    terminalreporter.write_line(
        f"schema fuzz: {total} requests over {len(fuzz_stats.operations)} operations ({by_status})"
    )
