"""Conditional requests, the metadata route and exactly typed inputs on plans, workouts and runs
(issue 15): every list and object answers an ETag, If-None-Match with the current tag answers 304
with no body, OPTIONS on a detail route describes it instead of failing, and the inputs the
schema now types exactly are refused when they do not fit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import RunFactory
from tests.helpers import API, assert_error
from tests.training.importers.builders import Leg, gpx_bytes
from tests.training.importers.builders import route as gpx_route
from training.models import Run

ROUTES = ["plans", "workouts", "runs"]


def _object(world, route):
    return {"plans": world.plan_a, "workouts": world.workout_a, "runs": world.run_a}[route]


# --- OPTIONS ------------------------------------------------------------------------------------
# Outside a test transaction (as in production), DRF's metadata asked for the object as for a
# PUT, and the row lock for writes then failed on PostgreSQL: a 500. SQLite takes no row locks,
# so the failure showed on PostgreSQL only; the test runs on both in CI.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", ROUTES)
def test_options_on_a_detail_route_describes_it(api_client, world, route):
    response = api_client.options(f"{API}/{route}/{_object(world, route).pk}")
    assert response.status_code == 200, response.content
    assert "PUT" in response.json()["actions"]
    missing = api_client.options(f"{API}/{route}/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 200, missing.content


# --- 304 on objects ------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_an_object_with_its_current_etag_is_not_modified(api_client, world, route):
    url = f"{API}/{route}/{_object(world, route).pk}"
    tag = api_client.get(url)["ETag"]
    response = api_client.get(url, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag
    # A weak form of the same tag and a list that contains it match too (RFC 9110 §13.1.2).
    weak = api_client.get(url, headers={"If-None-Match": f'"x", W/{tag}'})
    assert weak.status_code == 304


@pytest.mark.django_db
def test_a_changed_object_answers_200_with_its_new_etag(api_client, world):
    url = f"{API}/runs/{world.run_a.pk}"
    tag = api_client.get(url)["ETag"]
    assert api_client.patch(url, {"notes": "changed"}, format="json").status_code == 200
    response = api_client.get(url, headers={"If-None-Match": tag})
    assert response.status_code == 200
    assert response["ETag"] != tag
    assert response.json()["notes"] == "changed"


@pytest.mark.django_db
def test_if_none_match_does_not_reveal_objects_out_of_view(other_api_client, world):
    response = other_api_client.get(f"{API}/runs/{world.run_a.pk}", headers={"If-None-Match": "*"})
    assert_error(response, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["abc", '"unterminated', 'W/"a" "b"', ""])
def test_a_malformed_if_none_match_is_a_400(api_client, world, header):
    response = api_client.get(f"{API}/runs", headers={"If-None-Match": header})
    assert_error(response, 400, attr="If-None-Match")


# --- 304 on lists --------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["plans", "workouts", "runs", "plans/{plan}/workouts", "plans/{plan}/runs"]
)
def test_a_list_page_answers_an_etag_and_304_while_unchanged(api_client, world, path):
    url = f"{API}/{path.format(plan=world.plan_a.pk)}"
    first = api_client.get(url, {"limit": 5})
    tag = first["ETag"]
    unchanged = api_client.get(url, {"limit": 5}, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == tag
    # Another page, filter or ordering is another representation, with another tag.
    assert api_client.get(url, {"limit": 4}, headers={"If-None-Match": tag}).status_code == 200


@pytest.mark.django_db
def test_a_list_etag_changes_when_a_row_changes_or_goes(api_client, runner, world):
    url = f"{API}/runs"
    tag = api_client.get(url)["ETag"]
    api_client.patch(f"{API}/runs/{world.run_a.pk}", {"notes": "new"}, format="json")
    after_edit = api_client.get(url, headers={"If-None-Match": tag})
    assert after_edit.status_code == 200
    extra = RunFactory(runner=runner)
    after_add = api_client.get(url, headers={"If-None-Match": after_edit["ETag"]})
    assert after_add.status_code == 200
    Run.objects.filter(pk=extra.pk).delete()
    after_delete = api_client.get(url, headers={"If-None-Match": after_add["ETag"]})
    assert after_delete.status_code == 200
    assert after_delete["ETag"] == after_edit["ETag"]


@pytest.mark.django_db
def test_a_list_etag_is_per_user(api_client, coach_client, world):
    url = f"{API}/plans?runner={world.plan_a.runner_id}"
    tag = api_client.get(url)["ETag"]
    assert coach_client.get(url, headers={"If-None-Match": tag}).status_code == 200


@pytest.mark.django_db
def test_a_304_costs_fewer_queries_than_the_page(api_client, runner, world):
    for _ in range(30):
        RunFactory(runner=runner)
    url = f"{API}/runs?limit=50"
    with CaptureQueriesContext(connection) as full:
        tag = api_client.get(url)["ETag"]
    # The visible runners, the count and the page's (id, updated_at): no rows to serialize.
    # The runners' list versions are read first, to store the tag in the cache
    # (tests/training/api/test_cached_list_etags.py); the next 304 then reads no run at all.
    with CaptureQueriesContext(connection) as conditional:
        assert api_client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert len(conditional) <= 3
    assert len(conditional) <= len(full) + 1
    assert "notes" not in " ".join(query["sql"] for query in conditional.captured_queries)
    with CaptureQueriesContext(connection) as cached:
        assert api_client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert len(cached) <= len(full)


# --- creates carry their ETag --------------------------------------------------------------------
@pytest.mark.django_db
def test_a_plan_copy_answers_its_etag(api_client, runner, world):
    response = api_client.post(
        f"{API}/plans/{world.plan_a.pk}/copy",
        {"runner": runner.pk, "start_date": "2026-03-02"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == api_client.get(f"{API}/plans/{response.json()['id']}")["ETag"]


@pytest.mark.django_db
def test_a_run_import_answers_its_etag(api_client):
    gpx = gpx_bytes(
        gpx_route(
            [Leg(300, 1000 / 300, bearing_deg=0)], start=datetime(2026, 6, 10, 7, 0, tzinfo=UTC)
        )
    )

    def upload(content: bytes):
        file = SimpleUploadedFile("activity.gpx", content)
        return api_client.post(f"{API}/runs/import", {"file": file}, format="multipart")

    created = upload(gpx)
    assert created.status_code == 201, created.content
    tag = api_client.get(f"{API}/runs/{created.json()['id']}")["ETag"]
    assert created["ETag"] == tag
    again = upload(gpx)
    assert again.status_code == 200
    assert again["ETag"] == tag


# --- inputs the schema now types exactly ---------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("route", ["plans", "runs"])
@pytest.mark.parametrize("value", ["1.5", "0", "abc"])
def test_the_runner_filter_takes_whole_user_ids_only(coach_client, world, route, value):
    response = coach_client.get(f"{API}/{route}", {"runner": value})
    assert_error(response, 400, attr="runner")


@pytest.mark.django_db
def test_another_runner_on_a_plan_update_says_the_runner_is_fixed(api_client, world):
    # Runner B is not someone runner A may name: the old answer was "Invalid pk".
    response = api_client.patch(
        f"{API}/plans/{world.plan_a.pk}", {"runner": world.plan_b.runner_id}, format="json"
    )
    body = assert_error(response, 400, attr="runner", code="immutable")
    assert "cannot change" in body["errors"][0]["detail"]
    same = api_client.patch(
        f"{API}/plans/{world.plan_a.pk}", {"runner": world.plan_a.runner_id}, format="json"
    )
    assert same.status_code == 200


@pytest.mark.django_db
def test_steps_whose_derived_duration_is_out_of_range_leave_it_empty(api_client, world):
    steps = [
        {
            "kind": "work",
            "repeat": 50,
            "distance_m": 100_000,
            "target_pace_min_s_per_km": 3e38,
            "target_pace_max_s_per_km": 1e300,
        }
    ]
    body = {"plan": str(world.plan_a.pk), "name": "Odd", "scheduled_date": "2026-01-09"}
    response = api_client.post(f"{API}/workouts", {**body, "steps": steps}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["planned_duration_s"] is None
    assert response.json()["planned_distance_m"] is None  # 5 000 km: beyond a workout's bound
