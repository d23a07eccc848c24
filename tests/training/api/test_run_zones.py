"""GET /api/v1/runs/{id} shows the seconds of the run in each of the runner's heart-rate zones
(docs/API.md, Heart-rate zones)."""

from __future__ import annotations

import pytest

from tests.factories import RunFactory
from training.services import run_track_set

pytestmark = pytest.mark.django_db


def hr_track() -> dict:
    """10 minutes sampled every 10 s: 2 min at 125 bpm, 3 min at 150, 5 min at 180."""
    times = [10.0 * i for i in range(61)]
    hrs = [125 if t < 120 else 150 if t < 300 else 180 for t in times]
    return {"t_s": times, "dist_m": [t * 3 for t in times], "hr_bpm": hrs}


@pytest.fixture
def zoned_runner(runner):
    runner.profile.max_hr, runner.profile.resting_hr = 190, 50
    runner.profile.save()
    return runner


def test_run_detail_lists_time_in_each_zone(api_client, zoned_runner):
    run = RunFactory(runner=zoned_runner, distance_m=1_800, duration_s=600)
    run_track_set(run=run, samples=hr_track())
    zones = api_client.get(f"/api/v1/runs/{run.pk}").json()["heart_rate_zones"]
    # Karvonen with max 190, resting 50: zones from 120, 134, 148, 162, 176 bpm. 125 bpm is zone
    # 1 (120 s), 150 zone 3 (180 s), 180 zone 5 (300 s; the last sample closes the track).
    assert zones == [
        {"zone": 1, "min_bpm": 120, "max_bpm": 134, "duration_s": 120.0},
        {"zone": 2, "min_bpm": 134, "max_bpm": 148, "duration_s": 0.0},
        {"zone": 3, "min_bpm": 148, "max_bpm": 162, "duration_s": 180.0},
        {"zone": 4, "min_bpm": 162, "max_bpm": 176, "duration_s": 0.0},
        {"zone": 5, "min_bpm": 176, "max_bpm": 190, "duration_s": 300.0},
    ]


def test_no_zones_without_the_profiles_heart_rates(api_client, runner):
    run = RunFactory(runner=runner, distance_m=1_800, duration_s=600)
    run_track_set(run=run, samples=hr_track())
    assert api_client.get(f"/api/v1/runs/{run.pk}").json()["heart_rate_zones"] is None


def test_no_zones_for_a_run_without_heart_rates(api_client, zoned_runner):
    manual = RunFactory(runner=zoned_runner)
    assert api_client.get(f"/api/v1/runs/{manual.pk}").json()["heart_rate_zones"] is None
    tracked = RunFactory(runner=zoned_runner, distance_m=1_800, duration_s=600)
    run_track_set(run=tracked, samples={**hr_track(), "hr_bpm": [None] * 61})
    assert api_client.get(f"/api/v1/runs/{tracked.pk}").json()["heart_rate_zones"] is None


def test_a_coach_sees_the_zones_of_the_runners_profile(client_for, zoned_runner, world, coach):
    run = RunFactory(runner=zoned_runner, distance_m=1_800, duration_s=600)
    run_track_set(run=run, samples=hr_track())
    coach.profile.max_hr, coach.profile.resting_hr = 200, 40  # the coach's own are not used
    coach.profile.save()
    zones = client_for(coach).get(f"/api/v1/runs/{run.pk}").json()["heart_rate_zones"]
    assert zones[0]["min_bpm"] == 120


def test_another_runner_cannot_read_the_zones(other_api_client, zoned_runner):
    run = RunFactory(runner=zoned_runner)
    assert other_api_client.get(f"/api/v1/runs/{run.pk}").status_code == 404


def test_tracked_run_detail_costs_a_fixed_number_of_queries(
    api_client, zoned_runner, django_assert_max_num_queries
):
    run = RunFactory(runner=zoned_runner, distance_m=1_800, duration_s=600)
    run_track_set(run=run, samples=hr_track())
    # The run with its flags, its efforts, earlier efforts, the profile's heart rates, the track.
    with django_assert_max_num_queries(5):
        assert api_client.get(f"/api/v1/runs/{run.pk}").status_code == 200
