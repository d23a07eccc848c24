"""Accessibility: every page a runner or a coach can open passes axe-core's WCAG 2.0/2.1 A and AA
rules in Chromium, with real data and in the empty states, at 1280 px and at 375 px.

The page list comes from the URL conf: each route is either in ``PAGES`` (visited and checked)
or in ``EXCLUDED`` with the reason it is not a page a runner or coach reads, so a new page
without an axe check fails ``test_every_route_is_checked_or_excluded``.

axe-core ships inside axe-playwright-python, so nothing is fetched at run time. Rules that axe
cannot run (contrast of chart strokes, focus rings and swatches against their background) are
checked by ``test_interface_colours_contrast`` and the keyboard tests below.

    .venv/bin/pytest tests/accessibility/test_pages.py -q -p no:cacheprovider
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import CoachFactory, PlanFactory, UserFactory
from training import services
from training.management.commands.seed_demo import seed_demo
from training.models import Plan, Run, RunnerProfile, Shoe, Workout

COACH_MIGRATION = importlib.import_module("training.migrations.0002_coach_group")
# Found by its name's end: the lead renumbers migrations when branches merge.
TEMPLATES_MIGRATION = importlib.import_module(
    "training.migrations."
    + next(Path(__file__).parents[2].glob("training/migrations/*_templates_comments.py")).stem
)
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]}
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True},
}
ROLES = ["anonymous", "runner", "new_runner", "coach", "new_coach", "superuser"]


@dataclass(frozen=True)
class Visit:
    """One page as a role sees it. ``path`` may hold {placeholders} filled from the data;
    ``then`` acts on the loaded page (submit a form, pick an admin action) before the check."""

    role: str
    path: str
    then: Callable | None = None
    state: str = ""


def submit_empty(form: str = "main form") -> Callable:
    """Submit ``form`` with the browser's own validation off, to check the server's errors."""

    def act(page) -> None:
        page.locator(form).first.evaluate("f => { f.noValidate = true; }")
        with page.expect_navigation():
            page.locator(f"{form} [type=submit]").first.click()

    return act


def click(selector: str) -> Callable:
    def act(page) -> None:
        with page.expect_navigation():
            page.locator(selector).first.click()

    return act


def copy_plan_action(page) -> None:
    """The admin's "Copy plan to another runner" action, which opens its own form page."""
    page.locator("input.action-select").first.check()
    page.select_option("select[name=action]", "copy_to_runner")
    with page.expect_navigation():
        page.click("button[name=index]")


def plan_action(name: str) -> Callable:
    """Pick the plan list's action ``name`` for the first plan; it opens its own form page."""

    def act(page) -> None:
        page.locator("input.action-select").first.check()
        page.select_option("select[name=action]", name)
        with page.expect_navigation():
            page.click("button[name=index]")

    return act


def open_user_menu_and_log_out(page) -> None:
    page.click(".usermenu summary")
    with page.expect_navigation():
        page.click(".usermenu button:has-text('Log out')")


def model_pages(name: str, role: str, obj: str, *, add: bool, delete: bool) -> dict:
    """The admin's pages for one model: changelist, add, change, delete and history."""
    prefix = f"/admin/{name.replace('_', '/', 1)}/"
    pages = {
        f"admin:{name}_changelist": [Visit(role, prefix)],
        f"admin:{name}_change": [Visit(role, f"{prefix}{{{obj}}}/change/")],
        f"admin:{name}_history": [Visit(role, f"{prefix}{{{obj}}}/history/")],
    }
    if add:
        pages[f"admin:{name}_add"] = [Visit(role, f"{prefix}add/")]
    if delete:
        pages[f"admin:{name}_delete"] = [Visit(role, f"{prefix}{{{obj}}}/delete/")]
    return pages


