from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from training import services
from training.models import Plan, Run, Workout


@pytest.mark.django_db
def test_every_user_gets_a_profile_with_utc_and_km():
    user = UserFactory()
    assert user.profile.timezone == "UTC"
    assert user.profile.units == "km"


@pytest.mark.django_db
@pytest.mark.parametrize(("length_days", "ok"), [(365, True), (366, False)])
def test_plan_length_is_at_most_365_days_in_the_database(length_days, ok):
    start = date(2026, 1, 1)
    plan = PlanFactory.build(runner=UserFactory(), start_date=start)
    plan.end_date = date.fromordinal(start.toordinal() + length_days)
    if ok:
        plan.save()
        assert Plan.objects.filter(pk=plan.pk).exists()
    else:
        with pytest.raises(IntegrityError):
            plan.save()


@pytest.mark.django_db
def test_plan_clean_names_the_end_date_when_it_is_before_the_start():
    plan = PlanFactory.build(
        runner=UserFactory(), start_date=date(2026, 3, 2), end_date=date(2026, 3, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        plan.full_clean()
    assert "end_date" in excinfo.value.message_dict


# --- each rule of docs/API.md, Validation rules, at its edge: full_clean() and any DB constraint --
#
# Each case is (overrides, accepted, field named in the error, has a DB constraint). "accepted"
# cases sit exactly on the edge; the rejected case next to each is just past it.


def assert_full_clean(obj, accepted: bool, field: str) -> None:
    if accepted:
        obj.full_clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            obj.full_clean()
        assert field in excinfo.value.message_dict, excinfo.value.message_dict


def assert_db(obj, accepted: bool) -> None:
    """Save without clean(): only the database's own constraints stand in the way."""
    if accepted:
        obj.save()
        assert type(obj).objects.filter(pk=obj.pk).exists()
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            obj.save()


PLAN_START = date(2026, 3, 2)
PLAN_CASES = [
    pytest.param({"name": "A"}, True, "name", True, id="name-one-char"),
    pytest.param({"name": "   "}, False, "name", True, id="name-blank-after-trim"),
    pytest.param({"name": "x" * 255}, True, "name", False, id="name-255"),
    pytest.param({"name": "x" * 256}, False, "name", False, id="name-256"),
    pytest.param({"end_date": PLAN_START}, True, "end_date", True, id="end-equals-start"),
    pytest.param({"end_date": date(2026, 3, 1)}, False, "end_date", True, id="end-before-start"),
    pytest.param({"end_date": date(2027, 3, 2)}, True, "end_date", True, id="365-days"),
    pytest.param({"end_date": date(2027, 3, 3)}, False, "end_date", True, id="366-days"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "accepted", "field", "_db"), PLAN_CASES)
def test_plan_rules_in_full_clean(runner, overrides, accepted, field, _db):
    fields = {"name": "Base", "start_date": PLAN_START, "end_date": date(2026, 4, 26), **overrides}
    assert_full_clean(Plan(runner=runner, **fields), accepted, field)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "accepted", "field", "_db"), [c for c in PLAN_CASES if c.values[3]]
)
def test_plan_rules_in_the_database(runner, overrides, accepted, field, _db):
    fields = {"name": "Base", "start_date": PLAN_START, "end_date": date(2026, 4, 26), **overrides}
    assert_db(Plan(runner=runner, **fields), accepted)


@pytest.mark.django_db
def test_plan_name_is_trimmed_on_clean_and_save(runner):
    plan = Plan(runner=runner, name="  Spring 10K \n", start_date=PLAN_START, end_date=PLAN_START)
    plan.full_clean()
    assert plan.name == "Spring 10K"
    plan.name = "  Spring 10K  "
    plan.save()
    plan.refresh_from_db()
    assert plan.name == "Spring 10K"


@pytest.mark.django_db
def test_deleting_a_plan_deletes_its_workouts_and_unlinks_its_runs(runner):
    plan = PlanFactory(runner=runner)
    workout = WorkoutFactory(plan=plan)
    run = RunFactory(runner=runner, plan=plan, workout=workout)
    plan.delete()
    assert not Workout.objects.filter(pk=workout.pk).exists()
    run.refresh_from_db()
    assert (run.plan_id, run.workout_id) == (None, None)


