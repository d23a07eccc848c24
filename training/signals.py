from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from training.models import RunnerProfile


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_runner_profile(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every user gets a profile, so views and analytics can rely on ``user.profile``."""
    if created and not raw:
        RunnerProfile.objects.get_or_create(user=instance)


# Sync tombstones for deletes (docs/API.md, Syncing a mobile client); importing the module connects
# its receivers.
from training import tombstones  # noqa: E402, F401
