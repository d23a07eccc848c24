"""A plan's workout list from the cache (tracker.page_etags, docs/PERFORMANCE.md section 34).

Its version is a digest of the ``(id, xmin)`` of the plan's workouts, read with the plan's
visibility to the caller (``training.selectors.plan_workout_list_version``): PostgreSQL stamps
every row version with the transaction that wrote it, so any committed write of a workout, by
any path, through the ORM or behind it, changes the digest, and nothing needs to keep it. These
tests write workouts every way there is and check that the answer is always the page the
database gives now, and that a plan out of view still answers 404 whatever the cache holds.
PostgreSQL only: SQLite rows carry no such stamp, and there the list is read each time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from tests.factories import PlanFactory, UserFactory, WorkoutFactory
from tests.helpers import API
from tests.training.api.kept_answers import assert_same_answer, fresh, get_reading
from training import services
from training.models import Plan, Workout
from training.selectors import plan_workout_list_version

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the digest reads PostgreSQL's xmin"
    ),
]
WORKOUT_PAGE = '"training_workout"."name"'  # the digest reads no name


def _url(plan: Plan) -> str:
    return f"{API}/plans/{plan.pk}/workouts?limit=50"


def _get(client, plan: Plan, status: int = 200):
    return get_reading(client, _url(plan), WORKOUT_PAGE, status)


def _fresh(client, plan: Plan):
    return fresh(client, _url(plan), WORKOUT_PAGE)


def _plan_with_workouts(runner, coach=None, count: int = 4) -> Plan:
    plan = PlanFactory(runner=runner, coach=coach)
    for day in range(count):
        WorkoutFactory(
            plan=plan, scheduled_date=plan.start_date + timedelta(days=day), name=f"W{day}"
        )
    return plan


def test_a_kept_page_is_the_page_and_reads_no_workout(api_client, runner):
    plan = _plan_with_workouts(runner)
    WorkoutFactory(plan=plan, notes='Côte "raide"\u2028\nfin', steps=[{"kind": "work"}])
    first = _get(api_client, plan)
    assert first.read_page
    kept = _get(api_client, plan)
    assert not kept.read_page
    assert kept.queries == 1  # the digest with the plan's visibility, nothing else
    assert_same_answer(kept, first)
    assert_same_answer(kept, _fresh(api_client, plan))


@pytest.mark.parametrize(
    "write",
    [
        "api_create",
        "api_patch",
        "api_delete",
        "plan_shift",
        "bulk_create",
        "moved_to_another_plan",
    ],
)
def test_a_kept_page_ends_with_any_write(api_client, runner, write):
    plan = _plan_with_workouts(runner)
    target = plan.workouts.order_by("scheduled_date").first()
    before = _get(api_client, plan)
    assert not _get(api_client, plan).read_page
    if write == "api_create":
        body = {"name": "Tempo", "workout_type": "tempo", "scheduled_date": str(plan.start_date)}
        assert api_client.post(_url(plan), body, format="json").status_code == 201
    elif write == "api_patch":
        response = api_client.patch(f"{API}/workouts/{target.pk}", {"notes": "x"}, format="json")
        assert response.status_code == 200
    elif write == "api_delete":
        assert api_client.delete(f"{API}/workouts/{target.pk}").status_code == 204
    elif write == "plan_shift":
        services.plan_shift_workouts(plan=plan, days=1, first_day=plan.start_date)
    elif write == "bulk_create":
        Workout.objects.bulk_create(
            [Workout(plan=plan, name="Bulk", scheduled_date=plan.start_date)]
        )
    else:
        Workout.objects.filter(pk=target.pk).update(plan=PlanFactory(runner=runner))
    after = _get(api_client, plan)
    assert after.read_page
    assert after.content != before.content
    assert_same_answer(after, _fresh(api_client, plan))
    assert not _get(api_client, plan).read_page  # kept again, at the new digest


def test_a_plan_out_of_view_answers_404_whatever_the_cache_holds(client_for, runner, coach):
    plan = _plan_with_workouts(runner, coach=coach)
    coach_client = client_for(coach)
    _get(coach_client, plan)
    assert not _get(coach_client, plan).read_page
    Plan.objects.filter(pk=plan.pk).update(coach=None)
    _get(coach_client, plan, status=404)
    deleted = _plan_with_workouts(runner)
    runner_client = client_for(runner)
    _get(runner_client, deleted)
    services.plan_delete(plan=deleted)
    _get(runner_client, deleted, status=404)


def test_each_caller_has_their_own_entry_and_a_stranger_none(client_for, runner, coach):
    plan = _plan_with_workouts(runner, coach=coach)
    runner_page = _get(client_for(runner), plan)
    coach_page = _get(client_for(coach), plan)
    assert coach_page.read_page  # not the runner's entry
    assert coach_page.content == runner_page.content  # the ETag names its caller
    _get(client_for(UserFactory()), plan, status=404)


def test_an_empty_plan_is_kept_too_and_ends_with_its_first_workout(api_client, runner):
    plan = PlanFactory(runner=runner)
    assert plan_workout_list_version(runner.pk, plan.pk) == ""
    empty = _get(api_client, plan)
    assert empty.json()["results"] == []
    assert not _get(api_client, plan).read_page
    WorkoutFactory(plan=plan)
    assert len(_get(api_client, plan).json()["results"]) == 1


def test_the_digest_names_the_rows_and_only_them(runner, other_runner, coach):
    plan = _plan_with_workouts(runner, coach=coach, count=2)
    other = _plan_with_workouts(runner, count=2)
    version = plan_workout_list_version(runner.pk, plan.pk)
    assert version and plan_workout_list_version(coach.pk, plan.pk) == version
    assert plan_workout_list_version(other_runner.pk, plan.pk) is None  # out of view
    WorkoutFactory(plan=other)  # another plan's workouts do not count
    assert plan_workout_list_version(runner.pk, plan.pk) == version
    # A transaction that rolls back leaves the rows, and the digest, as they were.
    with pytest.raises(RuntimeError), services.transaction.atomic():
        Workout.objects.filter(plan=plan).update(notes="rolled back")
        raise RuntimeError
    assert plan_workout_list_version(runner.pk, plan.pk) == version


def test_a_superuser_s_and_a_filtered_list_are_read_each_time(client_for, superuser, runner):
    plan = _plan_with_workouts(runner)
    admin = client_for(superuser)
    _get(admin, plan)
    assert _get(admin, plan).read_page
    runner_client = client_for(runner)
    url = f"{_url(plan)}&workout_type=easy"
    runner_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert runner_client.get(url).status_code == 200
    assert any(WORKOUT_PAGE in q["sql"] for q in captured)


# Committed for real: inside the test's one transaction every row written without a savepoint
# carries that transaction's id, before and after the write (no other transaction can see the
# rows in between, so production never meets this). Writes here autocommit, as a request's do:
# the model's own save and update, and writes behind every hook the application has.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "write", ["raw_sql", "base_queryset_update", "save_keeping_updated_at", "queryset_update"]
)
def test_a_kept_page_ends_with_a_write_behind_the_orm(api_client, runner, write):
    plan = _plan_with_workouts(runner)
    _get(api_client, plan)
    assert not _get(api_client, plan).read_page
    target = plan.workouts.first()
    if write == "save_keeping_updated_at":
        # The ETag reads (id, updated_at): only the body shows this change.
        target.name = "Renamed"
        target.save(update_fields=["name"])
    elif write == "queryset_update":
        Workout.objects.filter(pk=target.pk).update(name="Renamed")
    elif write == "raw_sql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE training_workout SET name = 'Renamed' WHERE plan_id = %s", [plan.pk]
            )
    else:
        # Django's own QuerySet.update, which skips every model and queryset hook.
        QuerySet.update(Workout.objects.filter(plan=plan), name="Renamed")
    after = _get(api_client, plan)
    assert after.read_page and b"Renamed" in after.content
    assert_same_answer(after, _fresh(api_client, plan))