PACE = {"target_pace_min_s_per_km": 300, "target_pace_max_s_per_km": 300}
WORKOUT_CASES = [
    pytest.param({"scheduled_date": date(2026, 3, 2)}, True, "scheduled_date", False, id="first"),
    pytest.param({"scheduled_date": date(2026, 3, 1)}, False, "scheduled_date", False, id="before"),
    pytest.param({"scheduled_date": date(2026, 3, 29)}, True, "scheduled_date", False, id="last"),
    pytest.param({"scheduled_date": date(2026, 3, 30)}, False, "scheduled_date", False, id="after"),
    pytest.param(PACE, True, "target_pace_min_s_per_km", True, id="pace-min-equals-max"),
    pytest.param(
        {"target_pace_min_s_per_km": 300.5, "target_pace_max_s_per_km": 300},
        False,
        "target_pace_min_s_per_km",
        True,
        id="pace-min-above-max",
    ),
    pytest.param(
        {"target_pace_min_s_per_km": 300}, False, "target_pace_max_s_per_km", True, id="only-min"
    ),
    pytest.param(
        {"target_pace_max_s_per_km": 300}, False, "target_pace_max_s_per_km", True, id="only-max"
    ),
    pytest.param({"name": "E"}, True, "name", True, id="name-one-char"),
    pytest.param({"name": ""}, False, "name", True, id="name-empty"),
    pytest.param({"planned_distance_m": 500_000}, True, "planned_distance_m", True, id="d-max"),
    pytest.param(
        {"planned_distance_m": 500_000.1}, False, "planned_distance_m", True, id="d-over-max"
    ),
    pytest.param({"planned_distance_m": 0}, True, "planned_distance_m", True, id="d-zero"),
    pytest.param({"planned_distance_m": -0.1}, False, "planned_distance_m", True, id="d-negative"),
    pytest.param({"planned_duration_s": 604_800}, True, "planned_duration_s", True, id="t-7-days"),
    pytest.param(
        {"planned_duration_s": 604_801}, False, "planned_duration_s", True, id="t-over-7-days"
    ),
    pytest.param(
        {"steps": [{"kind": "work", "repeat": 1, "distance_m": 400}]},
        True,
        "steps",
        False,
        id="steps-repeat-1",
    ),
    pytest.param(
        {"steps": [{"kind": "work", "repeat": 0, "distance_m": 400}]},
        False,
        "steps",
        False,
        id="steps-repeat-0",
    ),
    pytest.param(
        {"steps": [{"kind": "work", "repeat": 50, "distance_m": 400}]},
        True,
        "steps",
        False,
        id="steps-repeat-50",
    ),
    pytest.param(
        {"steps": [{"kind": "work", "repeat": 51, "distance_m": 400}]},
        False,
        "steps",
        False,
        id="steps-repeat-51",
    ),
    pytest.param(
        {"steps": [{"kind": "sprint", "distance_m": 400}]}, False, "steps", False, id="steps-kind"
    ),
]


@pytest.fixture
def march_plan(runner):
    return PlanFactory(runner=runner, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29))


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "accepted", "field", "_db"), WORKOUT_CASES)
def test_workout_rules_in_full_clean(march_plan, overrides, accepted, field, _db):
    fields = {"name": "Easy", "scheduled_date": date(2026, 3, 3), **overrides}
    assert_full_clean(Workout(plan=march_plan, **fields), accepted, field)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "accepted", "field", "_db"), [c for c in WORKOUT_CASES if c.values[3]]
)
def test_workout_rules_in_the_database(march_plan, overrides, accepted, field, _db):
    fields = {"name": "Easy", "scheduled_date": date(2026, 3, 3), **overrides}
    assert_db(Workout(plan=march_plan, **fields), accepted)


