"""/workouts/{id}/comments and /runs/{id}/comments (docs/API.md, Comments): visibility as the
parent object, the shape, the `new` marker, the email and the deletions feed."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.helpers import API, assert_error
from training import services

pytestmark = pytest.mark.django_db

COMMENT_KEYS = {"id", "workout", "run", "author", "author_name", "body", "new", "created_at"}


def test_coach_comments_on_a_run_and_the_runner_reads_it_as_new(
    coach_client, api_client, coach, runner, world, django_capture_on_commit_callbacks
):
    url = f"{API}/runs/{world.run_a.pk}/comments"
    with django_capture_on_commit_callbacks(execute=True):
        response = coach_client.post(url, {"body": "Good pacing."}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == COMMENT_KEYS
    assert (body["run"], body["workout"], body["author"]) == (str(world.run_a.pk), None, coach.pk)
    assert (body["author_name"], body["body"], body["new"]) == (
        coach.username,
        "Good pacing.",
        False,
    )
    assert [m.to for m in mail.outbox] == [[runner.email]]

    first_read = api_client.get(url).json()
    assert first_read["count"] == 1 and first_read["results"][0]["new"] is True
    # Reading the list marked it read.
    assert api_client.get(url).json()["results"][0]["new"] is False


def test_runner_answers_on_a_workout(api_client, coach_client, world):
    url = f"{API}/workouts/{world.workout_a.pk}/comments"
    assert api_client.post(url, {"body": "Done, felt easy."}, format="json").status_code == 201
    listed = coach_client.get(url).json()["results"]
    assert [(c["body"], c["new"]) for c in listed] == [("Done, felt easy.", True)]


def test_outsiders_get_404_on_both_routes(client_for, other_runner, other_coach, world):
    for user in (other_runner, other_coach):
        client = client_for(user)
        for url in (
            f"{API}/runs/{world.run_a.pk}/comments",
            f"{API}/workouts/{world.workout_a.pk}/comments",
        ):
            assert_error(client.get(url), 404)
            assert_error(client.post(url, {"body": "hi"}, format="json"), 404)


@pytest.mark.parametrize(
    ("body", "code"), [({}, "required"), ({"body": "   "}, "blank"), ({"body": "x" * 5001}, None)]
)
def test_bad_comments_are_400s_naming_the_body(api_client, world, body, code):
    response = api_client.post(f"{API}/runs/{world.run_a.pk}/comments", body, format="json")
    assert_error(response, 400, attr="body", code=code)


def test_listing_comments_costs_the_same_for_many(
    api_client, coach, world, django_assert_max_num_queries
):
    for n in range(15):
        services.comment_create(author=coach, body=f"Note {n}", run=world.run_a)
    # token, run, count, the page (authors joined, "new" in the same query), and the visit (an
    # update, and an insert on the first visit): 6, whatever the number of comments.
    with django_assert_max_num_queries(6):
        response = api_client.get(f"{API}/runs/{world.run_a.pk}/comments")
    assert response.json()["count"] == 15


def test_deleted_comments_reach_the_runner_and_coach_in_the_deletions_feed(
    api_client, coach_client, client_for, other_coach, coach, world
):
    comment = services.comment_create(author=coach, body="Nice", run=world.run_a)
    services.run_delete(run=world.run_a)
    expected = {"type": "comment", "id": str(comment.pk)}
    for client in (api_client, coach_client):
        feed = client.get(f"{API}/deletions").json()["results"]
        assert expected in [{"type": d["type"], "id": d["id"]} for d in feed]
    outsider = client_for(other_coach).get(f"{API}/deletions").json()["results"]
    assert expected not in [{"type": d["type"], "id": d["id"]} for d in outsider]
