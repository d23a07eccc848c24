"""Heart-rate zones on the run page and this week's time in zone on the home page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import RunFactory
from training.services import run_track_set

pytestmark = pytest.mark.django_db


def hr_track(minutes_at: list[tuple[int, int]]) -> dict:
    """A track sampled every 10 s holding each (minutes, bpm) in turn."""
    times, hrs, t = [0.0], [], 0.0
    for minutes, bpm in minutes_at:
        for _ in range(minutes * 6):
            hrs.append(bpm)
            t += 10
            times.append(t)
    hrs.append(hrs[-1])
    return {"t_s": times, "dist_m": [x * 3 for x in times], "hr_bpm": hrs}


@pytest.fixture
def zoned_runner(runner):
    # Karvonen with max 190, resting 50: zones from 120, 134, 148, 162, 176 bpm.
    runner.profile.max_hr, runner.profile.resting_hr = 190, 50
    runner.profile.save()
    return runner


def zone_rows(html: str, testid: str) -> dict[str, str]:
    start = html.index(f'data-testid="{testid}"')
    table = html[start : html.index("</table>", start)]
    rows = {}
    for row in table.split("<tr>")[2:]:
        cells = [c.split("</td>")[0] for c in row.split("<td")[1:]]
        rows[cells[0].split(">")[-1]] = cells[2].split(">")[-1]
    return rows


def test_run_page_shows_time_in_each_zone(web, zoned_runner):
    run = RunFactory(runner=zoned_runner, distance_m=3_600, duration_s=1_200)
    run_track_set(run=run, samples=hr_track([(5, 140), (15, 165)]))
    rows = zone_rows(web.get(f"/runs/{run.pk}/").content.decode(), "run-zones")
    assert rows == {
        "Zone 1": "0:00:00",
        "Zone 2": "0:05:00",  # 140 bpm
        "Zone 3": "0:00:00",
        "Zone 4": "0:15:00",  # 165 bpm
        "Zone 5": "0:00:00",
    }


def test_home_adds_up_this_weeks_time_in_zone(web, zoned_runner):
    # Today, one second after midnight (UTC, the profile's zone): this week, never the future.
    this_week = datetime.combine(timezone.localdate(), time(0, 0, 1), tzinfo=UTC)
    for minutes_at in ([(10, 125)], [(20, 150), (5, 180)]):
        run = RunFactory(runner=zoned_runner, started_at=this_week, distance_m=3_000)
        run_track_set(run=run, samples=hr_track(minutes_at))
    # Last week's run does not count.
    old = RunFactory(runner=zoned_runner, started_at=this_week - timedelta(days=7))
    run_track_set(run=old, samples=hr_track([(60, 150)]))
    rows = zone_rows(web.get("/").content.decode(), "week-zones")
    assert rows == {
        "Zone 1": "0:10:00",
        "Zone 2": "0:00:00",
        "Zone 3": "0:20:00",
        "Zone 4": "0:00:00",
        "Zone 5": "0:05:00",
    }


def test_home_without_heart_rates_in_the_profile_points_there(web, runner):
    html = web.get("/").content.decode()
    assert 'data-testid="week-zones"' not in html
    assert "Add your max and resting heart rate" in html


def test_home_zone_queries_do_not_grow_with_tracked_runs(web, zoned_runner):
    def home_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert web.get("/").status_code == 200
        return len(ctx.captured_queries)

    run = RunFactory(runner=zoned_runner, started_at=timezone.now() - timedelta(hours=1))
    run_track_set(run=run, samples=hr_track([(10, 150)]))
    few = home_queries()
    for hours in range(2, 8):
        run = RunFactory(runner=zoned_runner, started_at=timezone.now() - timedelta(hours=hours))
        run_track_set(run=run, samples=hr_track([(10, 150)]))
    assert home_queries() == few