@pytest.mark.django_db
def test_workout_save_derives_totals_from_steps_only_when_not_given(march_plan):
    steps = [
        {"kind": "warmup", "duration_s": 600, "target_pace_min_s_per_km": 360,
         "target_pace_max_s_per_km": 400},
        {"kind": "work", "repeat": 5, "distance_m": 1000, "target_pace_min_s_per_km": 240,
         "target_pace_max_s_per_km": 260},
    ]  # fmt: skip
    derived = Workout.objects.create(
        plan=march_plan, name="Intervals", scheduled_date=date(2026, 3, 3), steps=steps
    )
    # Warm-up: 600 s at 380 s/km = 1578.9 m; work: 5 x 1000 m at 250 s/km = 1250 s.
    assert derived.planned_distance_m == pytest.approx(6578.9)
    assert derived.planned_duration_s == 1850
    given = Workout.objects.create(
        plan=march_plan,
        name="Intervals",
        scheduled_date=date(2026, 3, 4),
        steps=steps,
        planned_distance_m=8000,
    )
    assert given.planned_distance_m == 8000
    assert given.planned_duration_s == 1850


def _run(runner, **overrides) -> Run:
    fields = {
        "started_at": timezone.now() - timedelta(hours=2),
        "timezone": "UTC",
        "distance_m": 10_000,
        "duration_s": 3000,
        **overrides,
    }
    return Run(runner=runner, **fields)


RUN_CASES = [
    pytest.param({"distance_m": 0.001}, True, "distance_m", True, id="distance-tiny"),
    pytest.param({"distance_m": 0}, False, "distance_m", True, id="distance-zero"),
    pytest.param({"distance_m": 500_000}, True, "distance_m", True, id="distance-max"),
    pytest.param({"distance_m": 500_000.001}, False, "distance_m", True, id="distance-over"),
    pytest.param({"duration_s": 1}, True, "duration_s", True, id="duration-1s"),
    pytest.param({"duration_s": 0}, False, "duration_s", True, id="duration-0s"),
    pytest.param({"duration_s": 604_800}, True, "duration_s", True, id="duration-7-days"),
    pytest.param({"duration_s": 604_801}, False, "duration_s", True, id="duration-over-7-days"),
    pytest.param({"elapsed_s": 3000}, True, "elapsed_s", True, id="elapsed-equals-moving"),
    pytest.param({"elapsed_s": 2999}, False, "elapsed_s", True, id="elapsed-below-moving"),
    pytest.param({"avg_heart_rate": 25}, True, "avg_heart_rate", True, id="avg-hr-25"),
    pytest.param({"avg_heart_rate": 24}, False, "avg_heart_rate", True, id="avg-hr-24"),
    pytest.param({"avg_heart_rate": 250}, True, "avg_heart_rate", True, id="avg-hr-250"),
    pytest.param({"avg_heart_rate": 251}, False, "avg_heart_rate", True, id="avg-hr-251"),
    pytest.param({"max_heart_rate": 25}, True, "max_heart_rate", True, id="max-hr-25"),
    pytest.param({"max_heart_rate": 24}, False, "max_heart_rate", True, id="max-hr-24"),
    pytest.param({"max_heart_rate": 250}, True, "max_heart_rate", True, id="max-hr-250"),
    pytest.param({"max_heart_rate": 251}, False, "max_heart_rate", True, id="max-hr-251"),
    pytest.param(
        {"avg_heart_rate": 160, "max_heart_rate": 160}, True, "avg_heart_rate", True, id="avg=max"
    ),
    pytest.param(
        {"avg_heart_rate": 161, "max_heart_rate": 160}, False, "avg_heart_rate", True, id="avg>max"
    ),
    pytest.param({"perceived_effort": 1}, True, "perceived_effort", True, id="effort-1"),
    pytest.param({"perceived_effort": 0}, False, "perceived_effort", True, id="effort-0"),
    pytest.param({"perceived_effort": 10}, True, "perceived_effort", True, id="effort-10"),
    pytest.param({"perceived_effort": 11}, False, "perceived_effort", True, id="effort-11"),
    pytest.param({"elevation_gain_m": 0}, True, "elevation_gain_m", True, id="elevation-0"),
    pytest.param({"elevation_gain_m": -0.1}, False, "elevation_gain_m", True, id="elevation-neg"),
    pytest.param({"avg_cadence": 300}, True, "avg_cadence", True, id="cadence-300"),
    pytest.param({"avg_cadence": 301}, False, "avg_cadence", True, id="cadence-301"),
    pytest.param({"timezone": "Europe/Berlin"}, True, "timezone", False, id="tz-known"),
    pytest.param({"timezone": "Mars/Olympus"}, False, "timezone", False, id="tz-unknown"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "accepted", "field", "_db"), RUN_CASES)
