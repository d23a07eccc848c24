"""In-process timing of the analytics summary for the runner `bench` of DATABASE_URL: the
selector alone (``runner_summary``) and the whole request through Django's WSGI stack with the
production settings of bench/run.py (token auth, throttle, request log), each warmed up and then
timed N times (default 200). Prints the median and the fastest run in ms.

Wall-clock times on a shared machine: compare runs taken side by side (the minimum moves least).
Run from the root of the checkout whose code is to be timed, e.g. before/after a change:
``DATABASE_URL=… .venv/bin/python bench/summary_timing.py`` (docs/PERFORMANCE.md, section 22).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The checkout being timed is the working directory (so one copy of this script can time
# another checkout), then this one.
sys.path[:0] = [os.getcwd(), str(Path(__file__).resolve().parent.parent)]
WARM_UP = 20


def timed(label: str, call: Callable[[], object], count: int) -> None:
    for _ in range(WARM_UP):
        call()
    times_ms = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        times_ms.append((time.perf_counter() - started) * 1000)
    print(f"{label:16s} p50 {statistics.median(times_ms):7.2f} ms   min {min(times_ms):7.2f} ms")


def main() -> None:
    from bench.run import DEFAULT_DB, server_env

    os.environ.update(server_env(os.environ.get("DATABASE_URL") or DEFAULT_DB))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from knox.models import AuthToken

    from analytics import selectors

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    runner = get_user_model().objects.select_related("profile").get(username="bench")
    today = selectors.runner_today(runner)
    print(f"runner bench: {runner.runs.count():,} runs")
    timed(
        "runner_summary",
        lambda: selectors.runner_summary(runner=runner, date_from=None, date_to=today, today=today),
        count,
    )
    token_row, token = AuthToken.objects.create(runner)
    try:
        client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
        assert client.get("/api/v1/analytics/summary").status_code == 200
        timed("request", lambda: client.get("/api/v1/analytics/summary"), count)
    finally:
        token_row.delete()


if __name__ == "__main__":
    main()