# Keys are URL names (with their namespace) or, for unnamed routes, the route pattern.
PAGES: dict[str, list[Visit]] = {
    # The runner's dashboard, with a season of data and as a runner who has just signed up.
    "dashboard:home": [Visit("runner", "/"), Visit("new_runner", "/", state="empty")],
    "dashboard:plan-list": [
        Visit("runner", "/plans/"),
        Visit("new_runner", "/plans/", state="empty"),
        Visit("coach", "/plans/"),
    ],
    "dashboard:plan-detail": [
        Visit("runner", "/plans/{plan}/"),
        Visit("runner", "/plans/{draft_plan}/", state="no workouts"),
        Visit("coach", "/plans/{plan}/", state="read only"),
    ],
    "dashboard:run-list": [
        Visit("runner", "/runs/"),
        Visit("new_runner", "/runs/", state="empty"),
    ],
    "dashboard:run-create": [
        Visit("runner", "/runs/new/"),
        Visit("runner", "/runs/new/", then=submit_empty(), state="errors"),
        Visit("new_runner", "/runs/new/", state="empty"),
    ],
    "dashboard:history-import": [
        Visit("runner", "/history/import/"),
        Visit("runner", "/history/import/", then=submit_empty(), state="errors"),
        Visit("new_runner", "/history/import/", state="empty"),
    ],
    "dashboard:run-upload": [
        Visit("runner", "/runs/upload/"),
        Visit("runner", "/runs/upload/", then=submit_empty(), state="errors"),
    ],
    "dashboard:run-detail": [
        Visit("runner", "/runs/{run}/", state="with a track"),
        Visit("runner", "/runs/{manual_run}/", state="logged by hand"),
        Visit("runner", "/runs/{run}/", then=submit_empty("#comments form"), state="errors"),
        Visit("coach", "/runs/{run}/", state="read only"),
    ],
    "dashboard:workout-detail": [
        Visit("runner", "/workouts/{workout}/", state="with a new comment"),
        Visit("runner", "/workouts/{workout}/", then=submit_empty(), state="errors"),
        Visit("coach", "/workouts/{workout}/", state="read only"),
    ],
    "dashboard:run-update": [Visit("runner", "/runs/{run}/edit/")],
    "dashboard:run-delete": [Visit("runner", "/runs/{run}/delete/")],
    "dashboard:profile": [Visit("runner", "/profile/"), Visit("new_runner", "/profile/")],
    "dashboard:shoe-list": [
        Visit("runner", "/shoes/"),
        # The add form, not a retire button's form (those come first on the page).
        Visit("runner", "/shoes/", then=submit_empty("main form[novalidate]"), state="errors"),
        Visit("new_runner", "/shoes/", state="empty"),
    ],
    "dashboard:shoe-update": [Visit("runner", "/shoes/{shoe}/edit/")],
    # Signing in and out, and the password pages.
    "login": [
        Visit("anonymous", "/accounts/login/"),
        Visit("anonymous", "/accounts/login/", then=submit_empty(), state="errors"),
    ],
    "signup": [
        Visit("anonymous", "/accounts/signup/"),
        Visit("anonymous", "/accounts/signup/", then=submit_empty(), state="errors"),
    ],
    "logout": [Visit("runner", "/", then=open_user_menu_and_log_out, state="after logging out")],
    "password_change": [
        Visit("runner", "/accounts/password_change/"),
        Visit("runner", "/accounts/password_change/", then=submit_empty(), state="errors"),
    ],
    "password_change_done": [Visit("runner", "/accounts/password_change/done/")],
    "password_reset": [Visit("anonymous", "/accounts/password_reset/")],
    "password_reset_done": [Visit("anonymous", "/accounts/password_reset/done/")],
    "password_reset_confirm": [
        Visit("anonymous", "/accounts/reset/{uidb64}/{reset_token}/"),
        Visit("anonymous", "/accounts/reset/MQ/set-password/", state="invalid link"),
    ],
    "password_reset_complete": [Visit("anonymous", "/accounts/reset/done/")],
    # The coach's workspace (Django's admin), with coached runners and with none.
    "admin:index": [Visit("coach", "/admin/"), Visit("new_coach", "/admin/", state="empty")],
    "admin:login": [Visit("anonymous", "/admin/login/")],
    "admin:logout": [
        Visit("coach", "/admin/", then=click("#logout-form button"), state="after logging out")
    ],
    "admin:password_change": [Visit("coach", "/admin/password_change/")],
    "admin:password_change_done": [Visit("coach", "/admin/password_change/done/")],
    "admin:app_list": [Visit("coach", "/admin/training/")],
    **model_pages("training_plan", "coach", "plan", add=True, delete=True),
    **model_pages("training_workout", "coach", "workout", add=True, delete=True),
    **model_pages("training_run", "coach", "run", add=False, delete=False),
    **model_pages("training_plantemplate", "coach", "template", add=False, delete=True),
    "admin:training_workout_comments": [
        Visit("coach", "/admin/training/workout/{workout}/comments/"),
        Visit(
            "coach",
            "/admin/training/workout/{workout}/comments/",
            then=submit_empty("#content-main form"),
            state="errors",
        ),
    ],
    "admin:training_run_comments": [Visit("coach", "/admin/training/run/{run}/comments/")],
    "admin:training_plantemplate_apply": [
        Visit("coach", "/admin/training/plantemplate/{template}/apply/"),
        Visit(
            "coach",
            "/admin/training/plantemplate/{template}/apply/",
            then=submit_empty("#content-main form"),
            state="errors",
        ),
    ],
    **model_pages("training_runnerprofile", "coach", "profile", add=False, delete=False),
    # Operators' pages: only a superuser opens them, in the same admin look.
    **model_pages("auth_user", "superuser", "user", add=True, delete=True),
    "admin:auth_user_password_change": [Visit("superuser", "/admin/auth/user/{user}/password/")],
    **model_pages("auth_group", "superuser", "group", add=True, delete=True),
    **model_pages("knox_authtoken", "superuser", "authtoken", add=True, delete=True),
}
# Runs are read-only for coaches; a superuser may add, change and delete them.
PAGES["admin:training_run_add"] = [Visit("superuser", "/admin/training/run/add/")]
PAGES["admin:training_run_delete"] = [Visit("superuser", "/admin/training/run/{run}/delete/")]
PAGES["admin:training_run_change"].append(
    Visit("superuser", "/admin/training/run/{run}/change/", state="editable")
)
PAGES["admin:training_plan_changelist"] += [
    Visit("coach", "/admin/training/plan/", then=copy_plan_action, state="copy plan"),
    Visit(
        "coach",
        "/admin/training/plan/",
        then=plan_action("save_as_template"),
        state="save template",
    ),
    Visit("coach", "/admin/training/plan/", then=plan_action("shift_workouts"), state="shift"),
    Visit("new_coach", "/admin/training/plan/", state="empty"),
]
# The athlete calendar (coaching/calendar.py), from the squad page's row links.
PAGES["admin:training_plan_calendar"] = [Visit("coach", "/admin/training/plan/{plan}/calendar/")]
PAGES["admin:training_workout_add"].append(
    Visit(
        "coach", "/admin/training/workout/add/", then=submit_empty("#workout_form"), state="errors"
    )
)
PAGES["admin:training_workout_changelist"].append(
    Visit("new_coach", "/admin/training/workout/", state="empty")
)
# Error pages have no route of their own.
NOT_ROUTES = {"(not found)": [Visit("runner", "/runs/not-a-run/")]}

