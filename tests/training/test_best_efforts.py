"""Best efforts are stored with the track (docs/API.md, Best efforts): at import, whenever a
run's track is set through the services, and for the tracks stored before (migration 0007)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import RunFactory
from tests.training.importers.builders import Leg, gpx_bytes, route
from training import services
from training.models import RunBestEffort, RunTrack

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 10, 7, 0, tzinfo=UTC)


def steady_track(length_m: float, s_per_m: float, step_m: float = 10.0) -> dict:
    dists = [step_m * i for i in range(int(length_m / step_m) + 1)]
    return {"t_s": [d * s_per_m for d in dists], "dist_m": dists}


def stored(run) -> dict[str, float]:
    return {e.distance: e.elapsed_s for e in RunBestEffort.objects.filter(run=run)}


def test_import_stores_the_best_efforts_of_the_file(runner):
    # 1 km in 300 s, a minute standing, then 1 km in 210 s: the fast kilometre is the second.
    legs = [
        Leg(300, 1000 / 300, bearing_deg=0),
        Leg(60, 0.0),
        Leg(210, 1000 / 210, bearing_deg=90),
    ]
    upload = SimpleUploadedFile("run.gpx", gpx_bytes(route(legs, start=START)))
    run = services.run_import_file(runner=runner, uploaded_file=upload).run
    efforts = {e.distance: e for e in RunBestEffort.objects.filter(run=run)}
    assert set(efforts) == {"400m", "1k", "1mi"}  # the track is 2 km long
    assert efforts["400m"].elapsed_s == pytest.approx(84, abs=1)  # 400 m at 210 s/km
    assert efforts["1k"].elapsed_s == pytest.approx(210, abs=1)
    # It began after the first kilometre and the pause: 360 s and 1000 m in.
    assert efforts["1k"].start_offset_s == pytest.approx(360, abs=1)
    assert efforts["1k"].start_offset_m == pytest.approx(1_000, abs=5)
    # The mile: the fast kilometre plus 609.344 m of the slow one (0.3 s/m) and the pause.
    assert efforts["1mi"].elapsed_s == pytest.approx(210 + 60 + 609.344 * 0.3, abs=1)


def test_setting_a_track_replaces_its_efforts(runner):
    run = RunFactory(runner=runner, distance_m=5_000, duration_s=1_500)
    services.run_track_set(run=run, samples=steady_track(5_000, 0.3))
    assert stored(run) == pytest.approx(
        {"400m": 120, "1k": 300, "1mi": 1_609.344 * 0.3, "5k": 1_500}
    )
    services.run_track_set(run=run, samples=steady_track(1_200, 0.25))
    assert stored(run) == pytest.approx({"400m": 100, "1k": 250})
    assert RunTrack.objects.filter(run=run).count() == 1


def test_a_track_without_distances_stores_no_effort(runner):
    run = RunFactory(runner=runner)
    services.run_track_set(run=run, samples={"t_s": [0, 60, 120], "dist_m": [None, None, None]})
    assert stored(run) == {}


def test_efforts_go_with_their_run(runner):
    run = RunFactory(runner=runner, distance_m=1_000, duration_s=300)
    services.run_track_set(run=run, samples=steady_track(1_000, 0.3))
    services.run_delete(run=run)
    assert not RunBestEffort.objects.exists()


def test_setting_a_track_costs_the_same_queries_for_any_length(
    runner, django_assert_max_num_queries
):
    run = RunFactory(runner=runner, distance_m=42_195, duration_s=12_000)
    # Two of them replace the run's RunnerEffort rows (the summary's personal bests), two take
    # the runner's lock and move their run-list version (the kept summary must see the bests).
    with django_assert_max_num_queries(10):
        services.run_track_set(run=run, samples=steady_track(42_195, 0.3, step_m=5))
    assert len(stored(run)) == 7


def test_migration_fills_the_efforts_of_tracks_stored_before_it(runner):
    migration = importlib.import_module("training.migrations.0007_best_efforts")
    run = RunFactory(runner=runner, distance_m=10_000, duration_s=3_000)
    RunTrack.objects.create(run=run, samples=steady_track(10_000, 0.3))  # as before issue 19
    manual = RunFactory(runner=runner)
    assert stored(run) == {}
    migration.fill_best_efforts(apps, None)
    assert stored(run) == pytest.approx(
        {"400m": 120, "1k": 300, "1mi": 1_609.344 * 0.3, "5k": 1_500, "10k": 3_000}
    )
    assert stored(manual) == {}
