"""Template context every dashboard page needs: the runner's units and time zone."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from training.formatting import DEFAULT_UNITS


def runner(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    units, tz_name = DEFAULT_UNITS, "UTC"
    if user is not None and user.is_authenticated:
        profile = getattr(user, "profile", None)  # one query, then cached on the user
        if profile is not None:
            units, tz_name = profile.units, profile.timezone
    return {
        "units": units,
        "runner_tz": tz_name,
        "signup_enabled": getattr(settings, "SIGNUP_ENABLED", True),
    }
