"""Time the analytics endpoints for one runner with many runs (docs/API.md, Analytics: cost).

    DATABASE_URL=postgresql://... python manage.py bench_analytics --runs 5000 --requests 50

Creates (once; reused on later calls) the user ``bench-analytics`` with ``--runs`` runs, one a
day or more back from today, every ``--tracked-every``-th with a recorded track, and a 16-week plan
whose workouts link to some of them. Then times ``--requests`` GET requests to the summary and to
the plan analytics through Django's test client (full middleware and DRF stack, no network) and
prints the median and the 90th percentile in milliseconds, and the queries per request.
Never run it against a production database: it writes a user and thousands of runs.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from training import aggregates
from training.models import Plan, Run, RunBestEffort, RunTrack, Workout
from training.services import best_efforts_of

USERNAME = "bench-analytics"


def _track(distance_m: float, duration_s: int) -> dict[str, list[float]]:
    """A sample every 5 s at a slightly varying pace (cumulative metres)."""
    n = duration_s // 5 + 1
    speed = distance_m / duration_s
    times = [5.0 * i for i in range(n)]
    dists = [
        min(distance_m, speed * t * (1 + 0.05 * ((i % 40) - 20) / 20)) for i, t in enumerate(times)
    ]
    for i in range(1, n):
        dists[i] = max(dists[i], dists[i - 1])
    return {"t_s": times, "dist_m": dists, "hr_bpm": [150.0] * n}


class Command(BaseCommand):
    help = "Median time of the analytics endpoints for a runner with many runs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--runs", type=int, default=5_000)
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument("--tracked-every", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._runner(options["runs"], options["tracked_every"])
        client = Client(HTTP_HOST="127.0.0.1")  # a host ALLOWED_HOSTS accepts by default
        client.force_login(user)
        plan = Plan.objects.filter(runner=user).first()
        assert plan is not None
        for label, url in (
            ("summary", "/api/v1/analytics/summary"),
            ("summary?period=month", "/api/v1/analytics/summary?period=month"),
            ("plan analytics", f"/api/v1/analytics/plan/{plan.pk}"),
        ):
            self._time(client, label, url, options["requests"])

    def _time(self, client: Client, label: str, url: str, requests: int) -> None:
        client.get(url, secure=True)  # warm-up: connection, imports, caches
        timings_ms = []
        queries: list[str] = []

        def count(execute: Any, sql: str, *args: Any) -> Any:
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            response = client.get(url, secure=True)
        assert response.status_code == 200, response.content
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            timings_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings_ms.sort()
        p90 = timings_ms[int(0.9 * (len(timings_ms) - 1))]
        self.stdout.write(
            f"{label}: median {statistics.median(timings_ms):.1f} ms, p90 {p90:.1f} ms, "
            f"{len(queries)} queries, n={requests} ({connection.vendor})"
        )

    @transaction.atomic
    def _runner(self, run_count: int, tracked_every: int) -> Any:
        user, _ = get_user_model().objects.get_or_create(username=USERNAME)
        existing = Run.objects.filter(runner=user).count()
        if existing >= run_count:
            return user
        today = timezone.localdate()
        Plan.objects.filter(runner=user).delete()  # a partial earlier set-up starts over
        Run.objects.filter(runner=user).delete()
        existing = 0
        plan = Plan.objects.create(
            name="Bench plan",
            runner=user,
            start_date=today - timedelta(weeks=12),
            end_date=today + timedelta(weeks=4, days=-1),
            status=Plan.Status.ACTIVE,
        )
        workouts = Workout.objects.bulk_create(
            Workout(
                plan=plan,
                name="Easy",
                scheduled_date=plan.start_date + timedelta(days=d),
                planned_distance_m=8_000,
            )
            for d in range(0, 16 * 7, 2)
        )
        runs = []
        for i in range(existing, run_count):
            # ~1.4 runs a day for the last 90 days, then one every other day further back.
            back_days = i * 2 // 3 if i < 135 else 90 + (i - 135) * 2
            day = today - timedelta(days=back_days)
            distance_m = 5_000.0 + (i % 23) * 700
            duration_s = int(distance_m * (0.27 + (i % 11) * 0.006))
            workout = next((w for w in workouts if w.scheduled_date == day), None)
            runs.append(
                Run(
                    runner=user,
                    plan=plan if workout else None,
                    workout=workout,
                    started_at=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
                    timezone="UTC",
                    local_date=day,
                    distance_m=distance_m,
                    duration_s=duration_s,
                    perceived_effort=(i % 10) + 1 if i % 2 else None,
                    avg_heart_rate=140 + i % 25,
                )
            )
        created_runs = Run.objects.bulk_create(runs, batch_size=1_000)
        tracks = [
            RunTrack(run=run, samples=_track(run.distance_m, run.duration_s))
            for n, run in enumerate(created_runs)
            if n % tracked_every == 0
        ]
        RunTrack.objects.bulk_create(tracks, batch_size=200)
        # As run_track_set stores them for an imported track (docs/API.md, Best efforts).
        RunBestEffort.objects.bulk_create(
            (e for track in tracks for e in best_efforts_of(track.run, track.samples)),
            batch_size=1_000,
        )
        # The stored efforts replace the tracked runs' whole-run stand-ins in the aggregates.
        aggregates.refresh_efforts(track.run.pk for track in tracks)
        return user
