"""The private per-runner calendar feed (``/calendar/<token>.ics``) that calendar apps poll.

No login: the unguessable token (``RunnerProfile.calendar_token``, 256 random bits) is the
credential, so an unknown or regenerated token answers 404 like any missing page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from training.api.files import calendar_response
from training.exports import workouts_calendar
from training.selectors import profile_with_calendar_token, workouts_in_calendar_feed


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    profile = profile_with_calendar_token(token)
    if profile is None:
        raise Http404("No calendar feed at this address.")
    workouts = workouts_in_calendar_feed(profile.user)
    content = workouts_calendar(
        workouts, name=f"Training plan - {profile.user.get_username()}", units=profile.units
    )
    return calendar_response(content, filename="training.ics")
