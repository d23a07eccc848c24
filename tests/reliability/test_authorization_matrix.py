"""Authorization matrix generated from the URL conf (issue 9).

Every URL pattern the project serves (API v1, schema and docs, dashboard pages, sign-in pages,
the calendar feed, the admin) is walked with Django's resolver and must have an expectation in
``EXPECTED``: a new route without one fails ``test_every_route_has_an_expectation``, so nothing
can escape the matrix. Each expectation is checked for six roles on runner A's objects:
anonymous, runner A, runner B, the coach of A, a coach of nobody and a superuser. Runner B (and
the coach of nobody) must not learn that A's objects exist: their answer is byte-for-byte the
answer for a random id that exists nowhere.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import PlanFactory, RunFactory, ShoeFactory, WorkoutFactory
from training import services
from training.models import ImportJob, RunnerProfile

ROLES = ["anonymous", "runner", "other_runner", "coach", "other_coach", "superuser"]
OUTSIDERS = ["other_runner", "other_coach"]


def same_for(status: int, **overrides: int) -> dict[str, int]:
    """Every signed-in role gets ``status`` unless overridden."""
    expected = {role: status for role in ROLES if role != "anonymous"}
    expected.update(overrides)
    return expected


# A's object, seen by each role (docs/API.md, Who sees what: out of view → 404).
API_OWN = {"anonymous": 401, **same_for(200, other_runner=404, other_coach=404)}
API_OWN_WRITE_RUN = {**API_OWN, "coach": 403}  # a coach reads a runner's runs, never writes
API_OWN_CREATE = {**API_OWN}
API_LIST = {"anonymous": 401, **same_for(200)}
# A template is its owner's alone (the coach of A here); a superuser sees every template.
API_TEMPLATE = {"anonymous": 401, **same_for(404, coach=200, superuser=200)}
# Whole-history imports are the uploader's alone: not their coach's, not a superuser's.
API_IMPORT = {"anonymous": 401, **same_for(404, runner=200)}
WEB_LOGIN = 302  # anonymous visitors are sent to the login page
WEB_OWN = {"anonymous": WEB_LOGIN, **same_for(200, other_runner=404, other_coach=404)}
WEB_OWN_RUN_EDIT = {**WEB_OWN, "coach": 404}  # the coach may read the run, not edit it
WEB_PAGE = {"anonymous": WEB_LOGIN, **same_for(200)}
WEB_ONLY_OWNER = {"anonymous": WEB_LOGIN, **same_for(404, runner=200)}
PUBLIC = {"anonymous": 200, **same_for(200)}


@dataclass
class Check:
    method: str
    path: str  # with {plan}, {workout}, {run}, {shoe}, {token} placeholders
    expected: dict[str, int]
    body: dict = field(default_factory=dict)
    hides_existence: bool = False  # compare outsiders' answer with a random id's


# Keys are the route patterns normalised by ``route_key`` (no anchors, no optional slash, path
# converters and UUID groups written as <id>).
EXPECTED: dict[str, list[Check]] = {
    "api/v1": [Check("GET", "/api/v1/", API_LIST)],
    "api/v1/auth/token": [
        # Wrong credentials for everyone: a 400, never a hint about who exists.
        Check(
            "POST",
            "/api/v1/auth/token",
            {r: 400 for r in ROLES},
            {"username": "x", "password": "y"},
        )
    ],
    "api/v1/auth/logout": [
        Check("POST", "/api/v1/auth/logout", {"anonymous": 401, **same_for(204)})
    ],
    "api/v1/auth/logout-all": [
        Check("POST", "/api/v1/auth/logout-all", {"anonymous": 401, **same_for(204)})
    ],
    # Everyone's own profile only: there is no id to name another's (issue 19).
    "api/v1/profile": [
        Check("GET", "/api/v1/profile", API_LIST),
        Check("PATCH", "/api/v1/profile", API_LIST, {"max_hr": 190, "resting_hr": 50}),
    ],
    "api/v1/plans": [Check("GET", "/api/v1/plans", API_LIST)],
    "api/v1/plans/<id>": [
        Check("GET", "/api/v1/plans/{plan}", API_OWN, hides_existence=True),
        Check("PATCH", "/api/v1/plans/{plan}", API_OWN, {"goal": "sub 50"}, hides_existence=True),
        Check(
            "DELETE",
            "/api/v1/plans/{plan}",
            {**API_OWN, "runner": 204, "coach": 204, "superuser": 204},
            hides_existence=True,
        ),
    ],
    "api/v1/plans/<id>/copy": [
        Check(
            "POST",
            "/api/v1/plans/{plan}/copy",
            {**API_OWN, "runner": 201, "coach": 201, "superuser": 201},
            {"runner": "{runner_id}", "start_date": "2026-06-01"},
            hides_existence=True,
        ),
    ],
    "api/v1/plans/<id>/save-as-template": [
        Check(
            "POST",
            "/api/v1/plans/{plan}/save-as-template",
            {**API_OWN, "runner": 201, "coach": 201, "superuser": 201},
            {"anchor": "start"},
            hides_existence=True,
        ),
    ],
    "api/v1/plans/<id>/shift": [
        Check(
            "POST",
            "/api/v1/plans/{plan}/shift",
            API_OWN,
            {"days": 1, "first_day": "2026-01-05"},
            hides_existence=True,
        ),
    ],
    "api/v1/plan-templates": [Check("GET", "/api/v1/plan-templates", API_LIST)],
    "api/v1/plan-templates/<id>": [
        Check("GET", "/api/v1/plan-templates/{template}", API_TEMPLATE, hides_existence=True),
        Check(
            "DELETE",
            "/api/v1/plan-templates/{template}",
            {**API_TEMPLATE, "coach": 204, "superuser": 204},
            hides_existence=True,
        ),
    ],
    "api/v1/plan-templates/<id>/apply": [
        Check(
            "POST",
            "/api/v1/plan-templates/{template}/apply",
            {**API_TEMPLATE, "coach": 201, "superuser": 201},
            {"runner": "{runner_id}", "start_date": "2026-06-01"},
            hides_existence=True,
        ),
    ],
    "api/v1/plans/<id>/workouts": [
        Check("GET", "/api/v1/plans/{plan}/workouts", API_OWN, hides_existence=True),
        Check(
            "POST",
            "/api/v1/plans/{plan}/workouts",
            {**API_OWN, "runner": 201, "coach": 201, "superuser": 201},
            {"name": "Easy", "workout_type": "easy", "scheduled_date": "2026-01-08"},
            hides_existence=True,
        ),
    ],
    "api/v1/plans/<id>/runs": [
        Check("GET", "/api/v1/plans/{plan}/runs", API_OWN, hides_existence=True),
        # Only the plan's runner logs runs on it (a superuser is not that runner either).
        Check(
            "POST",
            "/api/v1/plans/{plan}/runs",
            {**API_OWN, "runner": 201, "coach": 403, "superuser": 403},
            {"started_at": "2026-01-08T07:00:00Z", "distance_m": 5000, "duration_s": 1500},
            hides_existence=True,
        ),
    ],
    "api/v1/plans/<id>/progress": [
        Check("GET", "/api/v1/plans/{plan}/progress", API_OWN, hides_existence=True)
    ],
    "api/v1/plans/<id>/weekly-summary": [
        Check(
            "GET",
            "/api/v1/plans/{plan}/weekly-summary?week_number=1",
            API_OWN,
            hides_existence=True,
        )
    ],
    "api/v1/plans/<id>/calendar.ics": [
        Check("GET", "/api/v1/plans/{plan}/calendar.ics", API_OWN, hides_existence=True)
    ],
    "api/v1/analytics/summary": [Check("GET", "/api/v1/analytics/summary", API_LIST)],
    "api/v1/analytics/plan/<id>": [
        Check("GET", "/api/v1/analytics/plan/{plan}", API_OWN, hides_existence=True)
    ],
    "api/v1/workouts": [Check("GET", "/api/v1/workouts", API_LIST)],
    "api/v1/workouts/<id>": [
        Check("GET", "/api/v1/workouts/{workout}", API_OWN, hides_existence=True),
        Check(
            "PATCH", "/api/v1/workouts/{workout}", API_OWN, {"notes": "hills"}, hides_existence=True
        ),
        Check(
            "DELETE",
            "/api/v1/workouts/{workout}",
            {**API_OWN, "runner": 204, "coach": 204, "superuser": 204},
            hides_existence=True,
        ),
    ],
    "api/v1/runs": [Check("GET", "/api/v1/runs", API_LIST)],
    "api/v1/runs/<id>": [
        Check("GET", "/api/v1/runs/{run}", API_OWN, hides_existence=True),
        Check(
            "PATCH",
            "/api/v1/runs/{run}",
            API_OWN_WRITE_RUN,
            {"notes": "windy"},
            hides_existence=True,
        ),
        Check(
            "DELETE",
            "/api/v1/runs/{run}",
            {**API_OWN_WRITE_RUN, "runner": 204, "superuser": 204},
            hides_existence=True,
        ),
    ],
    # Comments: whoever sees the parent reads and writes them (a coach comments on a run too).
    "api/v1/workouts/<id>/comments": [
        Check("GET", "/api/v1/workouts/{workout}/comments", API_OWN, hides_existence=True),
        Check(
            "POST",
            "/api/v1/workouts/{workout}/comments",
            {**API_OWN, "runner": 201, "coach": 201, "superuser": 201},
            {"body": "How did it go?"},
            hides_existence=True,
        ),
    ],
    "api/v1/runs/<id>/comments": [
        Check("GET", "/api/v1/runs/{run}/comments", API_OWN, hides_existence=True),
        Check(
            "POST",
            "/api/v1/runs/{run}/comments",
            {**API_OWN, "runner": 201, "coach": 201, "superuser": 201},
            {"body": "Well paced."},
            hides_existence=True,
        ),
    ],
    "api/v1/shoes": [
        Check("GET", "/api/v1/shoes", API_LIST),
        Check("POST", "/api/v1/shoes", {"anonymous": 401, **same_for(201)}, {"name": "Spare"}),
    ],
    # Shoes follow runs: the coach reads the runner's shoe but never writes it.
    "api/v1/shoes/<id>": [
        Check("GET", "/api/v1/shoes/{shoe}", API_OWN, hides_existence=True),
        Check(
            "PATCH",
            "/api/v1/shoes/{shoe}",
            API_OWN_WRITE_RUN,
            {"name": "Race flats"},
            hides_existence=True,
        ),
        Check(
            "DELETE",
            "/api/v1/shoes/{shoe}",
            {**API_OWN_WRITE_RUN, "runner": 204, "superuser": 204},
            hides_existence=True,
        ),
    ],
    "api/v1/runs/import": [
        # JSON instead of a multipart file: 415 for every signed-in caller.
        Check("POST", "/api/v1/runs/import", {"anonymous": 401, **same_for(415)})
    ],
    "api/v1/imports": [
        Check("GET", "/api/v1/imports", API_LIST),
        # JSON instead of a multipart archive: 415 for every signed-in caller.
        Check("POST", "/api/v1/imports", {"anonymous": 401, **same_for(415)}),
    ],
    "api/v1/imports/<id>": [
        Check("GET", "/api/v1/imports/{import}", API_IMPORT, hides_existence=True)
    ],
    "api/v1/imports/<id>/cancel": [
        Check("POST", "/api/v1/imports/{import}/cancel", API_IMPORT, hides_existence=True)
    ],
    "api/v1/imports/<id>/undo": [
        Check("POST", "/api/v1/imports/{import}/undo", API_IMPORT, hides_existence=True)
    ],
    "api/v1/runs/export.csv": [Check("GET", "/api/v1/runs/export.csv", API_LIST)],
    "api/v1/deletions": [Check("GET", "/api/v1/deletions", API_LIST)],
    "api/schema": [Check("GET", "/api/schema/", PUBLIC)],
    "docs": [Check("GET", "/docs/", PUBLIC)],
    "redoc": [Check("GET", "/redoc/", PUBLIC)],
    # The private feed: whoever holds A's token reads A's workouts; a wrong token is 404.
    "calendar/<id>.ics": [Check("GET", "/calendar/{token}.ics", PUBLIC)],
    "accounts/login": [Check("GET", "/accounts/login/", {"anonymous": 200, **same_for(302)})],
    "accounts/signup": [Check("GET", "/accounts/signup/", {"anonymous": 200, **same_for(302)})],
    "accounts/logout": [Check("POST", "/accounts/logout/", {r: 302 for r in ROLES})],
    "accounts/password_change": [Check("GET", "/accounts/password_change/", WEB_PAGE)],
    "accounts/password_change/done": [Check("GET", "/accounts/password_change/done/", WEB_PAGE)],
    "accounts/password_reset": [Check("GET", "/accounts/password_reset/", PUBLIC)],
    "accounts/password_reset/done": [Check("GET", "/accounts/password_reset/done/", PUBLIC)],
    "accounts/reset/<id>/<id>": [
        # A made-up reset link is refused on the page itself (200, "invalid link").
        Check("GET", "/accounts/reset/MQ/set-password/", PUBLIC)
    ],
    "accounts/reset/done": [Check("GET", "/accounts/reset/done/", PUBLIC)],
    "": [Check("GET", "/", WEB_PAGE)],
    "plans": [Check("GET", "/plans/", WEB_PAGE)],
    "plans/<id>": [Check("GET", "/plans/{plan}/", WEB_OWN, hides_existence=True)],
    "workouts/<id>": [
        Check("GET", "/workouts/{workout}/", WEB_OWN, hides_existence=True),
        Check(
            "POST",
            "/workouts/{workout}/",
            {**WEB_OWN, "runner": 302, "coach": 302, "superuser": 302},
            {"body": "Felt good."},
            hides_existence=True,
        ),
    ],
    "runs": [Check("GET", "/runs/", WEB_PAGE)],
    "runs/new": [Check("GET", "/runs/new/", WEB_PAGE)],
    "runs/upload": [Check("GET", "/runs/upload/", WEB_PAGE)],
    "runs/<id>": [
        Check("GET", "/runs/{run}/", WEB_OWN, hides_existence=True),
        Check(
            "POST",
            "/runs/{run}/",
            {**WEB_OWN, "runner": 302, "coach": 302, "superuser": 302},
            {"body": "Felt good."},
            hides_existence=True,
        ),
    ],
    "runs/<id>/edit": [Check("GET", "/runs/{run}/edit/", WEB_OWN_RUN_EDIT, hides_existence=True)],
    "runs/<id>/delete": [
        Check("GET", "/runs/{run}/delete/", WEB_OWN_RUN_EDIT, hides_existence=True),
        Check(
            "POST",
            "/runs/{run}/delete/",
            {**WEB_OWN_RUN_EDIT, "runner": 302, "superuser": 302},
            hides_existence=True,
        ),
    ],
    "shoes": [Check("GET", "/shoes/", WEB_PAGE)],
    # The dashboard shows the runner's own shoes only (a coach reads them over the API).
    "shoes/<id>/edit": [Check("GET", "/shoes/{shoe}/edit/", WEB_ONLY_OWNER, hides_existence=True)],
    "shoes/<id>/retire": [
        Check(
            "POST",
            "/shoes/{shoe}/retire/",
            {**WEB_ONLY_OWNER, "runner": 302},
            hides_existence=True,
        )
    ],
    "profile": [Check("GET", "/profile/", WEB_PAGE)],
    "history/import": [Check("GET", "/history/import/", WEB_PAGE)],
    # Only the runner who uploaded an archive sees its job (training/history/selectors.py).
    "history/import/<id>/cancel": [
        Check(
            "POST",
            "/history/import/{import}/cancel/",
            {**WEB_ONLY_OWNER, "runner": 302},
            hides_existence=True,
        )
    ],
    "history/import/<id>/undo": [
        Check(
            "POST",
            "/history/import/{import}/undo/",
            {**WEB_ONLY_OWNER, "runner": 302},
            hides_existence=True,
        )
    ],
    "profile/calendar-token": [Check("POST", "/profile/calendar-token/", {r: 302 for r in ROLES})],
    # Probes and metrics answer everyone (METRICS_TOKEN is unset in tests; with it, /metrics
    # needs the bearer token: tests/production/test_metrics.py).
    "health": [Check("GET", "/health", PUBLIC)],
    "health/live": [Check("GET", "/health/live", PUBLIC)],
    "health/ready": [Check("GET", "/health/ready", PUBLIC)],
    "metrics": [Check("GET", "/metrics", PUBLIC)],
    # The admin is the coach workspace: staff only; everyone else is sent to its login page.
    "admin": [
        Check(
            "GET",
            "/admin/",
            {
                "anonymous": 302,
                "runner": 302,
                "other_runner": 302,
                "coach": 200,
                "other_coach": 200,
                "superuser": 200,
            },
        ),
        # The athlete calendar (issue 17): the plan's coach and a superuser only; the coach of
        # nobody gets the same 404 as for a plan that does not exist.
        Check(
            "GET",
            "/admin/training/plan/{plan}/calendar/",
            {
                "anonymous": 302,
                "runner": 302,
                "other_runner": 302,
                "coach": 200,
                "other_coach": 404,
                "superuser": 200,
            },
            hides_existence=True,
        ),
    ],
}

UUID_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")
CONVERTER = re.compile(r"<(?:\w+:)?\w+>")


def route_key(pattern: str) -> str:
    key = UUID_GROUP.sub("<id>", pattern)
    key = CONVERTER.sub("<id>", key)
    key = key.replace("^", "").replace("/?$", "").replace("$", "")
    return key.rstrip("/")


def all_routes() -> set[str]:
    keys: set[str] = set()

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            pattern = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if pattern == "admin/":
                    keys.add("admin")  # one expectation for the admin site as a whole
                    continue
                walk(entry, pattern)
            elif isinstance(entry, URLPattern):
                keys.add(route_key(pattern))

    walk(get_resolver(), "")
    return keys


def test_every_route_has_an_expectation():
    routes = all_routes()
    missing = sorted(routes - set(EXPECTED))
    assert not missing, f"routes without an authorization expectation: {missing}"
    stale = sorted(set(EXPECTED) - routes)
    assert not stale, f"expectations for routes that no longer exist: {stale}"


@pytest.fixture
def objects(runner, other_runner, coach, other_coach, superuser):
    cache.clear()
    start = date(2026, 1, 5)
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=start, end_date=start + timedelta(days=83)
    )
    workout = WorkoutFactory(plan=plan, scheduled_date=start + timedelta(days=1))
    shoe = ShoeFactory(runner=runner)
    run = RunFactory(
        runner=runner,
        plan=plan,
        workout=workout,
        shoe=shoe,
        started_at=datetime(2026, 1, 6, 7, tzinfo=UTC),
    )
    profile, _ = RunnerProfile.objects.get_or_create(user=runner)
    token = profile.calendar_token
    template = services.plan_template_create(plan=plan, owner=coach)
    job = ImportJob.objects.create(runner=runner, original_name="export.zip")
    yield {
        "template": template.pk,
        "import": job.pk,
        "plan": plan.pk,
        "workout": workout.pk,
        "run": run.pk,
        "shoe": shoe.pk,
        "token": token,
        "runner_id": runner.pk,
    }
    cache.clear()


def fill(text: str, values: dict) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def send(client: APIClient, check: Check, values: dict):
    path = fill(check.path, values)
    body = {key: fill(str(value), values) for key, value in check.body.items()}
    if body.get("runner", "").isdigit():
        body["runner"] = int(body["runner"])
    method = getattr(client, check.method.lower())
    if check.method == "GET":
        return method(path)
    # Pages take form posts; the API takes JSON.
    return method(path, body, format="json" if path.startswith("/api/") else "multipart")


def client_as(role: str, request, path: str) -> APIClient:
    """API routes are called with a real token (as clients do), pages with a session."""
    client = APIClient()
    if role == "anonymous":
        return client
    user = request.getfixturevalue(role)
    if path.startswith("/api/v1/"):
        _, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    else:
        client.force_login(user)
    return client


CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def without_ids(content: bytes, values: dict) -> bytes:
    # A 404 page may echo the requested path and carries a fresh CSRF token in the logout form;
    # neither tells anything about the object, anything else that differs would.
    for name in ("plan", "workout", "run", "template", "shoe", "import"):
        content = content.replace(str(values[name]).encode(), b"<id>")
    return CSRF_TOKEN.sub(b"<csrf>", content)


CASES = [(key, index) for key, checks in EXPECTED.items() for index in range(len(checks))]
MATRIX_SIZE = sum(len(checks) for checks in EXPECTED.values()) * len(ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "index"), CASES, ids=[f"{k or '/'}#{i}" for k, i in CASES])
def test_route_answers_each_role_as_expected(key, index, objects, request):
    check = EXPECTED[key][index]
    failures = []
    for role in ROLES:
        # Each role meets A's objects untouched: its writes are rolled back afterwards.
        with transaction.atomic():
            response = send(client_as(role, request, check.path), check, objects)
            if response.status_code != check.expected[role]:
                failures.append(f"{role}: {response.status_code} != {check.expected[role]}")
            if check.hides_existence and role in OUTSIDERS:
                random_ids = {
                    **objects,
                    "plan": uuid.uuid4(),
                    "workout": uuid.uuid4(),
                    "run": uuid.uuid4(),
                    "template": uuid.uuid4(),
                    "shoe": uuid.uuid4(),
                    "import": uuid.uuid4(),
                }
                probe = send(client_as(role, request, check.path), check, random_ids)
                seen = (response.status_code, without_ids(response.content, objects))
                if (probe.status_code, without_ids(probe.content, random_ids)) != seen:
                    failures.append(f"{role}: A's object answers differently from a random id")
            transaction.set_rollback(True)
        cache.clear()
    assert not failures, f"{check.method} {check.path}: " + "; ".join(failures)