NOT_HTML = "answers with JSON, YAML, JavaScript or a calendar file, not an HTML page"
REDIRECT = "a redirect to a page checked under its own route"
EXCLUDED: dict[str, str] = {
    "api/v1/": "the JSON API (DRF's browsable renderer is off): no HTML page",
    "schema": NOT_HTML,
    "calendar-feed": NOT_HTML,
    "admin:jsi18n": NOT_HTML,
    "admin:autocomplete": NOT_HTML,
    "health": "a load balancer's probe (plain text)",
    "health-live": "a load balancer's probe (plain text)",
    "health-ready": "a load balancer's probe (plain text)",
    "metrics": "Prometheus metrics (plain text)",
    "dashboard:profile-calendar-token": "POST only: " + REDIRECT,
    "dashboard:shoe-retire": "POST only: " + REDIRECT,
    "dashboard:history-import-cancel": "POST only: " + REDIRECT,
    "dashboard:history-import-undo": "POST only: " + REDIRECT,
    "admin:view_on_site": REDIRECT,
    "admin:training_runnerprofile_add": "nobody may (profiles come with the user): a 403",
    "admin:training_plantemplate_add": "nobody may (a template is saved from a plan): a 403",
    "admin:training_runnerprofile_delete": "nobody may (profiles go with the user): a 403",
    "admin/(?P<url>.*)$": "the admin's catch-all: " + REDIRECT + ", or the not-found page",
    "swagger-ui": (
        "Swagger UI, a third-party viewer of the API schema for developers writing API "
        "clients; nothing a runner or coach opens links to it, and its look is the vendor's"
    ),
    "redoc": "ReDoc, for the same developers and for the same reason as swagger-ui",
}
LOGS_OUT = {"logout", "admin:logout"}
UNNAMED_ADMIN_REDIRECT = re.compile(r"^admin/\w+/\w+/<path:object_id>/$")


