"""Tombstones for the sync deletions feed (docs/API.md, Syncing a mobile client), written by signal
receivers for deletes that do not go through the delete services (admin actions, a user's cascade).

The services in training/services.py write their tombstones in bulk and then delete inside
``tombstones_recorded()``, which tells the receivers not to write them a second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from training.models import Deletion, Plan, Run, Shoe, Workout

_already_recorded: ContextVar[bool] = ContextVar("tombstones_already_recorded", default=False)


@contextmanager
def tombstones_recorded() -> Iterator[None]:
    token = _already_recorded.set(True)
    try:
        yield
    finally:
        _already_recorded.reset(token)


# pre_delete, not post_delete: Django deletes a plan's workouts before the plan itself, and the
# workout's tombstone needs the plan's runner and coach while the plan row still exists.
@receiver(pre_delete, sender=Plan, dispatch_uid="tombstone_plan")
def record_plan_deletion(sender, instance: Plan, **kwargs) -> None:
    if _already_recorded.get():
        return
    Deletion.objects.create(
        object_type=Deletion.ObjectType.PLAN,
        object_id=instance.pk,
        runner_user_id=instance.runner_id,
        coach_user_id=instance.coach_id,
    )


@receiver(pre_delete, sender=Workout, dispatch_uid="tombstone_workout")
def record_workout_deletion(sender, instance: Workout, **kwargs) -> None:
    if _already_recorded.get():
        return
    owners = Plan.objects.filter(pk=instance.plan_id).values("runner_id", "coach_id").first()
    if owners is None:
        return
    Deletion.objects.create(
        object_type=Deletion.ObjectType.WORKOUT,
        object_id=instance.pk,
        runner_user_id=owners["runner_id"],
        coach_user_id=owners["coach_id"],
    )


@receiver(pre_delete, sender=Run, dispatch_uid="tombstone_run")
def record_run_deletion(sender, instance: Run, **kwargs) -> None:
    if _already_recorded.get():
        return
    Deletion.objects.create(
        object_type=Deletion.ObjectType.RUN,
        object_id=instance.pk,
        runner_user_id=instance.runner_id,
    )


@receiver(pre_delete, sender=Shoe, dispatch_uid="tombstone_shoe")
def record_shoe_deletion(sender, instance: Shoe, **kwargs) -> None:
    if _already_recorded.get():
        return
    Deletion.objects.create(
        object_type=Deletion.ObjectType.SHOE,
        object_id=instance.pk,
        runner_user_id=instance.runner_id,
    )
