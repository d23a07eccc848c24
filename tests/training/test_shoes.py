"""Shoes in the domain: wear (training/shoes.py), the services and the distance selector.

Wear edges, worked by hand: with an 800 km retirement distance, 90 % is 720 km (80 km left, so
the 90 % rule comes first); with a 300 km one, 90 % would be 270 km but 50 km left comes first,
at 250 km.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import RunFactory, ShoeFactory, UserFactory
from tests.training.importers.builders import Leg, gpx_bytes, route
from training import services
from training import shoes as shoe_rules
from training.models import Deletion, Run, Shoe
from training.selectors import runner_shoe_choices, runner_shoes, shoes_with_distance


@pytest.mark.parametrize(
    ("distance_m", "retirement_m", "expected"),
    [
        (719_999, 800_000, "ok"),
        (720_000, 800_000, "near_retirement"),  # 90 %
        (799_999, 800_000, "near_retirement"),
        (800_000, 800_000, "past_retirement"),
        (900_000, 800_000, "past_retirement"),
        (249_999, 300_000, "ok"),
        (250_000, 300_000, "near_retirement"),  # 50 km left, before 90 % (270 km)
        (0, 40_000, "near_retirement"),  # a shoe retired at 40 km is always within 50 km
    ],
)
def test_wear_at_its_edges(distance_m, retirement_m, expected):
    assert shoe_rules.wear(distance_m, retirement_m) == expected


def test_remaining_distance_never_goes_negative():
    assert shoe_rules.remaining_m(100_000, 800_000) == 700_000
    assert shoe_rules.remaining_m(900_000, 800_000) == 0


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_distance_is_the_starting_distance_plus_its_runs_in_one_query(
    runner, django_assert_num_queries
):
    worn = ShoeFactory(runner=runner, name="Worn", starting_distance_m=100_000)
    fresh = ShoeFactory(runner=runner, name="Fresh")
    RunFactory(runner=runner, shoe=worn, distance_m=10_000)
    RunFactory(runner=runner, shoe=worn, distance_m=5_000)
    RunFactory(runner=runner, distance_m=42_000)  # no shoe: counts for none
    ShoeFactory.create_batch(5, runner=runner)
    with django_assert_num_queries(1):
        shoes = {shoe.name: shoe for shoe in runner_shoes(runner)}
    # 100 km + 10 km + 5 km = 115 km over two runs; the new shoe has 0 km and no runs.
    assert (shoes["Worn"].distance_m, shoes["Worn"].run_count) == (115_000, 2)
    assert (shoes["Fresh"].distance_m, shoes["Fresh"].run_count) == (0, 0)
    assert fresh.pk in {shoe.pk for shoe in shoes.values()}


@pytestmark_db
def test_a_new_default_takes_over_from_the_old_one(runner):
    first = services.shoe_create(runner=runner, name="First", is_default=True)
    stamp = first.updated_at
    second = services.shoe_create(runner=runner, name="Second", is_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    assert first.updated_at > stamp  # syncing clients see the change


@pytestmark_db
def test_retiring_the_default_makes_it_not_the_default(runner):
    shoe = services.shoe_create(runner=runner, name="Old", is_default=True)
    services.shoe_update(shoe=shoe, retired=True)
    shoe.refresh_from_db()
    assert shoe.retired and not shoe.is_default
    with pytest.raises(ValidationError) as caught:
        services.shoe_update(shoe=shoe, retired=True, is_default=True)
    assert "is_default" in caught.value.message_dict


@pytestmark_db
def test_blank_name_and_impossible_distances_are_refused(runner):
    for fields, attr in [
        ({"name": "   "}, "name"),
        ({"name": "A", "starting_distance_m": -1}, "starting_distance_m"),
        ({"name": "A", "retirement_distance_m": 999}, "retirement_distance_m"),
        ({"name": "A", "retirement_distance_m": 10_000_001}, "retirement_distance_m"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.shoe_create(runner=runner, **fields)
        assert attr in caught.value.message_dict
    assert not Shoe.objects.exists()


@pytestmark_db
def test_a_new_run_gets_the_default_shoe_unless_told_otherwise(runner):
    shoe = ShoeFactory(runner=runner, is_default=True)
    started = datetime(2026, 1, 6, 7, tzinfo=UTC)
    run = services.run_create(runner=runner, started_at=started, distance_m=5000, duration_s=1500)
    assert run.shoe == shoe
    bare = services.run_create(
        runner=runner, started_at=started, distance_m=5000, duration_s=1500, shoe=None
    )
    assert bare.shoe is None
    # Another runner's default shoe is never borrowed, and a runner without one gets none.
    ShoeFactory(runner=UserFactory(), is_default=True)
    shoeless = UserFactory()
    assert (
        services.run_create(
            runner=shoeless, started_at=started, distance_m=5000, duration_s=1500
        ).shoe_id
        is None
    )


@pytestmark_db
def test_a_run_for_a_runner_that_is_gone_is_refused_by_name():
    # run_create reads the defaults through the runner's row instead of a foreign-key probe: a
    # runner deleted since the request authenticated is still refused before the insert.
    gone = UserFactory()
    gone_id = gone.pk
    gone.delete()
    gone.pk = gone_id
    with pytest.raises(ValidationError) as caught:
        services.run_create(
            runner=gone,
            started_at=datetime(2026, 1, 6, 7, tzinfo=UTC),
            distance_m=5000,
            duration_s=1500,
        )
    assert "runner" in caught.value.message_dict
    assert not Run.objects.filter(runner_id=gone_id).exists()


@pytestmark_db
def test_a_run_cannot_wear_another_runners_shoe(runner, other_runner):
    theirs = ShoeFactory(runner=other_runner)
    with pytest.raises(ValidationError) as caught:
        services.run_create(
            runner=runner,
            started_at=datetime(2026, 1, 6, 7, tzinfo=UTC),
            distance_m=5000,
            duration_s=1500,
            shoe=theirs,
        )
    assert "shoe" in caught.value.message_dict


@pytestmark_db
def test_run_writes_mark_the_shoes_they_change_as_updated(runner):
    first, second = ShoeFactory(runner=runner), ShoeFactory(runner=runner)
    run = RunFactory(runner=runner, shoe=first)
    stamps = {first.pk: first.updated_at, second.pk: second.updated_at}

    def moved() -> set:
        return {s.pk for s in Shoe.objects.all() if s.updated_at != stamps[s.pk]}

    services.run_update(run=run, notes="same distance, same shoe")
    assert moved() == set()
    services.run_update(run=run, distance_m=12_000)
    assert moved() == {first.pk}
    stamps.update({s.pk: s.updated_at for s in Shoe.objects.all()})
    services.run_update(run=run, shoe=second)
    assert moved() == {first.pk, second.pk}
    stamps.update({s.pk: s.updated_at for s in Shoe.objects.all()})
    services.run_delete(run=run)
    assert moved() == {second.pk}


@pytestmark_db
def test_deleting_a_shoe_keeps_its_runs_and_leaves_a_tombstone(runner):
    shoe = ShoeFactory(runner=runner)
    shoe_id = shoe.pk
    run = RunFactory(runner=runner, shoe=shoe)
    before = run.updated_at
    services.shoe_delete(shoe=shoe)
    run.refresh_from_db()
    assert run.shoe is None and run.updated_at > before
    tombstone = Deletion.objects.get()
    assert (tombstone.object_type, tombstone.object_id) == ("shoe", shoe_id)
    assert tombstone.runner_user_id == runner.pk


@pytestmark_db
def test_deletes_outside_the_service_leave_a_tombstone_too(runner):
    shoe = ShoeFactory(runner=runner)
    Shoe.objects.filter(pk=shoe.pk).delete()
    assert Deletion.objects.filter(object_type="shoe", object_id=shoe.pk).count() == 1


@pytestmark_db
def test_an_import_wears_the_default_shoe_or_the_one_chosen(runner):
    default = ShoeFactory(runner=runner, is_default=True)
    other = ShoeFactory(runner=runner)
    start = datetime(2026, 6, 10, 7, tzinfo=UTC)

    def gpx(offset_h: int) -> SimpleUploadedFile:
        content = gpx_bytes(route([Leg(600, 3.0)], start=start.replace(hour=7 + offset_h)))
        return SimpleUploadedFile("run.gpx", content)

    assert services.run_import_file(runner=runner, uploaded_file=gpx(0)).run.shoe == default
    chosen = services.run_import_file(runner=runner, uploaded_file=gpx(1), shoe=other)
    assert chosen.run.shoe == other
    none = services.run_import_file(runner=runner, uploaded_file=gpx(2), shoe=None)
    assert none.run.shoe is None
    assert shoes_with_distance(Shoe.objects.filter(pk=other.pk)).get().run_count == 1


@pytestmark_db
def test_the_forms_offer_shoes_in_use_and_the_runs_own(runner):
    in_use = ShoeFactory(runner=runner, name="B in use")
    default = ShoeFactory(runner=runner, name="Z default", is_default=True)
    retired = ShoeFactory(runner=runner, name="A retired", retired=True)
    ShoeFactory(runner=UserFactory())
    assert list(runner_shoe_choices(runner)) == [default, in_use]
    assert list(runner_shoe_choices(runner, keep=retired.pk)) == [default, retired, in_use]
    assert Run.objects.count() == 0
