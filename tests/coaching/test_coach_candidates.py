"""Who may be a plan's coach: one rule (training.selectors.coach_candidates) that the API's plan
serializer and the admin's plan form both apply, so they accept and refuse the same users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import CoachFactory, UserFactory
from tests.helpers import API
from training.selectors import coach_candidates

pytestmark = pytest.mark.django_db


def _in_coach_group(user):
    user.groups.add(Group.objects.get_or_create(name="coach")[0])
    return user


USERS = {
    # name: (how to make them, may coach)
    "coach (staff in the coach group)": (lambda: CoachFactory(username="c1"), True),
    "superuser": (lambda: UserFactory(username="su", is_staff=True, is_superuser=True), True),
    "staff outside the coach group": (lambda: UserFactory(username="st", is_staff=True), False),
    "coach group member who is not staff": (
        lambda: _in_coach_group(UserFactory(username="gm")),
        False,
    ),
    "inactive coach": (lambda: CoachFactory(username="ic", is_active=False), False),
    "plain runner": (lambda: UserFactory(username="rn"), False),
}


@pytest.fixture(params=list(USERS), ids=list(USERS))
def candidate(request):
    make, may_coach = USERS[request.param]
    return make(), may_coach


def test_the_selector_says_who_may_coach(candidate):
    user, may_coach = candidate
    assert coach_candidates().filter(pk=user.pk).exists() is may_coach


def test_the_api_accepts_exactly_the_coach_candidates(api_client, candidate):
    user, may_coach = candidate
    body = {
        "name": "Spring 10K",
        "start_date": "2026-03-02",
        "end_date": "2026-04-26",
        "coach": user.pk,
    }
    response = api_client.post(f"{API}/plans", body, format="json")
    assert response.status_code == (201 if may_coach else 400), response.content


def test_the_admin_offers_exactly_the_coach_candidates(client, superuser, runner, candidate):
    user, may_coach = candidate
    client.force_login(superuser)
    response = client.get(reverse("admin:training_plan_add"))
    offered = response.context["adminform"].form.fields["coach"].queryset
    assert offered.filter(pk=user.pk).exists() is may_coach
    data = {
        "name": "Spring 10K",
        "runner": runner.pk,
        "coach": user.pk,
        "status": "draft",
        "start_date": "2026-03-02",
        "end_date": "2026-04-26",
        "workouts-TOTAL_FORMS": "0",
        "workouts-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:training_plan_add"), data)
    assert response.status_code == (302 if may_coach else 200)
    assert response.status_code != 200 or "coach" in response.context["adminform"].form.errors
