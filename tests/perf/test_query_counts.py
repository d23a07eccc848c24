"""Query counts of the benchmarked endpoints (bench/run.py) do not grow with the data: each is
measured with few and with many rows and pinned with ``django_assert_max_num_queries``.

The list endpoints and the analytics have their own pins
(tests/training/api/test_lists_and_errors.py,
tests/analytics/test_query_bounds.py); these add retrieve and create of a run, and the list of
runs seen by a coach of several runners.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, UserFactory
from training.models import Run

API = "/api/v1"
# The run, with "mine or a runner I coach" checked on that row (training/selectors.py
# run_visible_to); it was the coached-runner lookup and then the run.
RETRIEVE_MAX_QUERIES = 1
# The coached-runner lookup, the runners' list versions (tracker.page_etags: a first GET finds no
# page kept at them), then the page with its total count (tracker/pagination.py).
LIST_MAX_QUERIES = 3
# One query for what the body leaves out: the runner's row (so no foreign-key probe), with the
# profile's time zone and the default shoe as subqueries, read by the runner's id so the API's
# lazily loaded user is never loaded (training/services.py _run_defaults; no primary key check:
# a fresh uuid4); the insert; the savepoint and its release. Check constraints are validated by
# their Python twins, not one query each (training/models.py TimeStampedModel.get_constraints:
# this was 36). Then the summary aggregates (docs/PERFORMANCE.md, sections 22 and 30): the
# runner's row lock, the day's and week's rows, their two upserts and the runner's list version
# (section 33; the three upserts are one statement on PostgreSQL, and since section 38 the run's
# insert is sent in it too); one more (its RunnerEffort) for a run that stands in for a
# standard distance, which this test's 8 km run does not.
CREATE_MAX_QUERIES = 6 if connection.vendor == "postgresql" else 9

pytestmark = pytest.mark.django_db


def make_runs(runner, count: int) -> list[Run]:
    now = timezone.now()
    return Run.objects.bulk_create(
        [
            Run(
                runner=runner,
                started_at=now - timedelta(hours=i + 1),
                local_date=(now - timedelta(hours=i + 1)).date(),
                distance_m=5_000 + i,
                duration_s=1_500 + i,
            )
            for i in range(count)
        ]
    )


def count_queries(client, method: str, url: str, body: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("rows", [1, 300])
def test_retrieve_run_queries(client_for, rows, django_assert_max_num_queries):
    runner = UserFactory(username=f"retrieve{rows}")
    run = make_runs(runner, rows)[-1]
    client = client_for(runner)
    with django_assert_max_num_queries(RETRIEVE_MAX_QUERIES):
        assert client.get(f"{API}/runs/{run.pk}").status_code == 200


@pytest.mark.parametrize("who", ["runner", "coach", "stranger", "former coach"])
def test_one_query_decides_who_may_read_a_run(client_for, who, django_assert_max_num_queries):
    runner, coach = UserFactory(), UserFactory()
    plan = PlanFactory(runner=runner, coach=coach)
    run = make_runs(runner, 3)[0]
    reader = {"runner": runner, "coach": coach, "stranger": UserFactory()}.get(who, coach)
    if who == "former coach":
        plan.delete()  # no plan names them any more: the very next read is refused
    with django_assert_max_num_queries(RETRIEVE_MAX_QUERIES):
        response = client_for(reader).get(f"{API}/runs/{run.pk}")
    assert response.status_code == (200 if who in ("runner", "coach") else 404)
    if response.status_code == 200:
        assert response.json()["id"] == str(run.pk)


def test_create_run_queries_do_not_grow_with_runs(client_for, django_assert_max_num_queries):
    counts = []
    for rows in (0, 300):
        runner = UserFactory(username=f"create{rows}")
        make_runs(runner, rows)
        body = {"started_at": "2026-01-05T07:30:00Z", "distance_m": 8000, "duration_s": 2400}
        counts.append(count_queries(client_for(runner), "POST", f"{API}/runs", body))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(CREATE_MAX_QUERIES):
        count_queries(client_for(runner), "POST", f"{API}/runs", body)


def test_coach_run_list_queries_do_not_grow_with_runners(coach, client_for):
    counts = []
    for runners in (1, 6):
        for index in range(runners):
            runner = UserFactory(username=f"coached{runners}-{index}")
            PlanFactory(runner=runner, coach=coach)
            RunFactory.create_batch(3, runner=runner)
        counts.append(count_queries(client_for(coach), "GET", f"{API}/runs?limit=50"))
    assert counts[0] == counts[1] <= LIST_MAX_QUERIES
