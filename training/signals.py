from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from tracker.authentication import forget_user_tokens_of
from training.models import Plan, RunnerProfile


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_runner_profile(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every user gets a profile, so views and analytics can rely on ``user.profile``."""
    if created and not raw:
        RunnerProfile.objects.get_or_create(user=instance)


# --- The coached runners kept in the token entry (tracker/authentication.py, entry facts) -----
# What a coach may read depends on the plans naming them: every plan write tombstones the token
# entries of the coaches it touches (before and after), inside its transaction, so their next
# requests read the coached runners from the database again. A plan write that bypasses
# Plan.save()/delete() (a queryset update or bulk create) goes through PlanQuerySet, which does
# the same (training/models.py).


@receiver(pre_save, sender=Plan)
def remember_plan_coach(sender: Any, instance: Plan, raw: bool = False, **kwargs: Any) -> None:
    if instance._state.adding or raw:
        return
    stored = Plan.objects.filter(pk=instance.pk).values_list("coach_id", flat=True).first()
    instance._coach_id_before = stored  # type: ignore[attr-defined]


@receiver(post_save, sender=Plan)
def forget_coach_tokens_on_save(sender: Any, instance: Plan, **kwargs: Any) -> None:
    before = vars(instance).pop("_coach_id_before", None)
    forget_user_tokens_of([instance.coach_id, before])


@receiver(post_delete, sender=Plan)
def forget_coach_tokens_on_delete(sender: Any, instance: Plan, **kwargs: Any) -> None:
    forget_user_tokens_of([instance.coach_id])


# Sync tombstones for deletes (docs/API.md, Syncing a mobile client); importing the module connects
# its receivers.
from training import tombstones  # noqa: E402, F401
