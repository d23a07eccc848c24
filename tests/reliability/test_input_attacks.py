"""Hostile input (issue 9): every attack answers 4xx in the error shape, never a 500, and a
refused write stores nothing. Runs on SQLite and PostgreSQL (which refuses NUL in text, so a NUL
must be caught before it reaches the database).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.factories import PlanFactory
from tests.helpers import assert_error
from training.models import Deletion, IdempotencyRecord, Plan, Run, Workout

API = "/api/v1"
GOOD_RUN = {"started_at": "2026-01-06T07:00:00Z", "distance_m": 5000, "duration_s": 1500}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plan(runner):
    start = date(2026, 1, 5)
    return PlanFactory(runner=runner, start_date=start, end_date=start + timedelta(days=83))


def stored() -> tuple[int, ...]:
    return (
        Plan.objects.count(),
        Workout.objects.count(),
        Run.objects.count(),
        Deletion.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def refused(response, status: int, attr: str | None = None) -> None:
    error_type = "validation_error" if status == 400 and attr else "client_error"
    assert_error(response, status, attr=attr, error_type=error_type if status == 400 else None)


# --- Bodies -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_body_over_the_request_limit_is_413(api_client):
    before = stored()
    with override_settings(MAX_REQUEST_SIZE=10_000, DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        body = {**GOOD_RUN, "notes": "x" * 20_000}
        response = api_client.post(f"{API}/runs", body, format="json")
    assert_error(response, 413)
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused(api_client, depth):
    before = stored()
    nested = "[" * depth + "]" * depth
    body = '{"started_at": "2026-01-06T07:00:00Z", "distance_m": 5000, "duration_s": 1500, '
    body += f'"notes": {nested}}}'
    response = api_client.post(f"{API}/runs", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert_error(response, response.status_code, error_type=response.json()["type"])
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", "distance_m=5000"),
        ("application/xml", "<run><distance_m>5000</distance_m></run>"),
        ("application/x-yaml", "distance_m: 5000"),
    ],
)
def test_wrong_content_type_is_415(api_client, content_type, body):
    before = stored()
    response = api_client.post(f"{API}/runs", body, content_type=content_type)
    assert_error(response, 415)
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["{", '{"distance_m": }', "\x00", '"just a string"', "[]", "null"])
def test_malformed_or_non_object_json_is_400(api_client, body):
    before = stored()
    response = api_client.post(f"{API}/runs", body, content_type="application/json")
    assert 400 <= response.status_code < 500 and response.status_code != 404, response.content
    assert_error(response, response.status_code, error_type=response.json()["type"])
    assert stored() == before


# --- Text ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body", "attr"),
    [
        (
            "/plans",
            {"name": "a\x00b", "start_date": "2026-01-05", "end_date": "2026-02-01"},
            "name",
        ),
        (
            "/plans",
            {"name": "ok", "goal": "\x00", "start_date": "2026-01-05", "end_date": "2026-02-01"},
            "goal",
        ),
        ("/runs", {**GOOD_RUN, "notes": "easy\x00run"}, "notes"),
        ("/runs", {**GOOD_RUN, "timezone": "Europe/\x00London"}, "timezone"),
    ],
)
def test_nul_in_text_is_400_naming_the_field(api_client, url, body, attr):
    before = stored()
    response = api_client.post(f"{API}{url}", body, format="json")
    assert_error(response, 400, attr=attr)
    assert stored() == before


@pytest.mark.django_db
def test_nul_in_workout_steps_is_400(api_client, plan):
    before = stored()
    body = {
        "name": "Intervals",
        "workout_type": "speed",
        "scheduled_date": "2026-01-08",
        "steps": [{"kind": "work", "distance_m": 400, "note\x00": "x\x00"}],
    }
    response = api_client.post(f"{API}/plans/{plan.pk}/workouts", body, format="json")
    assert 400 <= response.status_code < 500, response.content
    assert_error(response, 400, attr="steps")
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "/plans?q=a%00b",
        "/plans?status=%00",
        "/runs?source=%00",
        "/runs?plan=%00",
        "/runs?ordering=%00",
        "/deletions?since=%00",
        "/analytics/summary?period=%00",
    ],
)
def test_nul_in_query_parameters_is_400_not_500(api_client, query):
    response = api_client.get(f"{API}{query}")
    assert_error(response, 400)


@pytest.mark.django_db
def test_nul_in_idempotency_key_is_400(api_client):
    before = stored()
    response = api_client.post(
        f"{API}/runs", GOOD_RUN, format="json", headers={"Idempotency-Key": "key\x00one"}
    )
    assert_error(response, 400, attr="Idempotency-Key")
    assert stored() == before


UNICODE_NAMES = [
    "Läufer’s 10 km — ½ Marathon",  # noqa: RUF001
    "🏃‍♀️🔥 interval day",
    "مساء الخير",  # right-to-left
    "Z̴͉̈́a̶l̷g̸o̵",  # combining marks
    "\u202eevil\u202c",  # bidi override, stored verbatim
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_unicode_is_stored_verbatim(api_client, name):
    response = api_client.post(
        f"{API}/plans",
        {"name": name, "start_date": "2026-01-05", "end_date": "2026-02-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Plan.objects.get(pk=response.json()["id"]).name == name.strip()


SQL = "'; DROP TABLE training_run; --"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.django_db
def test_sql_and_html_are_stored_verbatim_and_rendered_escaped(api_client, client, runner):
    created = api_client.post(
        f"{API}/plans",
        {"name": HTML, "goal": SQL, "start_date": "2026-01-05", "end_date": "2026-02-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    plan = Plan.objects.get(pk=created.json()["id"])
    assert (plan.name, plan.goal) == (HTML, SQL)
    run = api_client.post(f"{API}/runs", {**GOOD_RUN, "notes": HTML + SQL}, format="json")
    assert run.status_code == 201
    assert Run.objects.get(pk=run.json()["id"]).notes == HTML + SQL
    assert Run.objects.count() == 1  # the table is still there

    client.force_login(runner)
    for page in (f"/plans/{plan.pk}/", "/plans/", f"/runs/{run.json()['id']}/"):
        html = client.get(page).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, page
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        in client.get(f"/plans/{plan.pk}/").content.decode()
    )


# --- Numbers ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("distance_m", 10**30),
        ("distance_m", 1e308),
        ("distance_m", -5000),
        ("distance_m", 0),
        ("distance_m", "NaN"),
        ("distance_m", "Infinity"),
        ("distance_m", "-Infinity"),
        ("duration_s", 2**63),
        ("duration_s", -1),
        ("duration_s", "NaN"),
        ("elapsed_s", 2**64),
        ("elevation_gain_m", "Infinity"),
        ("elevation_gain_m", 1e308),
        ("avg_heart_rate", 10**12),
        ("avg_heart_rate", -80),
        ("avg_cadence", 2**40),
        ("perceived_effort", 11),
        ("perceived_effort", 1.5),
    ],
)
def test_out_of_range_numbers_are_400_naming_the_field(api_client, field, value):
    before = stored()
    response = api_client.post(f"{API}/runs", {**GOOD_RUN, field: value}, format="json")
    assert_error(response, 400, attr=field)
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_literals_are_refused(api_client, literal):
    before = stored()
    body = f'{{"started_at": "2026-01-06T07:00:00Z", "distance_m": {literal}, "duration_s": 1500}}'
    response = api_client.post(f"{API}/runs", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert_error(response, 400, error_type=response.json()["type"])
    assert stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("planned_distance_m", 10**30),
        ("planned_distance_m", "NaN"),
        ("planned_duration_s", 2**63),
        ("planned_duration_s", -60),
        ("target_pace_min_s_per_km", "Infinity"),
    ],
)
def test_workout_numbers_out_of_range_are_400(api_client, plan, field, value):
    before = stored()
    body = {"name": "Easy", "workout_type": "easy", "scheduled_date": "2026-01-08", field: value}
    if field.startswith("target_pace"):
        body["target_pace_max_s_per_km"] = 300
    response = api_client.post(f"{API}/plans/{plan.pk}/workouts", body, format="json")
    assert_error(response, 400, attr=field)
    assert stored() == before


# --- Dates --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body", "attr"),
    [
        ("/runs", {**GOOD_RUN, "started_at": "9999-12-31T23:59:59Z"}, "started_at"),
        ("/runs", {**GOOD_RUN, "started_at": "10000-01-01T00:00:00Z"}, "started_at"),
        ("/runs", {**GOOD_RUN, "started_at": "0001-01-01T00:00:00+14:00"}, "started_at"),
        ("/plans", {"name": "p", "start_date": "9999-12-31", "end_date": "9999-12-31"}, None),
        ("/plans", {"name": "p", "start_date": "0001-01-01", "end_date": "9999-12-31"}, "end_date"),
        (
            "/plans",
            {"name": "p", "start_date": "9999-06-01", "end_date": "10000-01-01"},
            "end_date",
        ),
    ],
)
def test_far_dates_are_refused_or_stored_whole(api_client, url, body, attr):
    before = stored()
    response = api_client.post(f"{API}{url}", body, format="json")
    if attr is None:
        assert response.status_code in {201, 400}, response.content
        if response.status_code == 400:
            assert_error(response, 400)
            assert stored() == before
        return
    assert_error(response, 400, attr=attr)
    assert stored() == before


@pytest.mark.django_db
def test_a_plan_at_the_end_of_the_calendar_keeps_working(api_client):
    created = api_client.post(
        f"{API}/plans",
        {"name": "p", "start_date": "9999-12-01", "end_date": "9999-12-31"},
        format="json",
    )
    if created.status_code == 400:
        assert_error(created, 400)
        return
    plan_id = created.json()["id"]
    for path in (
        f"/plans/{plan_id}/progress",
        f"/plans/{plan_id}/weekly-summary?week_number=5",
        f"/analytics/plan/{plan_id}",
        f"/plans/{plan_id}/calendar.ics",
    ):
        response = api_client.get(f"{API}{path}")
        assert response.status_code < 500, (path, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "/runs?started_after=0001-01-01T00:00:00%2B14:00",
        "/runs?started_before=9999-12-31T23:59:59-14:00",
        "/runs?updated_after=0001-01-01T00:00:00%2B23:59",
        "/workouts?scheduled_after=0001-01-01&scheduled_before=9999-12-31",
        "/deletions?since=9999-12-31T23:59:59-23:59",
        "/analytics/summary?from=0001-01-01&to=9999-12-31",
        "/analytics/summary?from=0001-01-01",
        "/analytics/summary?to=0001-01-02",
    ],
)
def test_far_dates_in_queries_never_500(api_client, runner, query):
    response = api_client.get(f"{API}{query}")
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert_error(response, response.status_code, error_type=response.json()["type"])


@pytest.mark.django_db
@pytest.mark.parametrize("week", ["0", "-1", "99999999999999999999", "1.5", "abc", "%00"])
def test_bad_week_numbers_are_400(api_client, plan, week):
    response = api_client.get(f"{API}/plans/{plan.pk}/weekly-summary?week_number={week}")
    assert_error(response, 400, attr="week_number")


# --- Pagination ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1e3", "limit"),
        ("limit=%EF%BC%95", "limit"),  # a full-width digit five
        ("limit=99999999999999999999999", "limit"),
        ("offset=-1", "offset"),
        ("offset=null", "offset"),
        ("offset=null&offset=null", "offset"),
        ("offset=99999999999999999999999", "offset"),
    ],
)
def test_limit_offset_abuse_is_400_naming_the_parameter(api_client, runner, query, attr):
    for url in ("/runs", "/plans", "/workouts", "/deletions"):
        assert_error(api_client.get(f"{API}{url}?{query}"), 400, attr=attr)


@pytest.mark.django_db
def test_large_but_valid_offset_is_an_empty_page(api_client, runner):
    body = api_client.get(f"{API}/runs?offset=999999999999").json()
    assert body["results"] == [] and body["count"] == 0
