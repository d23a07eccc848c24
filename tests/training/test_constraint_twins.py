"""Every database check constraint has a Python twin that ``full_clean()`` runs.

``TimeStampedModel.get_constraints`` leaves check constraints out of ``full_clean()`` (each
would cost a query in a savepoint; docs/PERFORMANCE.md). That is only safe while a field
validator or a ``clean()`` rule refuses the same values with a message. For each constraint this
builds a valid object, breaks exactly that constraint, checks that the database constraint
really refuses it, and that ``full_clean()`` refuses it too, without a query.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from tests.factories import PlanFactory, RunFactory, ShoeFactory, UserFactory, WorkoutFactory
from training.models import RunBestEffort

pytestmark = pytest.mark.django_db


def profile(**_):
    return UserFactory().profile


def plan(**_):
    return PlanFactory.build(runner=UserFactory())


def workout(**_):
    return WorkoutFactory.build(plan=PlanFactory())


def run(**_):
    return RunFactory.build(runner=UserFactory())


def best_effort(**_):
    return RunBestEffort(
        run=RunFactory(), distance="1k", elapsed_s=240.0, start_offset_s=0.0, start_offset_m=0.0
    )


def shoe(**_):
    return ShoeFactory.build(runner=UserFactory())


# constraint name -> (a valid object, the changes that break only that constraint; a callable
# change is computed from the object)
BREAKS = {
    "profile_max_hr_range": (profile, {"max_hr": 251}),
    "profile_resting_hr_range": (profile, {"resting_hr": 24}),
    "profile_resting_below_max_hr": (profile, {"max_hr": 150, "resting_hr": 160}),
    "plan_end_not_before_start": (
        plan,
        {"end_date": lambda p: p.start_date - timedelta(days=1)},
    ),
    "plan_at_most_365_days": (plan, {"end_date": lambda p: p.start_date + timedelta(days=366)}),
    "plan_name_not_empty": (plan, {"name": ""}),
    "workout_pace_range_ordered": (
        workout,
        {"target_pace_min_s_per_km": 320, "target_pace_max_s_per_km": 300},
    ),
    "workout_planned_distance_range": (workout, {"planned_distance_m": 500_001.0}),
    "workout_planned_duration_range": (workout, {"planned_duration_s": 604_801}),
    "workout_name_not_empty": (workout, {"name": ""}),
    "run_distance_range": (run, {"distance_m": 0.0}),
    "run_duration_range": (run, {"duration_s": 0}),
    "run_elapsed_not_below_moving": (run, {"duration_s": 3000, "elapsed_s": 2999}),
    "run_elevation_gain_not_negative": (run, {"elevation_gain_m": -1.0}),
    "run_avg_hr_range": (run, {"avg_heart_rate": 251}),
    "run_max_hr_range": (run, {"max_heart_rate": 24}),
    "run_avg_hr_not_above_max": (run, {"avg_heart_rate": 170, "max_heart_rate": 160}),
    "run_perceived_effort_range": (run, {"perceived_effort": 11}),
    "run_avg_cadence_range": (run, {"avg_cadence": 301}),
    "run_workout_requires_plan": (run, {"plan": None, "workout": lambda _: WorkoutFactory()}),
    "best_effort_positive_times": (best_effort, {"elapsed_s": 0.0}),
    "best_effort_known_distance": (best_effort, {"distance": "3k"}),
    "shoe_name_not_empty": (shoe, {"name": ""}),
    "shoe_starting_distance_range": (shoe, {"starting_distance_m": -1.0}),
    "shoe_retirement_distance_range": (shoe, {"retirement_distance_m": 10_000_001.0}),
    "shoe_retired_not_default": (shoe, {"is_default": True, "retired": True}),
}


def check_constraints() -> dict[str, tuple[type[models.Model], models.CheckConstraint]]:
    found = {}
    for model in apps.get_app_config("training").get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint):
                found[constraint.name] = (model, constraint)
    return found


def test_every_check_constraint_is_listed_here():
    # A new constraint without a twin (and a line above) fails here, not in production.
    assert set(BREAKS) == set(check_constraints())


def broken(name: str):
    make, changes = BREAKS[name]
    obj = make()
    for field, value in changes.items():
        setattr(obj, field, value(obj) if callable(value) else value)
    return obj


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_full_clean_refuses_what_the_constraint_refuses(name, django_assert_max_num_queries):
    model, constraint = check_constraints()[name]
    obj = broken(name)
    # The breakage is real: the database constraint itself refuses the object.
    with pytest.raises(ValidationError):
        constraint.validate(model, obj)
    # ... and full_clean() refuses it without validating constraints in the database (it may
    # still look up foreign keys and unique fields).
    with django_assert_max_num_queries(4) as captured, pytest.raises(ValidationError):
        obj.full_clean()
    assert not any("_check" in q["sql"] for q in captured.captured_queries)


def test_one_default_shoe_per_runner_is_still_validated():
    first = ShoeFactory(is_default=True)
    second = ShoeFactory.build(runner=first.runner, is_default=True)
    with pytest.raises(ValidationError):
        second.full_clean()


def test_unique_constraints_are_still_validated():
    first = RunFactory(source_hash="a" * 64)
    again = RunFactory.build(runner=first.runner, source_hash="a" * 64)
    with pytest.raises(ValidationError):
        again.full_clean()