def test_run_rules_in_full_clean(runner, overrides, accepted, field, _db):
    assert_full_clean(_run(runner, **overrides), accepted, field)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "accepted", "field", "_db"), [c for c in RUN_CASES if c.values[3]]
)
def test_run_rules_in_the_database(runner, overrides, accepted, field, _db):
    assert_db(_run(runner, **overrides), accepted)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ahead", "accepted"),
    # Five minutes of slack for watch and server clocks that disagree; past that it is future.
    [(timedelta(minutes=4, seconds=30), True), (timedelta(minutes=5, seconds=30), False)],
)
def test_run_start_must_not_be_in_the_future(runner, ahead, accepted):
    assert_full_clean(_run(runner, started_at=timezone.now() + ahead), accepted, "started_at")


@pytest.mark.django_db
def test_run_start_must_carry_a_time_zone(runner):
    assert_full_clean(_run(runner, started_at=datetime(2026, 1, 1, 8, 0)), False, "started_at")


@pytest.mark.django_db
def test_run_workout_must_belong_to_the_runs_plan(runner):
    plan, other_plan = PlanFactory(runner=runner), PlanFactory(runner=runner)
    workout = WorkoutFactory(plan=plan)
    assert_full_clean(_run(runner, plan=plan, workout=workout), True, "workout")
    assert_full_clean(_run(runner, plan=other_plan, workout=workout), False, "workout")


@pytest.mark.django_db
def test_run_linked_to_a_workout_gets_its_plan(runner):
    workout = WorkoutFactory(plan=PlanFactory(runner=runner))
    run = _run(runner, workout=workout)
    run.full_clean()
    assert run.plan_id == workout.plan_id


@pytest.mark.django_db
def test_run_plan_must_be_the_same_runners(runner, other_runner):
    own, foreign = PlanFactory(runner=runner), PlanFactory(runner=other_runner)
    assert_full_clean(_run(runner, plan=own), True, "plan")
    assert_full_clean(_run(runner, plan=foreign), False, "plan")
    foreign_workout = WorkoutFactory(plan=foreign)
    assert_full_clean(_run(runner, workout=foreign_workout), False, "plan")


@pytest.mark.django_db
def test_run_with_a_workout_but_no_plan_is_refused_by_the_database(runner):
    workout = WorkoutFactory(plan=PlanFactory(runner=runner))
    assert_db(_run(runner, workout=workout, plan=workout.plan), True)
    assert_db(_run(runner, workout=workout, plan=None), False)


@pytest.mark.django_db
def test_source_hash_is_unique_per_runner(runner, other_runner):
    _run(runner, source_hash="abc").save()
    duplicate = _run(runner, source_hash="abc")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "__all__" in excinfo.value.message_dict
    assert_db(duplicate, False)
    # Another runner may import the same file, and hand-logged runs (NULL hash) never clash.
    assert_full_clean(_run(other_runner, source_hash="abc"), True, "source_hash")
    assert_db(_run(other_runner, source_hash="abc"), True)
    assert_db(_run(runner, source_hash=None), True)
    assert_db(_run(runner, source_hash=None), True)


