"""Selector behaviour that the endpoint data set does not reach: best efforts from tracks,
the 90-day window for VDOT, and the runner's time zone for "today"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import science, selectors
from tests.factories import RunFactory
from training.services import run_track_set

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 12)


def days_ago(n: int) -> datetime:
    day = TODAY - timedelta(days=n)
    return datetime(day.year, day.month, day.day, 7, tzinfo=UTC)


def fast_km_track() -> dict:
    """10 km sampled every 100 m at 30 s per 100 m, except 4-5 km at 21 s per 100 m:
    fastest 1 km 210 s, fastest 5 km 210 + 1200 = 1410 s, whole 10 km 2700 + 210 = 2910 s."""
    t, times, dists = 0.0, [0.0], [0.0]
    for k in range(1, 101):
        t += 21 if 40 < k <= 50 else 30
        times.append(t)
        dists.append(k * 100.0)
    return {"t_s": times, "dist_m": dists, "lat": [None] * 101, "lon": [None] * 101}


@pytest.fixture
def tracked_history(runner):
    tracked = RunFactory(
        runner=runner, started_at=days_ago(10), distance_m=10_000, duration_s=2_910
    )
    run_track_set(run=tracked, samples=fast_km_track())
    untracked_5k = RunFactory(
        runner=runner, started_at=days_ago(5), distance_m=5_000, duration_s=1_500
    )
    # 200 days ago: a faster 5 km (20:00), an all-time best but outside the 90-day window.
    old_5k = RunFactory(runner=runner, started_at=days_ago(200), distance_m=5_000, duration_s=1_200)
    return tracked, untracked_5k, old_5k


def test_personal_bests_come_from_the_fastest_stretch_of_a_track(runner, tracked_history):
    tracked, _, old_5k = tracked_history
    summary = selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=TODAY)
    bests = {pb.distance_m: (pb.duration_s, pb.run_id) for pb in summary.personal_bests}
    assert bests == {
        400: (84, tracked.pk),  # 400 m inside the fast kilometre at 0.21 s/m
        1_000: (210, tracked.pk),  # the fast kilometre inside the 10 km
        # The fast kilometre plus 609.344 m at 0.3 s/m: 210 + 182.8 s.
        science.MILE_M: (392.8, tracked.pk),
        5_000: (1_200, old_5k.pk),  # all-time: the old 20:00 beats the track's 1410 s
        10_000: (2_910, tracked.pk),
    }


def test_vdot_uses_only_the_last_90_days(runner, tracked_history):
    summary = selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=TODAY)
    # Recent bests: 1 km 210 s (VDOT ~49.4), 5 km 1410 s (~41.2), 10 km 2910 s (~41.5). The old
    # 20:00 5 km (VDOT 49.8) is outside the window, so the 1 km sets the VDOT.
    assert summary.vdot == round(science.vdot(1_000, 210), 1)
    assert summary.vdot == pytest.approx(49.4, abs=0.1)
    riegel = {p.distance_m: p.riegel_s for p in summary.predictions}
    # 210 s * 5^1.06 = 210 * 5.5083 = 1156.7 s
    assert riegel[5_000] == pytest.approx(1_156.7, abs=0.3)


def test_personal_bests_read_stored_efforts_not_tracks(runner, tracked_history):
    with CaptureQueriesContext(connection) as ctx:
        selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=TODAY)
    # The samples are never loaded: the efforts were stored when the track was.
    assert not any("samples" in q["sql"].lower() for q in ctx.captured_queries)
    assert len(ctx.captured_queries) <= 5


def test_an_easy_run_with_a_hard_stretch_sets_the_5k_best(runner):
    """Issue 19: a 10 km at an easy average with a hard 5 km inside counts for the 5 km, even
    when another run has a faster average pace."""
    t, times, dists = 0.0, [0.0], [0.0]
    for k in range(1, 101):  # 100 m steps: 2-7 km at 0.2 s/m (4:00/km), the rest at 0.4 s/m
        t += 20 if 20 < k <= 70 else 40
        times.append(t)
        dists.append(k * 100.0)
    easy = RunFactory(runner=runner, started_at=days_ago(3), distance_m=10_000, duration_s=int(t))
    run_track_set(run=easy, samples={"t_s": times, "dist_m": dists})
    # A 5 km at 4:30/km: a faster average than the 10 km's 6:00/km, a slower 5 km than 20:00.
    RunFactory(runner=runner, started_at=days_ago(2), distance_m=5_000, duration_s=1_350)
    summary = selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=TODAY)
    bests = {pb.distance_m: (pb.duration_s, pb.run_id) for pb in summary.personal_bests}
    assert bests[5_000] == (1_000, easy.pk)


def test_runner_today_follows_the_profile_time_zone(runner):
    moment = datetime(2025, 3, 11, 20, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        assert selectors.runner_today(runner) == date(2025, 3, 11)  # profile default: UTC
        runner.profile.timezone = "Pacific/Kiritimati"  # UTC+14: already 10:00 on the 12th
        runner.profile.save()
        assert selectors.runner_today(runner) == date(2025, 3, 12)
        runner.profile.timezone = "Etc/GMT+12"  # UTC-12: still 08:00 on the 11th
        runner.profile.save()
        assert selectors.runner_today(runner) == date(2025, 3, 11)


def test_summary_queries_do_not_grow_with_tracked_runs(runner, other_runner):
    def queries(user, tracked: int) -> int:
        for n in range(tracked):
            run = RunFactory(runner=user, started_at=days_ago(n + 1), distance_m=10_000)
            run_track_set(run=run, samples=fast_km_track())
        with CaptureQueriesContext(connection) as ctx:
            selectors.runner_summary(runner=user, date_from=None, date_to=None, today=TODAY)
        return len(ctx.captured_queries)

    assert queries(runner, 2) == queries(other_runner, 20)
