"""factory-boy factories for the whole suite (one place, SubFactory for relations)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from training.models import Plan, Run, Shoe, Workout

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"runner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class CoachFactory(UserFactory):
    username = factory.Sequence(lambda n: f"coach{n}")
    is_staff = True

    @factory.post_generation
    def coach_group(self, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name="coach")
            self.groups.add(group)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    description = "Build towards a spring half marathon."
    runner = factory.SubFactory(UserFactory)
    coach = None
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=14))
    end_date = factory.LazyAttribute(lambda plan: plan.start_date + timedelta(weeks=16, days=-1))
    status = Plan.Status.ACTIVE


class WorkoutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workout

    plan = factory.SubFactory(PlanFactory)
    name = "Easy run"
    workout_type = Workout.WorkoutType.EASY
    scheduled_date = factory.LazyAttribute(lambda workout: workout.plan.start_date)
    planned_distance_m = 8000.0
    planned_duration_s = 2880


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Run

    runner = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    timezone = "UTC"
    distance_m = 10_000.0
    duration_s = 3000
    source = Run.Source.MANUAL


class ShoeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shoe

    runner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Trainer {n}")
    starting_distance_m = 0.0
    retirement_distance_m = 800_000.0
