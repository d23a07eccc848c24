"""The fast paths of docs/PERFORMANCE.md give exactly what DRF's own machinery gives.

Each lean ``to_representation`` is compared with DRF's field-by-field path on the same object,
and the orjson renderer with DRF's ``JSONRenderer`` on the same data, byte for byte. The API
tests (tests/training/api/) check the full shapes over HTTP; these pin the equivalence itself,
including
the awkward values (nulls, other time zones, microseconds, line separators, tiny floats).
"""

from __future__ import annotations

import decimal
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tracker.renderers import FastJSONRenderer
from tracker.rows import fetch_rows
from training.api.serializers import RunDetailSerializer, RunSerializer, WorkoutSerializer
from training.models import Run, Workout
from training.selectors import run_best_efforts, run_heart_rate_zones, with_detail_flags
from training.services import run_track_set


def drf_representation(serializer: serializers.ModelSerializer, instance) -> dict:
    """DRF's generic field-by-field output for ``instance`` (the path the lean code replaces)."""
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.fixture
def runs(runner) -> list[Run]:
    plan = PlanFactory(runner=runner)
    workout = WorkoutFactory(plan=plan)
    started = timezone.now().replace(microsecond=123456) - timedelta(days=2)
    return [
        # Every optional field empty.
        RunFactory(runner=runner, started_at=started.replace(microsecond=0)),
        # Every field set, linked to a plan's workout, started in another zone.
        RunFactory(
            runner=runner,
            plan=plan,
            workout=workout,
            started_at=started.astimezone(ZoneInfo("America/New_York")),
            timezone="America/New_York",
            distance_m=21_097.5,
            duration_s=5_432,
            elapsed_s=5_500,
            elevation_gain_m=123.4,
            avg_heart_rate=151,
            max_heart_rate=178,
            avg_cadence=172,
            perceived_effort=7,
            notes='Héllo\u2028wörld \u2029 "quoted" \\ \n tab\t',
        ),
        # A distance whose pace is a long float.
        RunFactory(runner=runner, started_at=started, distance_m=3_333.3, duration_s=1_001),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Asia/Kolkata"])
def test_lean_run_representation_equals_drfs(runs, runner, rf, zone):
    request = rf.get("/")
    request.user = runner
    serializer = RunSerializer(context={"request": request})
    with timezone.override(ZoneInfo(zone)):
        for run in Run.objects.filter(pk__in=[r.pk for r in runs]):
            assert serializer.to_representation(run) == drf_representation(serializer, run)


@pytest.mark.django_db
def test_lean_run_representation_of_a_fresh_instance_equals_drfs(runner):
    # The create response serializes the instance the service returns, not one read back.
    run = RunFactory(runner=runner, elevation_gain_m=0.0, notes="")
    serializer = RunSerializer()
    assert serializer.to_representation(run) == drf_representation(serializer, run)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland"])
def test_lean_workout_representation_equals_drfs(runner, zone):
    plan = PlanFactory(runner=runner)
    workouts = [
        WorkoutFactory(plan=plan, planned_distance_m=None, planned_duration_s=None),
        WorkoutFactory(
            plan=plan,
            workout_type=Workout.WorkoutType.SPEED,
            target_pace_min_s_per_km=230.5,
            target_pace_max_s_per_km=245.0,
            steps=[{"kind": "work", "repeat": 6, "distance_m": 800.0}],
            notes="6 x 800 m, ünïcödé",
        ),
    ]
    serializer = WorkoutSerializer()
    with timezone.override(ZoneInfo(zone)):
        for workout in Workout.objects.filter(pk__in=[w.pk for w in workouts]):
            assert serializer.to_representation(workout) == drf_representation(serializer, workout)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_run_rows_as_a_list_reads_them_give_drfs_representation(runs, runner, zone):
    # A list reads run rows as tuples (tracker.rows.fetch_rows: psycopg's C datetime loader on
    # PostgreSQL) and builds each body from the tuple; every body must be DRF's for that run.
    serializer = RunSerializer()
    rows = fetch_rows(
        Run.objects.filter(pk__in=[r.pk for r in runs]).values_list(*RunSerializer.row_columns)
    )
    assert len(rows) == len(runs)
    with timezone.override(ZoneInfo(zone)):
        for row in rows:
            run = Run.objects.get(pk=row[0])
            body = RunSerializer.row_body(row, timezone.get_current_timezone())
            assert body == drf_representation(serializer, run)


@pytest.mark.django_db(transaction=True)
def test_workout_rows_as_a_list_reads_them_give_drfs_representation(runner):
    plan = PlanFactory(runner=runner)
    steps = [
        {"kind": "warmup", "duration_s": 600.0},
        {"kind": "repeat", "repeat": 5, "steps": [{"kind": "work", "distance_m": 1000.0}]},
    ]
    workouts = [
        WorkoutFactory(plan=plan, planned_distance_m=None, planned_duration_s=None, steps=[]),
        WorkoutFactory(
            plan=plan,
            steps=steps,
            target_pace_min_s_per_km=250.5,
            target_pace_max_s_per_km=262.0,
            notes="ü\u2028",
        ),
    ]
    serializer = WorkoutSerializer()
    rows = fetch_rows(
        Workout.objects.filter(pk__in=[w.pk for w in workouts]).values_list(
            *WorkoutSerializer.row_columns
        )
    )
    assert {row[0] for row in rows} == {w.pk for w in workouts}
    for row in rows:
        workout = Workout.objects.get(pk=row[0])
        body = WorkoutSerializer.row_body(row, timezone.get_current_timezone())
        assert body == drf_representation(serializer, workout)
        assert body["steps"] == workout.steps  # JSON parsed by the field's converter, as the ORM


@pytest.mark.django_db
def test_fetch_rows_of_an_empty_filter_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert fetch_rows(Run.objects.none().values_list("id")) == []
        assert fetch_rows(Run.objects.filter(pk__in=[]).values_list("id")) == []


@pytest.mark.django_db
def test_list_pages_are_the_bodies_of_their_objects(api_client, runs, runner):
    # The list's tuple path against the one-object path, over HTTP: same bodies, same order.
    listed = api_client.get("/api/v1/runs?limit=50").json()["results"]
    assert sorted(row["id"] for row in listed) == sorted(str(r.pk) for r in runs)
    serializer = RunSerializer()
    for row in listed:
        one = serializer.to_representation(Run.objects.get(pk=row["id"]))
        assert row == json.loads(JSONRenderer().render(one))


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_lean_run_detail_representation_equals_drfs(runner, zone):
    # A tracked run (efforts and heart-rate zones), an untracked one, and one whose runner has
    # no heart rates in the profile (zones null).
    runner.profile.max_hr, runner.profile.resting_hr = 190, 50
    runner.profile.save()
    times = [10.0 * i for i in range(400)]
    samples = {
        "t_s": times,
        "dist_m": [t * 3.3 for t in times],
        "hr_bpm": [120 + (i % 60) for i in range(400)],
    }
    tracked = RunFactory(runner=runner, distance_m=13_167.0, duration_s=3_990)
    run_track_set(run=tracked, samples=samples)
    typed_in = RunFactory(runner=runner)
    serializer = RunDetailSerializer()
    with timezone.override(ZoneInfo(zone)):
        for run_id in (tracked.pk, typed_in.pk):
            run = with_detail_flags(Run.objects.filter(pk=run_id)).get()
            run.detail_best_efforts = run_best_efforts(run)
            run.detail_hr_zones = run_heart_rate_zones(run)
            body = serializer.to_representation(run)
            assert body == drf_representation(serializer, run)
            if run_id == tracked.pk:
                assert len(body["best_efforts"]) == 5  # 400 m, 1 km, 1 mile, 5 km, 10 km in 13 km
                assert [z["zone"] for z in body["heart_rate_zones"]] == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_list_response_bytes_equal_drfs_renderer(api_client, runs):
    response = api_client.get("/api/v1/runs?limit=50")
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(response.data)
    assert b"\\u2028" in response.content  # escaped as DRF escapes it


FLOATS = [
    0.0,
    -0.0,
    0.1 + 0.2,
    1 / 3,
    328.7867595173424,
    70066738.79999988,
    1e-4,
    1.5e-4,
    9.9e-5,
    1e-05,
    1e-7,
    123456789012345.67,
    1e15,
    1e16,
    1.7976931348623157e308,
    5e-324,
]


@pytest.mark.parametrize("value", FLOATS)
def test_renderer_prints_floats_as_drf_does(value):
    data = {"x": value, "xs": [value, -value], "n": 3}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_renderer_matches_drf_on_mixed_values():
    data = {
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "utc": datetime(2026, 1, 5, 7, 30, tzinfo=UTC),
        "micro": datetime(2026, 1, 5, 7, 30, 0, 250, tzinfo=ZoneInfo("Europe/London")),
        "offset": datetime(2026, 6, 5, 7, 30, tzinfo=ZoneInfo("America/New_York")),
        "day": date(2026, 1, 5),
        "decimal": decimal.Decimal("1.25"),
        "lazy": gettext_lazy("Not found."),
        "duration": timedelta(minutes=5),
        "tuple": (1, "two", None, True, False),
        "generator": (n * n for n in range(3)),
        "nested": [{"a": [], "b": {}}, "ünïcödé \u2028 \u2029 </script>", "\x00\x1f\x7f"],
        "big": 2**70,
    }
    expected = JSONRenderer().render({**data, "generator": [0, 1, 4]})
    data["generator"] = (n * n for n in range(3))
    assert FastJSONRenderer().render(data) == expected


def test_renderer_leaves_pretty_printing_and_empty_bodies_to_drf():
    data = {"a": [1, 2]}
    media_type = "application/json; indent=4"
    assert FastJSONRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
    assert FastJSONRenderer().render(None) == b""


def test_renderer_refuses_what_drf_refuses():
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"x": object()})
