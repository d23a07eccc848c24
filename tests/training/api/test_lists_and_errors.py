"""Pagination edges, constant query counts, optional trailing slashes and the JSON error shape
for 404/405/415/500 under /api (docs/API.md, Errors)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client

from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from tests.helpers import API, assert_error
from training.models import Deletion


@pytest.fixture
def twenty_five_runs(runner):
    return RunFactory.create_batch(25, runner=runner)


@pytest.mark.django_db
def test_default_page_is_20_with_next_link(api_client, twenty_five_runs):
    body = api_client.get(f"{API}/runs").json()
    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"].endswith("/api/v1/runs?limit=20&offset=20")
    second = api_client.get(body["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    first_ids = {r["id"] for r in body["results"]}
    assert first_ids.isdisjoint({r["id"] for r in second["results"]})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected_len", "expected_first_index"),
    [
        ("limit=5", 5, 0),
        ("limit=5&offset=22", 3, 22),
        # Above the maximum clamps to 100; past the end is an empty page. Nonsense (limit 0,
        # negative, not a number) is refused: tests/reliability/test_input_attacks.py.
        ("limit=101", 25, 0),
        ("offset=1000", 0, None),
        ("limit=&offset=", 20, 0),
    ],
)
def test_pagination_edges(api_client, twenty_five_runs, query, expected_len, expected_first_index):
    everything = [r["id"] for r in api_client.get(f"{API}/runs?limit=100").json()["results"]]
    response = api_client.get(f"{API}/runs?{query}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 25
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == expected_len
    if expected_first_index is not None:
        assert ids == everything[expected_first_index : expected_first_index + expected_len]


@pytest.mark.django_db
def test_limit_above_100_clamps_to_100(api_client, runner):
    RunFactory.create_batch(105, runner=runner)
    body = api_client.get(f"{API}/runs?limit=101").json()
    assert (body["count"], len(body["results"])) == (105, 100)
    assert "limit=100" in body["next"]


# --- Query counts do not grow with the rows -----------------------------------------------------
def _populate(runner, coach, rows: int):
    start = date(2026, 1, 5)
    plan = PlanFactory(runner=runner, coach=coach, start_date=start, end_date=start + timedelta(90))
    for index in range(rows):
        PlanFactory(runner=runner, coach=coach, start_date=start, end_date=start + timedelta(90))
        workout = WorkoutFactory(plan=plan, scheduled_date=start + timedelta(days=index % 90))
        RunFactory(runner=runner, plan=plan, workout=workout)
        Deletion.objects.create(object_type="run", object_id=workout.pk, runner_user_id=runner.pk)
    return plan


# One query for the page with its total count (tracker/pagination.py), whatever the number of rows.
MAX_LIST_QUERIES = 1


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize(
    "path",
    ["plans", "workouts", "runs", "deletions", "plans/{plan}/workouts", "plans/{plan}/runs"],
)
@pytest.mark.parametrize("who", ["runner", "coach"])
def test_list_query_count_is_constant(
    client_for, runner, coach, rows, path, who, django_assert_max_num_queries
):
    plan = _populate(runner, coach, rows)
    client = client_for(runner if who == "runner" else coach)
    url = f"{API}/{path.format(plan=plan.pk)}?limit=100"
    # The nested run route looks the plan up first; the nested workout route reads the plan only
    # when its page is empty (a workout is visible exactly when its plan is).
    extra = 1 if path == "plans/{plan}/runs" else 0
    # Run lists look the caller's coached runners up first, so the page and the count walk the
    # per-runner index instead of scanning every run (training/selectors.py runs_visible_to).
    extra += 1 if path.endswith("runs") else 0
    # The flat run list reads its runners' versions before the page, to keep the answer in the
    # cache (tracker.page_etags); this first GET finds no entry and reads the page as well.
    extra += 1 if path == "runs" else 0
    # So does a plan's workout list on PostgreSQL (its digest, read with the plan's visibility).
    extra += 1 if path == "plans/{plan}/workouts" and connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(MAX_LIST_QUERIES + extra):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(100, rows + (1 if path == "plans" else 0))


@pytest.mark.django_db
def test_nested_workout_list_tells_an_empty_plan_from_one_out_of_view(
    client_for, runner, other_runner, django_assert_num_queries
):
    empty = PlanFactory(runner=runner)
    client = client_for(runner)
    # The empty page, its separate COUNT (tracker/pagination.py), then the plan (200 or 404?).
    with django_assert_num_queries(3):
        response = client.get(f"{API}/plans/{empty.pk}/workouts")
    assert response.status_code == 200 and response.json()["count"] == 0
    hidden = PlanFactory(runner=other_runner)
    WorkoutFactory(plan=hidden)
    assert response["ETag"]  # an empty page has a tag: "*" below would match it
    for plan_id in (hidden.pk, uuid.uuid4()):
        response = client.get(f"{API}/plans/{plan_id}/workouts")
        assert response.status_code == 404, response.content
        conditional = client.get(f"{API}/plans/{plan_id}/workouts", HTTP_IF_NONE_MATCH="*")
        assert conditional.status_code == 404  # never a 304 for a plan out of view


# --- Trailing slashes ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_route_works_with_and_without_trailing_slash(api_client, world, runner):
    paths = [
        "plans",
        f"plans/{world.plan_a.pk}",
        f"plans/{world.plan_a.pk}/workouts",
        f"plans/{world.plan_a.pk}/runs",
        "workouts",
        f"workouts/{world.workout_a.pk}",
        "runs",
        f"runs/{world.run_a.pk}",
        "deletions",
    ]
    for path in paths:
        for suffix in ("", "/"):
            response = api_client.get(f"{API}/{path}{suffix}")
            assert response.status_code == 200, (path, suffix, response.status_code)
    # A POST without the slash is served, not redirected (a redirect would drop the body).
    for suffix in ("", "/"):
        response = api_client.post(
            f"{API}/plans/{world.plan_a.pk}/copy{suffix}",
            {"runner": runner.pk, "start_date": "2026-07-06"},
            format="json",
        )
        assert response.status_code == 201


# --- Error shape ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_unknown_api_path_is_json_404(api_client):
    assert_error(api_client.get(f"{API}/no-such-thing"), 404, code="not_found")
    assert_error(api_client.get("/api/v2/plans"), 404, code="not_found")


@pytest.mark.django_db
def test_non_uuid_ids_and_unknown_ids_are_json_404(api_client):
    assert_error(api_client.get(f"{API}/plans/42"), 404)
    assert_error(api_client.get(f"{API}/runs/export"), 404)  # never captured as an id
    assert_error(api_client.get(f"{API}/runs/00000000-0000-0000-0000-000000000000"), 404)
    assert_error(api_client.get(f"{API}/plans/00000000-0000-0000-0000-000000000000/runs"), 404)


@pytest.mark.django_db
def test_html_404_outside_the_api():
    response = Client().get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_method_not_allowed_is_json_405(api_client, world):
    assert_error(api_client.delete(f"{API}/plans"), 405, code="method_not_allowed")
    assert_error(api_client.put(f"{API}/plans/{world.plan_a.pk}/runs", {}), 405)
    assert_error(api_client.get(f"{API}/plans/{world.plan_a.pk}/copy"), 405)


@pytest.mark.django_db
def test_unsupported_media_type_is_json_415(api_client):
    response = api_client.generic(
        "POST", f"{API}/plans", b"<plan/>", content_type="application/xml"
    )
    assert_error(response, 415, code="unsupported_media_type")


@pytest.mark.django_db
def test_malformed_json_is_400(api_client):
    response = api_client.generic(
        "POST", f"{API}/plans", b'{"name": ', content_type="application/json"
    )
    assert_error(response, 400, code="parse_error", error_type="client_error")


@pytest.mark.django_db
def test_unexpected_error_is_json_500_without_internals(api_client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("training.api.views.plans_visible_to", explode)
    api_client.raise_request_exception = False
    response = api_client.get(f"{API}/plans")
    assert_error(response, 500)
    assert "secret internals" not in response.content.decode()


def test_json_handler500_for_api_paths_and_html_elsewhere(rf):
    from tracker.errors import server_error

    api_response = server_error(rf.get("/api/v1/plans"))
    assert api_response.status_code == 500
    assert api_response["Content-Type"] == "application/json"
    assert b'"server_error"' in api_response.content
    page = server_error(rf.get("/dashboard"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_integrity_error_becomes_409_not_500(api_client, monkeypatch):
    from django.db import IntegrityError

    def collide(**kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "x"')

    monkeypatch.setattr("training.services.plan_create", collide)
    response = api_client.post(
        f"{API}/plans",
        {"name": "P", "start_date": "2026-01-05", "end_date": "2026-02-01"},
        format="json",
    )
    body = assert_error(response, 409, code="conflict")
    assert "duplicate key" not in str(body)


@pytest.mark.django_db
def test_user_with_no_data_gets_empty_lists(client_for):
    client = client_for(UserFactory(username="newbie"))
    for resource in ("plans", "workouts", "runs", "deletions"):
        body = client.get(f"{API}/{resource}").json()
        assert body == {"count": 0, "next": None, "previous": None, "results": []}