def route_keys() -> set[str]:
    """Every route in the URL conf: its namespaced name, else its pattern (admin object URLs
    without a name only redirect to the change page; they count as covered by it)."""
    keys: set[str] = set()

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            pattern = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                walk(entry, pattern, f"{inner}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and not UNNAMED_ADMIN_REDIRECT.match(pattern):
                if pattern.startswith("api/v1/"):
                    keys.add("api/v1/")
                elif entry.name:
                    keys.add(namespace + entry.name)
                else:
                    keys.add(pattern)

    walk(get_resolver(), "", "")
    return keys


def test_every_route_is_checked_or_excluded():
    routes = route_keys()
    unchecked = sorted(routes - set(PAGES) - set(EXCLUDED))
    assert not unchecked, f"routes with neither an axe check nor a reason to skip: {unchecked}"
    both = sorted(set(PAGES) & set(EXCLUDED))
    assert not both, f"routes both checked and excluded: {both}"
    stale = sorted((set(PAGES) | set(EXCLUDED)) - routes)
    assert not stale, f"checks for routes that no longer exist: {stale}"
    visited = {visit.role for visits in PAGES.values() for visit in visits}
    assert visited == set(ROLES)


# --- Data -------------------------------------------------------------------------------------


@pytest.fixture
def site(transactional_db) -> dict:
    """The demo season (``seed_demo``: runner ``demo`` coached by ``coach``, runs with GPS tracks
    and two pairs of shoes), a draft plan without workouts, and a runner and a coach who have
    nothing yet."""
    demo = seed_demo()
    # A transactional test before this one flushed the group's permissions, which a migration
    # grants; grant them again.
    coach_group = Group.objects.get(name="coach")
    granted = {**COACH_MIGRATION.COACH_PERMISSIONS, **TEMPLATES_MIGRATION.COACH_PERMISSIONS}
    for model, actions in granted.items():
        for action in actions:
            coach_group.permissions.add(
                Permission.objects.get(
                    content_type__app_label="training", codename=f"{action}_{model}"
                )
            )
    plan = demo.plan
    runner, coach = plan.runner, plan.coach
    # seed_demo records the last two weeks' runs with a watch (GPS tracks) and logs the rest.
    linked = Run.objects.filter(runner=runner, workout__isnull=False).order_by("-started_at")
    run_with_track = linked.filter(track__isnull=False).first()
    manual_run = linked.filter(track__isnull=True).first()
    today = timezone.localdate()
    draft = PlanFactory(
        runner=runner,
        name="Autumn 10k",
        status=Plan.Status.DRAFT,
        start_date=today + timedelta(weeks=4),
        end_date=today + timedelta(weeks=12),
    )
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    template = services.plan_template_create(plan=plan, owner=coach, name="16-week block")
    # A thread each way, so the pages show comments and their "New" markers.
    commented = Workout.objects.filter(plan=plan).first()
    services.comment_create(author=coach, body="Keep this one easy.", workout=commented)
    services.comment_create(author=runner, body="Felt strong today.", run=run_with_track)
    users = {
        "runner": runner,
        "new_runner": UserFactory(username="newcomer"),
        "coach": coach,
        "new_coach": CoachFactory(username="new_coach"),
        "superuser": superuser,
    }
    values = {
        "plan": plan.pk,
        "draft_plan": draft.pk,
        "template": template.pk,
        "run": run_with_track.pk,
        "manual_run": manual_run.pk,
        "shoe": Shoe.objects.filter(runner=runner, is_default=False).get().pk,
        "workout": Workout.objects.filter(plan=plan).first().pk,
        "profile": RunnerProfile.objects.get(user=runner).pk,
        "user": runner.pk,
        "group": coach_group.pk,
        "uidb64": urlsafe_base64_encode(force_bytes(runner.pk)),
        "reset_token": default_token_generator.make_token(runner),
    }
    from knox.models import AuthToken

    values["authtoken"] = AuthToken.objects.create(runner)[0].pk
    return {"users": users, "values": values}


def session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


# --- The axe audit ----------------------------------------------------------------------------


# Django's stock widgets on pages only a superuser opens (no runner or coach page has them):
# SplitDateTimeWidget prints "Date:" and "Time:" as text beside unlabelled inputs, and
# SelectFilter2.js puts an aria-label on a span without a role. Left as Django ships them.
SUPERUSER_UPSTREAM = [
    ("label", re.compile(r"^#id_\w+_[01]$")),
    ("aria-prohibited-attr", re.compile(r"\.search-label-icon$")),
]


def audit(page, *, allowed=()) -> list[str]:
    """axe's WCAG A/AA violations on the loaded page, one line per rule and element, less the
    ``allowed`` (rule, target pattern) pairs."""
    results = Axe().run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            if any(rule == violation["id"] and where.search(target) for rule, where in allowed):
                continue
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"{violation['id']} at {target}: {summary}")
    return lines