@pytest.mark.django_db
def test_pace_is_moving_time_over_distance(runner):
    assert _run(runner, distance_m=10_000, duration_s=3000).pace_s_per_km == 300
    assert _run(runner, distance_m=21_097.5, duration_s=6330).pace_s_per_km == pytest.approx(
        300.03, abs=0.01
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("started_at_utc", "tz_name", "expected"),
    [
        # Berlin is UTC+1 in winter: 23:30 UTC is 00:30 on the next day there.
        (datetime(2026, 1, 10, 23, 30, tzinfo=UTC), "Europe/Berlin", date(2026, 1, 11)),
        # UTC+2 in summer: 21:30 UTC is still 23:30 the same day, 22:30 UTC is past midnight.
        (datetime(2026, 7, 10, 21, 30, tzinfo=UTC), "Europe/Berlin", date(2026, 7, 10)),
        (datetime(2026, 7, 10, 22, 30, tzinfo=UTC), "Europe/Berlin", date(2026, 7, 11)),
        (datetime(2026, 1, 10, 23, 30, tzinfo=UTC), "UTC", date(2026, 1, 10)),
        # New York is UTC-5 in winter: 03:00 UTC is 22:00 the previous evening.
        (
            datetime(2026, 1, 11, 3, 0, tzinfo=UTC),
            "America/New_York",
            date(2026, 1, 10),
        ),
    ],
)
def test_run_local_date_is_the_day_of_the_local_start(runner, started_at_utc, tz_name, expected):
    run = _run(runner, started_at=started_at_utc, timezone=tz_name)
    run.save()
    run.refresh_from_db()
    assert run.local_date == expected


@pytest.mark.django_db
def test_local_date_follows_a_partial_update_of_the_start(runner):
    run = _run(runner, started_at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    run.save()
    run.started_at = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)
    run.timezone = "Europe/Berlin"
    run.save(update_fields=["started_at", "timezone"])
    run.refresh_from_db()
    assert run.local_date == date(2026, 1, 11)


PROFILE_CASES = [
    pytest.param({"max_hr": 25, "resting_hr": None}, True, "max_hr", True, id="max-25"),
    pytest.param({"max_hr": 24, "resting_hr": None}, False, "max_hr", True, id="max-24"),
    pytest.param({"max_hr": 250, "resting_hr": None}, True, "max_hr", True, id="max-250"),
    pytest.param({"max_hr": 251, "resting_hr": None}, False, "max_hr", True, id="max-251"),
    pytest.param({"resting_hr": 25, "max_hr": None}, True, "resting_hr", True, id="rest-25"),
    pytest.param({"resting_hr": 24, "max_hr": None}, False, "resting_hr", True, id="rest-24"),
    pytest.param({"resting_hr": 250, "max_hr": None}, True, "resting_hr", True, id="rest-250"),
    pytest.param({"resting_hr": 251, "max_hr": None}, False, "resting_hr", True, id="rest-251"),
    pytest.param({"resting_hr": 189, "max_hr": 190}, True, "resting_hr", True, id="rest<max"),
    pytest.param({"resting_hr": 190, "max_hr": 190}, False, "resting_hr", True, id="rest=max"),
    pytest.param({"timezone": "Asia/Kolkata"}, True, "timezone", False, id="tz-known"),
    pytest.param({"timezone": "Europe/Atlantis"}, False, "timezone", False, id="tz-unknown"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "accepted", "field", "_db"), PROFILE_CASES)
def test_profile_rules_in_full_clean(runner, overrides, accepted, field, _db):
    profile = runner.profile
    for name, value in overrides.items():
        setattr(profile, name, value)
    assert_full_clean(profile, accepted, field)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "accepted", "field", "_db"), [c for c in PROFILE_CASES if c.values[3]]
)
def test_profile_rules_in_the_database(runner, overrides, accepted, field, _db):
    profile = runner.profile
    for name, value in overrides.items():
        setattr(profile, name, value)
    assert_db(profile, accepted)


@pytest.mark.django_db
def test_profile_calendar_token_is_unique_and_can_be_regenerated(runner, other_runner):
    old = runner.profile.calendar_token
    assert len(old) >= 40
    assert old != other_runner.profile.calendar_token
    services.profile_regenerate_calendar_token(profile=runner.profile)
    runner.profile.refresh_from_db()
    assert runner.profile.calendar_token != old
