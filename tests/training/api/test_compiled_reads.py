"""The hot reads compiled once per shape (tracker/statements.py) answer exactly what the ORM path
answers: the run list and its 304 for a runner and for a coach of two runners, in each ordering
and page, a plan's workout list, and a run's detail; a nested list never borrows its parent's
shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from tests.helpers import API
from tracker import statements

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="compiled on PostgreSQL only"),
]


@pytest.fixture
def orm_path(monkeypatch):
    """Every shape refused, so each read takes the ORM path."""

    def use_orm_path():
        statements._SHAPES.clear()
        monkeypatch.setattr(statements, "_compile", lambda *args, **kwargs: None)

    yield use_orm_path
    statements._SHAPES.clear()


def _answers(client, urls):
    answers = []
    for url in urls:
        response = client.get(url)
        tag = response.get("ETag")
        again = client.get(url, headers={"If-None-Match": tag}) if tag else None
        answers.append(
            (url, response.status_code, tag, response.content, again and again.status_code)
        )
    return answers


@pytest.fixture
def squad(runner, other_runner, coach):
    plan = PlanFactory(runner=runner, coach=coach)
    PlanFactory(runner=other_runner, coach=coach)
    for day in range(7):
        RunFactory(runner=runner, distance_m=5000.0 + day, plan=plan if day % 2 else None)
        RunFactory(
            runner=other_runner,
            distance_m=9000.0 - day,
            started_at=timezone.now() - timedelta(days=1, hours=day),
        )
    for day in range(5):
        WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=day))
    RunFactory(runner=UserFactory())  # nobody's here may see it
    return plan


LIST_URLS = [
    f"{API}/runs",
    f"{API}/runs?limit=3",
    f"{API}/runs?limit=3&offset=4",
    f"{API}/runs?limit=5&ordering=distance_m",
    f"{API}/runs?ordering=-duration_s,started_at",
    f"{API}/runs?distance_min=5003",  # a filter: the ORM path either way
    f"{API}/runs?offset=500",  # past the end: the count is asked for apart
]


@pytest.mark.parametrize("who", ["runner", "coach", "superuser"])
def test_run_lists_and_their_304s_are_the_orm_paths(client_for, squad, who, request, orm_path):
    client = client_for(request.getfixturevalue(who))
    urls = [*LIST_URLS, f"{API}/plans/{squad.pk}/workouts?limit=3&offset=1"]
    urls += [
        f"{API}/plans/{squad.pk}/workouts?ordering=-scheduled_date",
        f"{API}/plans/{squad.pk}/workouts?offset=500",
        f"{API}/plans/{squad.pk}/runs",
    ]
    compiled = _answers(client, urls)
    assert any(shape is not None for shape in statements._SHAPES.values())
    orm_path()
    assert _answers(client, urls) == compiled
    assert all(status == 200 and again == 304 for _, status, _, _, again in compiled)
    past_the_end = [body for url, _, _, body, _ in compiled if "offset=500" in url]
    assert len(past_the_end) == 2
    assert all(b'"results":[]' in body and b'"count":0' not in body for body in past_the_end)


def test_a_coach_sees_both_runners_through_one_shape(coach_client, squad):
    body = coach_client.get(f"{API}/runs?limit=100").json()
    assert body["count"] == 14
    assert len({run["runner"] for run in body["results"]}) == 2


def test_the_nested_run_list_keeps_to_its_plan(api_client, squad):
    api_client.get(f"{API}/runs")  # the flat list's shape is compiled first
    nested = api_client.get(f"{API}/plans/{squad.pk}/runs").json()
    assert nested["count"] == 3
    assert {run["plan"] for run in nested["results"]} == {str(squad.pk)}


def test_a_run_detail_is_the_orm_paths(client_for, squad, runner, coach, other_coach, orm_path):
    run = squad.runs.first()
    urls = [f"{API}/runs/{run.pk}", f"{API}/runs/{run.pk}?x=1"]
    clients = [client_for(user) for user in (runner, coach, other_coach)]
    compiled = [_answers(client, urls) for client in clients]
    assert any(shape is not None for shape in statements._SHAPES.values())
    orm_path()
    assert [_answers(client, urls) for client in clients] == compiled
    assert compiled[2][0][1] == 404  # a coach of somebody else


def test_the_query_log_shows_a_prepared_statement(api_client, squad):
    api_client.get(f"{API}/runs")
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(f"{API}/runs").status_code == 200
    page_sql = [
        query["sql"] for query in queries.captured_queries if "training_run" in query["sql"]
    ]
    assert page_sql and all("%s" not in sql for sql in page_sql)  # values shown in place
