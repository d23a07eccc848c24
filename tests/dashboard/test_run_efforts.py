"""The run page lists the run's best efforts and marks a new personal best."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import RunFactory
from training.services import run_track_set

pytestmark = pytest.mark.django_db


def steady_track(length_m: float, s_per_m: float) -> dict:
    dists = [10.0 * i for i in range(int(length_m / 10) + 1)]
    return {"t_s": [d * s_per_m for d in dists], "dist_m": dists}


def test_run_page_shows_best_efforts_with_the_new_pb(web, runner):
    earlier = RunFactory(
        runner=runner, started_at=datetime(2026, 3, 1, 7, tzinfo=UTC), distance_m=1_000
    )
    run_track_set(run=earlier, samples=steady_track(1_000, 0.24))  # 400 m 96 s, 1 km 4:00
    run = RunFactory(
        runner=runner, started_at=datetime(2026, 3, 9, 7, tzinfo=UTC), distance_m=1_600
    )
    run_track_set(run=run, samples=steady_track(1_600, 0.23))  # 400 m 92 s, 1 km 3:50
    html = web.get(f"/runs/{run.pk}/").content.decode()
    assert 'data-testid="best-efforts"' in html
    table = html[html.index('data-testid="best-efforts"') :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr>")[2:]
    assert [r.split("<td>")[1].split("</td>")[0] for r in rows] == ["400 m", "1 km"]
    assert "1:32" in rows[0] and "New PB" in rows[0]
    assert "3:50" in rows[1] and "New PB" in rows[1]


def test_run_page_without_a_faster_effort_marks_no_pb(web, runner):
    fast = RunFactory(
        runner=runner, started_at=datetime(2026, 3, 1, 7, tzinfo=UTC), distance_m=1_000
    )
    run_track_set(run=fast, samples=steady_track(1_000, 0.2))
    slow = RunFactory(
        runner=runner, started_at=datetime(2026, 3, 9, 7, tzinfo=UTC), distance_m=1_000
    )
    run_track_set(run=slow, samples=steady_track(1_000, 0.3))
    html = web.get(f"/runs/{slow.pk}/").content.decode()
    assert 'data-testid="best-efforts"' in html
    assert "New PB" not in html