def visits_for(role: str) -> list[tuple[str, Visit]]:
    return [
        (key, visit)
        for key, visits in {**PAGES, **NOT_ROUTES}.items()
        for visit in visits
        if visit.role == role
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("role", ROLES)
def test_pages_have_no_wcag_violations(browser, live_server, site, role, viewport):
    context = browser.new_context(**VIEWPORTS[viewport])

    def sign_in() -> None:
        if role != "anonymous":
            context.clear_cookies()
            context.add_cookies([session_cookie(site["users"][role], live_server)])

    sign_in()
    page = context.new_page()
    page.set_default_timeout(30_000)
    failures: dict[str, list[str]] = {}
    try:
        for key, visit in visits_for(role):
            path = visit.path.format(**site["values"])
            response = page.goto(f"{live_server.url}{path}")
            if key != "(not found)":
                assert response.ok, f"{path} as {role}: HTTP {response.status}"
            if visit.then:
                visit.then(page)
            found = audit(page, allowed=SUPERUSER_UPSTREAM if role == "superuser" else ())
            if found:
                failures[f"{path} ({visit.state or 'data'}) → {page.url}"] = found
            if key in LOGS_OUT:
                sign_in()
    finally:
        context.close()
    report = "\n".join(
        f"{where}: {len(lines)}\n    " + "\n    ".join(lines) for where, lines in failures.items()
    )
    assert not failures, f"WCAG A/AA violations as {role} at {viewport}:\n{report}"
