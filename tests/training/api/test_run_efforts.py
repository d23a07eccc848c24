"""GET /api/v1/runs/{id} shows the run's best efforts, a new personal best marked (docs/API.md,
Best efforts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import RunFactory
from training.services import run_track_set

pytestmark = pytest.mark.django_db


def steady_track(length_m: float, s_per_m: float) -> dict:
    dists = [10.0 * i for i in range(int(length_m / 10) + 1)]
    return {"t_s": [d * s_per_m for d in dists], "dist_m": dists}


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 7, 0, tzinfo=UTC)


@pytest.fixture
def history(runner):
    """1 March: 2 km at 0.25 s/m (1 km in 250 s). 5 March: a 1 km typed in, 240 s. 9 March:
    2 km at 0.245 s/m (1 km in 245 s, 400 m in 98 s)."""
    first = RunFactory(runner=runner, started_at=at(1), distance_m=2_000, duration_s=500)
    run_track_set(run=first, samples=steady_track(2_000, 0.25))
    RunFactory(runner=runner, started_at=at(5), distance_m=1_000, duration_s=240)
    latest = RunFactory(runner=runner, started_at=at(9), distance_m=2_000, duration_s=490)
    run_track_set(run=latest, samples=steady_track(2_000, 0.245))
    return first, latest


def test_run_detail_lists_best_efforts_shortest_first(api_client, history):
    first, _ = history
    body = api_client.get(f"/api/v1/runs/{first.pk}").json()
    assert body["best_efforts"] == [
        {
            "distance": "400m",
            "distance_m": 400.0,
            "elapsed_s": 100.0,
            "start_offset_s": 0.0,
            "start_offset_m": 0.0,
            "pace_s_per_km": 250.0,
            "new_personal_best": True,  # the runner's first run
        },
        {
            "distance": "1k",
            "distance_m": 1000.0,
            "elapsed_s": 250.0,
            "start_offset_s": 0.0,
            "start_offset_m": 0.0,
            "pace_s_per_km": 250.0,
            "new_personal_best": True,
        },
        {
            "distance": "1mi",
            "distance_m": 1609.344,
            "elapsed_s": 402.3,  # 1609.344 m x 0.25 s/m
            "start_offset_s": 0.0,
            "start_offset_m": 0.0,
            "pace_s_per_km": 250.0,
            "new_personal_best": True,
        },
    ]


def test_a_new_pb_beats_every_earlier_run_including_typed_ones(api_client, history):
    _, latest = history
    efforts = {
        e["distance"]: e for e in api_client.get(f"/api/v1/runs/{latest.pk}").json()["best_efforts"]
    }
    assert efforts["400m"]["new_personal_best"] is True  # 98 s beats 1 March's 100 s
    # 245 s beats 1 March's 250 s but not the 1 km typed in on 5 March (240 s).
    assert efforts["1k"]["elapsed_s"] == 245.0
    assert efforts["1k"]["new_personal_best"] is False
    assert efforts["1mi"]["new_personal_best"] is True


def test_a_run_without_a_track_has_no_best_efforts(api_client, runner):
    run = RunFactory(runner=runner, distance_m=5_000, duration_s=1_500)
    assert api_client.get(f"/api/v1/runs/{run.pk}").json()["best_efforts"] == []


def test_the_run_list_stays_lean(api_client, history):
    rows = api_client.get("/api/v1/runs").json()["results"]
    assert rows and all("best_efforts" not in row for row in rows)


def test_another_runner_cannot_read_the_efforts(other_api_client, history):
    first, _ = history
    assert other_api_client.get(f"/api/v1/runs/{first.pk}").status_code == 404


def test_run_detail_costs_the_same_queries_with_more_runs(
    api_client, runner, history, django_assert_max_num_queries
):
    _, latest = history
    for day in range(10, 20):
        run = RunFactory(runner=runner, started_at=at(day), distance_m=1_000, duration_s=300)
        run_track_set(run=run, samples=steady_track(1_000, 0.3))
    with django_assert_max_num_queries(4):
        assert api_client.get(f"/api/v1/runs/{latest.pk}").status_code == 200
