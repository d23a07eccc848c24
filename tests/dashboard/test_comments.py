"""The runner's side of comments (issue 17, item 6): the workout and run pages show the thread
with the coach's new comments marked since the last visit, and take an answer."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from training import services
from training.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def coached(runner, coach):
    plan = PlanFactory(runner=runner, coach=coach)
    workout = WorkoutFactory(plan=plan, name="Hill repeats", scheduled_date=plan.start_date)
    run = RunFactory(runner=runner, plan=plan, workout=workout)
    return workout, run


def page_url(obj) -> str:
    return obj.get_absolute_url()


@pytest.mark.parametrize("parent", ["workout", "run"])
def test_runner_sees_the_coachs_comment_as_new_once(web, coach, coached, parent):
    obj = dict(zip(["workout", "run"], coached, strict=True))[parent]
    services.comment_create(author=coach, body="Relax the shoulders.", **{parent: obj})
    first = web.get(page_url(obj)).content.decode()
    assert "Relax the shoulders." in first
    assert ">New<" in first
    again = web.get(page_url(obj)).content.decode()
    assert "Relax the shoulders." in again and ">New<" not in again


@pytest.mark.parametrize("parent", ["workout", "run"])
def test_runner_answers_and_the_coach_is_emailed(
    web, coach, coached, parent, django_capture_on_commit_callbacks
):
    obj = dict(zip(["workout", "run"], coached, strict=True))[parent]
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(page_url(obj), {"body": "Will do!"})
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(obj)}#comments"
    comment = Comment.objects.get()
    assert (comment.body, getattr(comment, parent)) == ("Will do!", obj)
    assert [m.to for m in mail.outbox] == [[coach.email]]


def test_a_blank_answer_is_refused_next_to_the_field(web, coached):
    _, run = coached
    response = web.post(page_url(run), {"body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()


def test_another_runner_can_neither_read_nor_comment(other_web, coach, coached):
    workout, run = coached
    services.comment_create(author=coach, body="Private", run=run)
    for obj in (workout, run):
        assert other_web.get(page_url(obj)).status_code == 404
        assert other_web.post(page_url(obj), {"body": "Hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_the_workout_page_lists_its_runs(web, coached):
    workout, run = coached
    content = web.get(reverse("dashboard:workout-detail", args=[workout.pk])).content.decode()
    assert "Hill repeats" in content and run.get_absolute_url() in content


def test_the_run_page_costs_the_same_with_many_comments(
    web, coach, coached, django_assert_max_num_queries
):
    _, run = coached
    services.comment_create(author=coach, body="One", run=run)
    web.get(page_url(run))
    with django_assert_max_num_queries(30) as few:
        web.get(page_url(run))
    for n in range(20):
        services.comment_create(author=coach, body=f"More {n}", run=run)
    with django_assert_max_num_queries(len(few)):
        web.get(page_url(run))
