"""/api/v1/shoes (docs/API.md, Shoes): CRUD with ownership, sync fields, ETag, tombstones, and
the run's ``shoe``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, ShoeFactory
from tests.helpers import API, assert_error
from tests.training.importers.builders import Leg, gpx_bytes, route
from training.models import Run, Shoe

pytestmark = pytest.mark.django_db

SHOE_KEYS = {
    "id",
    "runner",
    "name",
    "starting_distance_m",
    "retirement_distance_m",
    "is_default",
    "retired",
    "distance_m",
    "run_count",
    "remaining_m",
    "wear",
    "created_at",
    "updated_at",
}
NEW_RUN = {"started_at": "2026-01-06T07:00:00Z", "distance_m": 5000, "duration_s": 1500}


def test_a_runner_adds_a_shoe_and_reads_its_distance(api_client, runner):
    response = api_client.post(
        f"{API}/shoes",
        {"name": " Pegasus 40 ", "starting_distance_m": 120_000, "is_default": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == SHOE_KEYS
    assert response["ETag"]
    # Trimmed name; 120 km run before, none since; 800 km - 120 km = 680 km left.
    assert body["name"] == "Pegasus 40"
    assert (body["runner"], body["is_default"], body["retired"]) == (runner.pk, True, False)
    assert (body["distance_m"], body["run_count"], body["remaining_m"]) == (120_000, 0, 680_000)
    assert body["retirement_distance_m"] == 800_000 and body["wear"] == "ok"

    run = api_client.post(f"{API}/runs", NEW_RUN, format="json").json()
    assert run["shoe"] == body["id"]  # the default, preselected
    shoe = api_client.get(f"{API}/shoes/{body['id']}").json()
    assert (shoe["distance_m"], shoe["run_count"]) == (125_000, 1)


def test_wear_in_the_answer_follows_the_distance(api_client, runner):
    shoe = ShoeFactory(runner=runner, starting_distance_m=700_000)
    RunFactory(runner=runner, shoe=shoe, distance_m=30_000)
    body = api_client.get(f"{API}/shoes/{shoe.pk}").json()
    # 730 km of 800 km: 91 %, 70 km left.
    assert (body["wear"], body["remaining_m"]) == ("near_retirement", 70_000)
    RunFactory(runner=runner, shoe=shoe, distance_m=80_000)
    body = api_client.get(f"{API}/shoes/{shoe.pk}").json()
    assert (body["wear"], body["remaining_m"]) == ("past_retirement", 0)


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "A", "starting_distance_m": -1}, "starting_distance_m"),
        ({"name": "A", "retirement_distance_m": 0}, "retirement_distance_m"),
        ({"name": "A", "retirement_distance_m": 10_000_001}, "retirement_distance_m"),
        ({"name": "A", "is_default": True, "retired": True}, "is_default"),
        ({"name": "A", "retired": "sometimes"}, "retired"),
    ],
)
def test_bad_shoes_are_refused_naming_the_field(api_client, body, attr):
    assert_error(api_client.post(f"{API}/shoes", body, format="json"), 400, attr=attr)
    assert not Shoe.objects.exists()


def test_retiring_over_the_api(api_client, runner):
    shoe = ShoeFactory(runner=runner, is_default=True)
    response = api_client.patch(f"{API}/shoes/{shoe.pk}", {"retired": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["retired"], response.json()["is_default"]) == (True, False)
    # With no default left, a new run has no shoe.
    assert api_client.post(f"{API}/runs", NEW_RUN, format="json").json()["shoe"] is None


def test_a_runner_never_reaches_another_runners_shoes(api_client, other_runner):
    theirs = ShoeFactory(runner=other_runner)
    assert api_client.get(f"{API}/shoes").json()["count"] == 0
    for method in ("get", "patch", "put", "delete"):
        response = getattr(api_client, method)(f"{API}/shoes/{theirs.pk}", {}, format="json")
        assert_error(response, 404)
    run = {**NEW_RUN, "shoe": str(theirs.pk)}
    assert_error(api_client.post(f"{API}/runs", run, format="json"), 400, attr="shoe")
    theirs.refresh_from_db()
    assert theirs.name.startswith("Trainer") and not Run.objects.exists()


def test_a_coach_reads_their_runners_shoes_but_never_writes_them(coach_client, runner, coach):
    PlanFactory(runner=runner, coach=coach)
    shoe = ShoeFactory(runner=runner)
    body = coach_client.get(f"{API}/shoes").json()
    assert [s["id"] for s in body["results"]] == [str(shoe.pk)]
    assert coach_client.get(f"{API}/shoes/{shoe.pk}").status_code == 200
    patch = coach_client.patch(f"{API}/shoes/{shoe.pk}", {"name": "Mine"}, format="json")
    assert_error(patch, 403)
    assert_error(coach_client.delete(f"{API}/shoes/{shoe.pk}"), 403)
    # A coach's own run cannot wear the runner's shoe.
    run = {**NEW_RUN, "shoe": str(shoe.pk)}
    assert_error(coach_client.post(f"{API}/runs", run, format="json"), 400, attr="shoe")


def test_a_coach_of_nobody_sees_no_shoes(client_for, other_coach, runner):
    shoe = ShoeFactory(runner=runner)
    client = client_for(other_coach)
    assert client.get(f"{API}/shoes").json()["count"] == 0
    assert_error(client.get(f"{API}/shoes/{shoe.pk}"), 404)


def test_deleting_a_shoe_reaches_the_deletions_feed_and_unlinks_its_runs(
    api_client, coach_client, runner, coach
):
    PlanFactory(runner=runner, coach=coach)
    shoe = ShoeFactory(runner=runner)
    run = RunFactory(runner=runner, shoe=shoe)
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    assert api_client.delete(f"{API}/shoes/{shoe.pk}").status_code == 204
    feed = api_client.get(f"{API}/deletions", {"since": since}).json()["results"]
    assert [(d["type"], d["id"]) for d in feed] == [("shoe", str(shoe.pk))]
    # The coach synced the shoe, so learns that it is gone.
    assert [d["id"] for d in coach_client.get(f"{API}/deletions").json()["results"]] == [
        str(shoe.pk)
    ]
    changed = api_client.get(f"{API}/runs", {"updated_after": since}).json()["results"]
    assert [(r["id"], r["shoe"]) for r in changed] == [(str(run.pk), None)]


def test_a_new_run_changes_the_shoes_etag_and_sync_time(api_client, runner):
    shoe = ShoeFactory(runner=runner)
    first = api_client.get(f"{API}/shoes/{shoe.pk}")
    listed = api_client.get(f"{API}/shoes")
    tag, list_tag = first["ETag"], listed["ETag"]
    assert api_client.get(f"{API}/shoes/{shoe.pk}", HTTP_IF_NONE_MATCH=tag).status_code == 304
    since = timezone.now().isoformat()
    api_client.post(f"{API}/runs", {**NEW_RUN, "shoe": str(shoe.pk)}, format="json")
    again = api_client.get(f"{API}/shoes/{shoe.pk}", HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 200 and again.json()["distance_m"] == 5000
    assert api_client.get(f"{API}/shoes", HTTP_IF_NONE_MATCH=list_tag).status_code == 200
    synced = api_client.get(f"{API}/shoes", {"updated_after": since}).json()["results"]
    assert [s["id"] for s in synced] == [str(shoe.pk)]
    stale = api_client.patch(
        f"{API}/shoes/{shoe.pk}", {"name": "Late"}, format="json", HTTP_IF_MATCH=tag
    )
    assert_error(stale, 412)


def test_filters_and_ordering(api_client, runner):
    long = ShoeFactory(runner=runner, name="Long", starting_distance_m=500_000)
    short = ShoeFactory(runner=runner, name="Short")
    old = ShoeFactory(runner=runner, name="Old", retired=True, starting_distance_m=900_000)
    RunFactory(runner=runner, shoe=short, distance_m=10_000)

    def ids(**params) -> list[str]:
        return [s["id"] for s in api_client.get(f"{API}/shoes", params).json()["results"]]

    assert ids() == [str(long.pk), str(short.pk), str(old.pk)]  # in use first, by name
    assert ids(retired="true") == [str(old.pk)]
    assert ids(retired="false", ordering="distance_m") == [str(short.pk), str(long.pk)]
    assert_error(api_client.get(f"{API}/shoes", {"ordering": "runner__password"}), 400)
    # Not silently "every shoe": an unknown value is refused.
    assert_error(api_client.get(f"{API}/shoes", {"retired": "maybe"}), 400, attr="retired")


def test_the_shoe_list_costs_the_same_queries_for_many_shoes_and_runs(
    api_client, runner, django_assert_max_num_queries
):
    for index in range(12):
        shoe = ShoeFactory(runner=runner)
        RunFactory.create_batch(index % 3, runner=runner, shoe=shoe)
    # The coached-runner lookup, then the page with its count and every shoe's distance.
    with django_assert_max_num_queries(2):
        body = api_client.get(f"{API}/shoes?limit=50").json()
    assert body["count"] == 12 and sum(s["run_count"] for s in body["results"]) == 12


def test_runs_name_their_shoe_and_can_drop_it(api_client, runner):
    shoe = ShoeFactory(runner=runner)
    created = api_client.post(f"{API}/runs", {**NEW_RUN, "shoe": str(shoe.pk)}, format="json")
    assert created.status_code == 201 and created.json()["shoe"] == str(shoe.pk)
    run_id = created.json()["id"]
    assert api_client.get(f"{API}/runs/{run_id}").json()["shoe"] == str(shoe.pk)
    listed = api_client.get(f"{API}/runs").json()["results"]
    assert listed[0]["shoe"] == str(shoe.pk)
    dropped = api_client.patch(f"{API}/runs/{run_id}", {"shoe": None}, format="json")
    assert dropped.json()["shoe"] is None
    assert_error(
        api_client.patch(f"{API}/runs/{run_id}", {"shoe": "not-a-uuid"}, format="json"),
        400,
        attr="shoe",
    )


def _gpx(hour: int) -> SimpleUploadedFile:
    start = datetime(2026, 6, 10, hour, tzinfo=UTC)
    return SimpleUploadedFile("run.gpx", gpx_bytes(route([Leg(600, 3.0)], start=start)))


def test_an_import_takes_a_shoe_or_the_default(api_client, runner, other_runner):
    default = ShoeFactory(runner=runner, is_default=True)
    chosen = ShoeFactory(runner=runner)
    url = f"{API}/runs/import"
    plain = api_client.post(url, {"file": _gpx(6)}, format="multipart")
    assert plain.status_code == 201 and plain.json()["shoe"] == str(default.pk)
    picked = api_client.post(url, {"file": _gpx(8), "shoe": str(chosen.pk)}, format="multipart")
    assert picked.json()["shoe"] == str(chosen.pk)
    bare = api_client.post(url, {"file": _gpx(10), "shoe": ""}, format="multipart")
    assert bare.json()["shoe"] is None
    theirs = ShoeFactory(runner=other_runner)
    for value in (str(theirs.pk), "nope"):
        refused = api_client.post(url, {"file": _gpx(12), "shoe": value}, format="multipart")
        assert_error(refused, 400, attr="shoe")
    assert Run.objects.count() == 3
