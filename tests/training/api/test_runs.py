"""Runs over the API: shapes, the caller as runner, plan/workout linking, profile time zone,
derived pace, PUT vs PATCH, validation → 400 with attr, filters and ordering (docs/API.md,
Validation rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tests.helpers import API, assert_error
from training.models import Run

RUN_KEYS = {
    "id",
    "runner",
    "plan",
    "workout",
    "shoe",
    "started_at",
    "timezone",
    "local_date",
    "distance_m",
    "duration_s",
    "elapsed_s",
    "pace_s_per_km",
    "elevation_gain_m",
    "avg_heart_rate",
    "max_heart_rate",
    "avg_cadence",
    "perceived_effort",
    "notes",
    "source",
    "created_at",
    "updated_at",
}
NEW_RUN = {
    "started_at": "2026-01-06T23:30:00+00:00",
    "distance_m": 10000,
    "duration_s": 3000,
    "elapsed_s": 3100,
    "elevation_gain_m": 85.5,
    "avg_heart_rate": 150,
    "max_heart_rate": 172,
    "avg_cadence": 176,
    "perceived_effort": 6,
    "notes": "Felt good",
}


@pytest.mark.django_db
def test_log_run_returns_the_full_run_for_the_caller(api_client, runner, other_runner):
    body = {**NEW_RUN, "runner": other_runner.pk, "pace_s_per_km": 1, "source": "gpx"}
    response = api_client.post(f"{API}/runs", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == RUN_KEYS
    run = Run.objects.get()
    assert data["id"] == str(run.pk)
    # runner, pace and source are read-only: the caller, derived, manual.
    assert (data["runner"], run.runner_id) == (runner.pk, runner.pk)
    assert data["pace_s_per_km"] == 300.0  # 3000 s / 10 km
    assert data["source"] == "manual"
    assert (data["plan"], data["workout"]) == (None, None)
    assert data["distance_m"] == 10000 and isinstance(data["distance_m"], float)
    assert data["elevation_gain_m"] == 85.5
    for key in ("duration_s", "elapsed_s", "avg_heart_rate", "max_heart_rate", "avg_cadence"):
        assert data[key] == NEW_RUN[key] and isinstance(data[key], int)
    assert datetime.fromisoformat(data["started_at"]) == datetime.fromisoformat(
        NEW_RUN["started_at"]
    )
    assert data["notes"] == "Felt good"


@pytest.mark.django_db
def test_timezone_defaults_to_the_profile_and_sets_the_local_day(api_client, runner):
    runner.profile.timezone = "Asia/Tokyo"
    runner.profile.save()
    response = api_client.post(f"{API}/runs", NEW_RUN, format="json")
    data = response.json()
    assert data["timezone"] == "Asia/Tokyo"
    # 23:30 UTC on Jan 6 is 08:30 on Jan 7 in Tokyo (UTC+9).
    assert data["local_date"] == "2026-01-07"
    response = api_client.post(f"{API}/runs", {**NEW_RUN, "timezone": "UTC"}, format="json")
    assert (response.json()["timezone"], response.json()["local_date"]) == ("UTC", "2026-01-06")


@pytest.mark.django_db
def test_linking_a_workout_links_its_plan(api_client, runner):
    workout = WorkoutFactory(plan=PlanFactory(runner=runner, start_date=date(2026, 1, 5)))
    response = api_client.post(
        f"{API}/runs", {**NEW_RUN, "workout": str(workout.pk)}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["plan"] == str(workout.plan_id)
    assert response.json()["workout"] == str(workout.pk)


@pytest.mark.django_db
def test_workout_must_belong_to_the_runs_plan(api_client, runner):
    plan = PlanFactory(runner=runner, start_date=date(2026, 1, 5))
    workout_elsewhere = WorkoutFactory(plan=PlanFactory(runner=runner, start_date=date(2026, 1, 5)))
    body = {**NEW_RUN, "plan": str(plan.pk), "workout": str(workout_elsewhere.pk)}
    assert_error(api_client.post(f"{API}/runs", body, format="json"), 400, attr="workout")
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_patch_workout_relinks_plan_and_clearing_plan_clears_workout(api_client, runner):
    plan_1 = PlanFactory(runner=runner, start_date=date(2026, 1, 5))
    plan_2 = PlanFactory(runner=runner, start_date=date(2026, 1, 5))
    workout_1 = WorkoutFactory(plan=plan_1)
    workout_2 = WorkoutFactory(plan=plan_2)
    run = RunFactory(runner=runner, plan=plan_1, workout=workout_1)
    url = f"{API}/runs/{run.pk}"
    response = api_client.patch(url, {"workout": str(workout_2.pk)}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["plan"], response.json()["workout"]) == (
        str(plan_2.pk),
        str(workout_2.pk),
    )
    response = api_client.patch(url, {"plan": None}, format="json")
    assert (response.json()["plan"], response.json()["workout"]) == (None, None)


@pytest.mark.django_db
def test_put_requires_required_fields_and_patch_changes_only_what_is_sent(api_client, runner):
    run = RunFactory(runner=runner, notes="keep", perceived_effort=4)
    url = f"{API}/runs/{run.pk}"
    body = assert_error(api_client.put(url, {"notes": "x"}, format="json"), 400)
    assert {e["attr"] for e in body["errors"]} == {"started_at", "distance_m", "duration_s"}
    response = api_client.patch(url, {"distance_m": 12000}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["distance_m"], data["notes"], data["perceived_effort"]) == (12000, "keep", 4)
    assert data["pace_s_per_km"] == 250.0  # 3000 s / 12 km
    put = {"started_at": "2026-01-02T06:00:00Z", "distance_m": 5000, "duration_s": 1800}
    response = api_client.put(url, put, format="json")
    assert response.status_code == 200, response.content
    run.refresh_from_db()
    assert (run.distance_m, run.duration_s, run.local_date) == (5000, 1800, date(2026, 1, 2))


@pytest.mark.django_db
def test_delete_run(api_client, runner):
    run = RunFactory(runner=runner)
    assert api_client.delete(f"{API}/runs/{run.pk}").status_code == 204
    assert not Run.objects.exists()
    assert_error(api_client.get(f"{API}/runs/{run.pk}"), 404)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"started_at": "2099-01-01T00:00:00Z"}, "started_at"),
        ({"started_at": "2026-01-06T07:00:00"}, "started_at"),  # no offset
        ({"started_at": "yesterday"}, "started_at"),
        ({"distance_m": 0}, "distance_m"),
        ({"distance_m": 500_001}, "distance_m"),
        ({"distance_m": "ten"}, "distance_m"),
        ({"duration_s": 0}, "duration_s"),
        ({"duration_s": 7 * 86400 + 1}, "duration_s"),
        ({"elapsed_s": 2999}, "elapsed_s"),
        ({"elevation_gain_m": -1}, "elevation_gain_m"),
        ({"avg_heart_rate": 24}, "avg_heart_rate"),
        ({"max_heart_rate": 251}, "max_heart_rate"),
        ({"avg_heart_rate": 180, "max_heart_rate": 170}, "avg_heart_rate"),
        ({"perceived_effort": 0}, "perceived_effort"),
        ({"perceived_effort": 11}, "perceived_effort"),
        ({"avg_cadence": 301}, "avg_cadence"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"plan": "00000000-0000-0000-0000-000000000000"}, "plan"),
        ({"workout": "00000000-0000-0000-0000-000000000000"}, "workout"),
    ],
)
def test_run_validation_names_the_field(api_client, changes, attr):
    response = api_client.post(f"{API}/runs", {**NEW_RUN, **changes}, format="json")
    assert_error(response, 400, attr=attr)
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_run_boundaries_are_accepted(api_client):
    body = {
        **NEW_RUN,
        "distance_m": 500_000,
        "duration_s": 7 * 86400,
        "elapsed_s": 7 * 86400,
        "avg_heart_rate": 25,
        "max_heart_rate": 250,
        "perceived_effort": 10,
    }
    assert api_client.post(f"{API}/runs", body, format="json").status_code == 201


# --- Filters and ordering ------------------------------------------------------------------------
@pytest.fixture
def runs(runner):
    plan = PlanFactory(runner=runner, start_date=date(2026, 1, 5))
    workout = WorkoutFactory(plan=plan)
    at = datetime.fromisoformat
    return {
        "plan": plan,
        "workout": workout,
        "runs": [
            RunFactory(
                runner=runner,
                notes="A",
                started_at=at("2026-01-06T07:00:00+00:00"),
                distance_m=5000,
                duration_s=1600,
                elevation_gain_m=10,
                avg_heart_rate=140,
                perceived_effort=3,
                plan=plan,
                workout=workout,
            ),
            RunFactory(
                runner=runner,
                notes="B",
                started_at=at("2026-01-08T07:00:00+00:00"),
                distance_m=21100,
                duration_s=6600,
                elevation_gain_m=200,
                avg_heart_rate=155,
                perceived_effort=8,
                plan=plan,
                source="gpx",
            ),
            RunFactory(
                runner=runner,
                notes="C",
                started_at=at("2026-01-07T07:00:00+00:00"),
                distance_m=10000,
                duration_s=3000,
                elevation_gain_m=50,
                avg_heart_rate=150,
                perceived_effort=5,
            ),
        ],
    }


def _notes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["notes"] for item in response.json()["results"]]


@pytest.mark.django_db
def test_runs_default_order_is_newest_first(api_client, runs):
    assert _notes(api_client.get(f"{API}/runs")) == ["B", "C", "A"]


@pytest.mark.django_db
def test_run_filters(api_client, runs, runner):
    get = api_client.get
    assert _notes(get(f"{API}/runs?plan={runs['plan'].pk}")) == ["B", "A"]
    assert _notes(get(f"{API}/runs?workout={runs['workout'].pk}")) == ["A"]
    assert _notes(get(f"{API}/runs?source=gpx")) == ["B"]
    assert _notes(get(f"{API}/runs?runner={runner.pk}")) == ["B", "C", "A"]
    assert _notes(get(f"{API}/runs", {"started_after": "2026-01-07T07:00:00Z"})) == ["B", "C"]
    assert _notes(get(f"{API}/runs", {"started_before": "2026-01-07T07:00:00Z"})) == ["A"]
    old = timezone.now() - timedelta(days=3)
    Run.objects.exclude(notes="C").update(updated_at=old)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert _notes(get(f"{API}/runs", {"updated_after": since})) == ["C"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "param",
    [
        "plan=1",
        "workout=abc",
        "source=strava",
        "runner=me",
        "started_after=2026-01-32",
        "started_before=noon",
        "updated_after=soon",
    ],
)
def test_bad_run_filter_values_are_400_naming_the_parameter(api_client, runs, param):
    assert_error(api_client.get(f"{API}/runs?{param}"), 400, attr=param.split("=")[0])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("started_at", ["A", "C", "B"]),
        ("-started_at", ["B", "C", "A"]),
        ("distance_m", ["A", "C", "B"]),
        ("-duration_s", ["B", "C", "A"]),
        ("elevation_gain_m", ["A", "C", "B"]),
        ("-avg_heart_rate", ["B", "C", "A"]),
        ("perceived_effort", ["A", "C", "B"]),
        ("created_at", ["A", "B", "C"]),
        ("-updated_at", ["C", "B", "A"]),
    ],
)
def test_run_ordering(api_client, runs, ordering, expected):
    assert _notes(api_client.get(f"{API}/runs?ordering={ordering}")) == expected


@pytest.mark.django_db
def test_unknown_run_ordering_is_400(api_client, runs):
    assert_error(api_client.get(f"{API}/runs?ordering=runner__email"), 400, attr="ordering")


@pytest.mark.django_db
def test_model_validators_are_derived_once_per_class_and_field_set(rf, runner, monkeypatch):
    # FieldsBuiltOnceMixin keeps what DRF's ModelSerializer.get_validators derives from the
    # model, per class and per set of fields that can carry a value (a plan from the path makes
    # another set): the same validators, derived once each.
    from rest_framework import serializers as drf
    from rest_framework.request import Request

    from training.api.serializers import PlanWorkoutSerializer, RunSerializer, WorkoutSerializer

    derived = []
    drf_get_validators = drf.ModelSerializer.get_validators

    def counting(serializer):
        derived.append(type(serializer).__name__)
        return drf_get_validators(serializer)

    monkeypatch.setattr(drf.ModelSerializer, "get_validators", counting)
    request = Request(rf.post("/"))
    request.user = runner
    for cls in (RunSerializer, WorkoutSerializer, PlanWorkoutSerializer):
        monkeypatch.setattr(cls, "_built_validators", {}, raising=False)
    cases = [
        (RunSerializer, {}),
        (RunSerializer, {}),
        (RunSerializer, {"plan_from_path": True}),
        (WorkoutSerializer, {}),
        (PlanWorkoutSerializer, {}),
        (PlanWorkoutSerializer, {}),
    ]
    for cls, options in cases:
        serializer = cls(context={"request": request}, **options)
        kept = serializer.validators
        assert [type(v) for v in kept] == [type(v) for v in drf_get_validators(serializer)]
    assert derived == [
        "RunSerializer",
        "RunSerializer",
        "WorkoutSerializer",
        "PlanWorkoutSerializer",
    ]


def test_kept_model_validators_follow_the_fields_that_carry_a_value(monkeypatch):
    # The project's run and workout serializers have no model-derived validators, so the test
    # above compares empty lists. A serializer over a model with a unique pair (a runner's day)
    # has one, and loses it when one of the pair is read-only: the kept answer must follow.
    from rest_framework import serializers as drf
    from rest_framework.validators import UniqueTogetherValidator

    from training.api.serializers import FieldsBuiltOnceMixin
    from training.models import RunnerDay

    class DaySerializer(FieldsBuiltOnceMixin, drf.ModelSerializer):
        class Meta:
            model = RunnerDay
            fields = ["runner", "local_date", "runs"]

        def get_fields(self):
            fields = super().get_fields()
            if self.context.get("runner_fixed"):
                fields["runner"].read_only = True
            return fields

    derived = []
    drf_get_validators = drf.ModelSerializer.get_validators

    def counting(serializer):
        derived.append(serializer.context.get("runner_fixed", False))
        return drf_get_validators(serializer)

    monkeypatch.setattr(drf.ModelSerializer, "get_validators", counting)
    answers = [
        [type(v) for v in DaySerializer(context={"runner_fixed": fixed}).validators]
        for fixed in (False, True, False, True)
    ]
    assert answers == [[UniqueTogetherValidator], [], [UniqueTogetherValidator], []]
    assert derived == [False, True]


@pytest.mark.django_db
def test_each_serializer_gets_its_own_fields_scoped_to_its_caller(rf, runner, other_runner):
    # RunSerializer builds its fields once per class (FieldsBuiltOnceMixin) and hands out copies:
    # one caller's scoping must never reach another's serializer or the shared template.
    from rest_framework.request import Request

    from training.api.serializers import RunSerializer

    mine = PlanFactory(runner=runner)
    theirs = PlanFactory(runner=other_runner)

    def fields_for(user):
        request = Request(rf.post("/"))
        request.user = user
        return RunSerializer(context={"request": request}).fields

    first, second = fields_for(runner), fields_for(other_runner)
    assert first["plan"] is not second["plan"]
    assert list(first["plan"].get_queryset()) == [mine]
    assert list(second["plan"].get_queryset()) == [theirs]
    template = RunSerializer.__dict__["_built_fields"]
    assert template["plan"].parent is None  # never bound, never scoped
    assert not template["plan"].get_queryset().exists()  # no caller: no plan can be named
    # The copies are shallow (FieldsBuiltOnceMixin): a subclass's change to one copy (a plan
    # taken from the path) stays on that copy.
    request = Request(rf.post("/"))
    request.user = runner
    from_path = RunSerializer(context={"request": request}, plan_from_path=True).fields
    assert from_path["plan"].read_only
    assert not first["plan"].read_only and not template["plan"].read_only
