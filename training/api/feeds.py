"""The private per-runner calendar feed (``/calendar/<token>.ics``) that calendar apps poll.

No login: the unguessable token (``RunnerProfile.calendar_token``, 256 random bits) is the
credential, so an unknown or regenerated token answers 404 like any missing page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from training.api.files import calendar_response
from training.exports import workouts_calendar
from training.models import Plan, RunnerProfile, Workout

# Drafts are still being written by the coach and abandoned plans are over; the feed shows the
# plans a runner is following or has followed.
FEED_PLAN_STATUSES = (Plan.Status.ACTIVE, Plan.Status.COMPLETED)


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    profile = (
        RunnerProfile.objects.select_related("user").filter(calendar_token=token).first()
        if token
        else None
    )
    if profile is None:
        raise Http404("No calendar feed at this address.")
    workouts = Workout.objects.filter(
        plan__runner=profile.user, plan__status__in=FEED_PLAN_STATUSES
    ).order_by("scheduled_date", "created_at")
    content = workouts_calendar(
        workouts, name=f"Training plan - {profile.user.get_username()}", units=profile.units
    )
    return calendar_response(content, filename="training.ics")
