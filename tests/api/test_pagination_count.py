"""A page and its total come from one query (tracker/pagination.py); the answers are DRF's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PlanFactory, RunFactory, UserFactory
from tracker.pagination import LimitOffsetPagination

API = "/api/v1"
pytestmark = pytest.mark.django_db


def get_counting(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize(
    ("offset", "limit", "page_size"),
    [(0, 5, 5), (10, 5, 2), (12, 5, 0), (500, 5, 0), (0, 100, 12)],
)
def test_count_and_page_match_the_rows(client_for, runner, offset, limit, page_size):
    RunFactory.create_batch(12, runner=runner)
    RunFactory.create_batch(3, runner=UserFactory())  # another runner's runs are not counted
    body, _ = get_counting(client_for(runner), f"{API}/runs?limit={limit}&offset={offset}")
    assert body["count"] == 12
    assert len(body["results"]) == page_size
    assert (body["next"] is not None) == (offset + limit < 12)


def test_a_full_page_costs_one_query_and_an_empty_one_a_separate_count(client_for, runner):
    RunFactory.create_batch(7, runner=runner)
    client = client_for(runner)
    body, sqls = get_counting(client, f"{API}/runs?limit=5")
    run_queries = [sql for sql in sqls if "training_run" in sql]
    assert len(run_queries) == 1 and "COUNT(*)" in run_queries[0]
    assert body["count"] == 7

    body, sqls = get_counting(client, f"{API}/runs?limit=5&offset=50")
    assert body == {
        "count": 7,
        "next": None,
        "previous": f"http://testserver{API}/runs?limit=5&offset=45",
        "results": [],
    }
    assert len([sql for sql in sqls if "training_run" in sql]) == 2


def test_filtered_lists_count_only_the_filtered_rows(client_for, runner):
    plan = PlanFactory(runner=runner)
    RunFactory.create_batch(4, runner=runner, plan=plan)
    RunFactory.create_batch(6, runner=runner)
    body, _ = get_counting(client_for(runner), f"{API}/runs?plan={plan.pk}&limit=2")
    assert body["count"] == 4
    assert len(body["results"]) == 2


def test_pages_do_not_carry_the_count_into_the_body(client_for, runner):
    RunFactory(runner=runner)
    body, _ = get_counting(client_for(runner), f"{API}/runs")
    assert LimitOffsetPagination.total_alias not in body["results"][0]
    assert LimitOffsetPagination.total_alias not in str(body)
