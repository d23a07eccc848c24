"""tracker/statements.py: a queryset compiled once per shape gives what the queryset gives, for any
values; shapes it cannot bind safely take the ORM path."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from tests.factories import RunFactory, UserFactory
from tracker import statements
from training.models import Run, RunTrack

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="compiled on PostgreSQL only"),
]


@pytest.fixture(autouse=True)
def fresh_shapes():
    statements._SHAPES.clear()
    yield
    statements._SHAPES.clear()


def _runs_of(runner_id: int, run_id: uuid.UUID):
    return (
        Run.objects.filter(Q(runner_id=runner_id) | Q(pk=run_id), distance_m__gte=1000)
        .annotate(has_track=Exists(RunTrack.objects.filter(run=OuterRef("pk"))))
        .order_by("-started_at")
    )


def test_rows_and_instances_are_the_querysets_for_every_value():
    alice, bob = UserFactory(), UserFactory()
    alice_runs = RunFactory.create_batch(2, runner=alice)
    bobs_run = RunFactory(runner=bob, distance_m=5000.0)
    RunFactory(runner=bob, distance_m=500.0)  # filtered out by the constant
    built = []

    def build(runner_id, run_id):
        built.append((runner_id, run_id))
        return _runs_of(runner_id, run_id)

    for runner, run in [(alice, bobs_run), (bob, alice_runs[0]), (bob, bobs_run)]:
        statement = statements.compiled("runs-of", build, (int, uuid.UUID))
        assert statement is not None
        values = (runner.pk, run.pk)
        expected = list(_runs_of(*values))
        found = statement.instances(values)
        assert [r.pk for r in found] == [r.pk for r in expected]
        assert [r.has_track for r in found] == [False] * len(expected)
        assert [r.started_at for r in found] == [r.started_at for r in expected]
        assert [r.__dict__.keys() for r in found] == [r.__dict__.keys() for r in expected]
        assert statement.rows(values) == list(
            _runs_of(*values).values_list(
                *[f.attname for f in Run._meta.concrete_fields], "has_track"
            )
        )
    assert len(built) == 1  # compiled once, with stand-ins
    assert built[0][0] < 0 and built[0][1] not in {r.pk for r in Run.objects.all()}


def test_a_value_that_does_not_end_up_a_parameter_refuses_the_shape():
    # The builder chose something with the value instead of filtering by it.
    assert statements.compiled("ignored", lambda runner_id: Run.objects.all(), (int,)) is None

    # The value written into the SQL text instead of passed as a parameter.
    def inlined(runner_id):
        return Run.objects.extra(where=[f"runner_id = {runner_id}"])  # noqa: S610

    assert statements.compiled("inlined", inlined, (int,)) is None


def test_a_shape_that_can_match_nothing_refuses():
    def build(runner_id):
        return Run.objects.filter(runner_id=runner_id, pk__in=[])

    assert statements.compiled("empty", build, (int,)) is None


def test_values_other_than_ids_belong_in_the_key():
    with pytest.raises(TypeError, match="str"):
        statements.compiled("text", lambda name: Run.objects.filter(notes=name), (str,))


def test_select_related_takes_the_orm_path():
    def build(runner_id):
        return Run.objects.select_related("runner").filter(runner_id=runner_id)

    assert statements.compiled("related", build, (int,)) is None


def test_a_user_id_is_bound_though_auth_user_ids_are_32_bit_integers():
    # auth_user.id is an AutoField: a stand-in outside its range would make Django compile the
    # lookup to "no rows" and refuse the shape, silently sending every request the ORM's way.
    from django.contrib.auth import get_user_model

    runner = UserFactory()

    def build(user_id):
        return get_user_model().objects.filter(pk=user_id).values_list("pk")

    statement = statements.compiled("user-by-id", build, (int,))
    assert statement is not None
    assert statement.rows((runner.pk,)) == [(runner.pk,)]


def test_the_run_defaults_shape_compiles_and_answers_as_the_orm():
    # A refused shape takes the ORM path without complaint: pin that this one is not refused.
    from tests.factories import ShoeFactory
    from training import services
    from training.models import RunnerProfile

    runner = UserFactory()
    RunnerProfile.objects.update_or_create(user=runner, defaults={"timezone": "Asia/Tokyo"})
    shoe = ShoeFactory(runner=runner, is_default=True)
    ShoeFactory(runner=UserFactory(), is_default=True)  # someone else's default
    for zone in (True, False):
        for wants_shoe in (True, False):
            found = services._run_defaults(runner.pk, zone=zone, shoe=wants_shoe)
            key = ("default", (("run_defaults", zone, wants_shoe), (int,)))
            assert statements._SHAPES.get(key) is not None, key
            assert found == ("Asia/Tokyo" if zone else None, shoe.pk if wants_shoe else None)
    assert services._run_defaults(-5, zone=True, shoe=True) is None  # no such runner


def test_days_are_bound_like_ids():
    from datetime import UTC, date, datetime

    runner = UserFactory()
    RunFactory(runner=runner, started_at=datetime(2026, 3, 2, 8, tzinfo=UTC), timezone="UTC")
    RunFactory(runner=runner, started_at=datetime(2026, 3, 9, 8, tzinfo=UTC), timezone="UTC")

    def build(runner_id, first, last):
        return Run.objects.filter(
            runner_id=runner_id, local_date__gte=first, local_date__lte=last
        ).values_list("local_date")

    for first, last in [
        (date(2026, 3, 1), date(2026, 3, 5)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ]:
        rows = statements.compiled_rows_of("days", build, (runner.pk, first, last))
        assert rows == list(build(runner.pk, first, last))
    assert len(rows) == 2
    assert statements._SHAPES.get(("default", ("days", (int, date, date)))) is not None


def test_a_value_of_another_kind_takes_the_orm_path():
    from datetime import UTC, datetime

    runner = UserFactory()
    RunFactory(runner=runner)

    def build(runner_id, before):
        return Run.objects.filter(runner_id=runner_id, started_at__lt=before).values_list("pk")

    late = datetime(2100, 1, 1, tzinfo=UTC)
    assert len(statements.compiled_rows_of("before", build, (runner.pk, late))) == 1
    assert not statements._SHAPES  # nothing compiled for a datetime


def test_the_summary_shapes_compile():
    from datetime import date

    from analytics import selectors as analytics_selectors

    runner = UserFactory()
    RunFactory(runner=runner)
    for date_from in (None, date(2026, 1, 1)):
        analytics_selectors.runner_summary(
            runner=runner, date_from=date_from, date_to=None, today=date(2026, 6, 30)
        )
    # Keys are (database, (the caller's key, kinds)); a caller's key is a name or (name, ...).
    callers_keys = [key[1][0] for key in statements._SHAPES]
    names = {key[0] if isinstance(key, tuple) else key for key in callers_keys}
    assert {"runner_weeks", "runner_days", "longest_and_fastest_run"} <= names
    assert all(statement is not None for statement in statements._SHAPES.values())


def test_a_bigint_column_s_values_are_bound_in_the_backend_s_wrapper():
    # Django hands psycopg a BigIntegerField's value wrapped (Int8), not as a plain int; the
    # stand-in was then not found and the shape silently took the ORM path. It must be found,
    # and the real value wrapped the same way.
    from datetime import UTC, date, datetime

    from training.models import RunnerDay

    runner = UserFactory()
    for day, seconds in ((2, 1800), (3, 2400)):
        RunFactory(
            runner=runner, started_at=datetime(2026, 3, day, 7, tzinfo=UTC), duration_s=seconds
        )

    def days_lasting(seconds: int):
        return RunnerDay.objects.filter(duration_s=seconds).values_list("local_date")

    statement = statements.compiled("days-lasting", days_lasting, (int,))
    assert statement is not None
    assert statement.rows((2400,)) == [(date(2026, 3, 3),)]
    assert statement.rows((1800,)) == [(date(2026, 3, 2),)]
