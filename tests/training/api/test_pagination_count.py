"""A page and its total come from one query (tracker/pagination.py); the answers are DRF's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PlanFactory, RunFactory, UserFactory
from tracker.pagination import LimitOffsetPagination
from training.models import Run

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
    # The runner's list version is read first (tracker.page_etags keeps the page); then the page.
    assert len([sql for sql in sqls if '"training_runlistversion"' in sql]) == 1
    run_queries = [sql for sql in sqls if '"training_run"' in sql]
    # The unfiltered total is summed from the runner's week rows inside the page's statement.
    assert len(run_queries) == 1 and "training_runnerweek" in run_queries[0]
    assert body["count"] == 7
    filtered, sqls = get_counting(client, f"{API}/runs?limit=5&distance_min=1")
    run_queries = [sql for sql in sqls if '"training_run"' in sql]
    assert len(run_queries) == 1 and "COUNT(*)" in run_queries[0]  # a filter: rows counted
    assert filtered["count"] == 7

    body, sqls = get_counting(client, f"{API}/runs?limit=5&offset=50")
    assert body == {
        "count": 7,
        "next": None,
        "previous": f"http://testserver{API}/runs?limit=5&offset=45",
        "results": [],
    }
    assert len([sql for sql in sqls if '"training_run"' in sql]) == 2


def test_the_unfiltered_total_follows_every_write_exactly(client_for, runner, coach, world):
    # The total comes from the summary's week rows (training.selectors.run_count_of_runners):
    # it must equal counting the runs after creates, a move to another week, deletes, bulk
    # writes, and for a coach over several runners.
    def total(client, url=f"{API}/runs?limit=1&ordering=distance_m"):
        return get_counting(client, url)[0]["count"]

    client = client_for(runner)
    runs = RunFactory.create_batch(5, runner=runner)
    assert total(client) == Run.objects.filter(runner=runner).count()
    runs[0].started_at -= timedelta(days=40)  # another week
    runs[0].save()
    runs[1].delete()
    Run.objects.filter(pk=runs[2].pk).delete()
    Run.objects.bulk_create(
        [
            Run(
                runner=runner,
                started_at=runs[3].started_at,
                local_date=runs[3].local_date,
                timezone="UTC",
                distance_m=5000,
                duration_s=1500,
            )
        ]
    )
    expected = Run.objects.filter(runner=runner).count()
    assert total(client) == expected == 5  # 5 + world's run_a - 2 deleted + 1 bulk-created
    # The coach sees their own runs and runner's (world: runner's plan names the coach).
    RunFactory.create_batch(2, runner=coach)
    coached = Run.objects.filter(runner_id__in=[coach.pk, runner.pk]).count()
    assert total(client_for(coach)) == coached == 2 + expected


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


@pytest.mark.parametrize("path", ["counted along", "DRF's two queries"])
def test_a_served_page_frees_its_model_instances_without_the_cyclic_collector(runner, path):
    # The list serializer and its child form a reference cycle that holds the page; without the
    # paginator letting go, the instances would wait for Python's cyclic garbage collector.
    import gc
    import weakref

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from training.api.serializers import RunSerializer
    from training.models import Run

    RunFactory.create_batch(3, runner=runner)
    runs = Run.objects.filter(runner=runner).order_by("-started_at")
    if path == "DRF's two queries":
        runs = runs.distinct()  # a queryset the one-query count does not fit
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(runs, Request(APIRequestFactory().get("/?limit=2")))
    instances = [weakref.ref(run) for run in page]
    data = RunSerializer(page, many=True).data
    del page
    gc.disable()
    try:
        response = paginator.get_paginated_response(data)
        assert [ref() for ref in instances] == [None, None]
    finally:
        gc.enable()
    assert response.data["count"] == 3
    assert [item["id"] for item in response.data["results"]] == [str(run.id) for run in runs[:2]]
