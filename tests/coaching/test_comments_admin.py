"""The coach's side of comments (issue 17, item 6): a comments page per workout and run in the
admin, linked from the change page, new comments counted in the lists, and nothing of another
coach's athletes."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from training import services
from training.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach_admin(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def coached(runner, coach):
    plan = PlanFactory(runner=runner, coach=coach)
    workout = WorkoutFactory(plan=plan, name="Tempo", scheduled_date=plan.start_date)
    run = RunFactory(runner=runner, plan=plan, workout=workout)
    return workout, run


def comments_url(obj) -> str:
    return reverse(f"admin:training_{obj._meta.model_name}_comments", args=[obj.pk])


@pytest.mark.parametrize("index", [0, 1])
def test_coach_comments_from_the_admin_and_the_runner_is_emailed(
    coach_admin, runner, coached, index, django_capture_on_commit_callbacks
):
    obj = coached[index]
    assert coach_admin.get(comments_url(obj)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = coach_admin.post(comments_url(obj), {"body": "Keep it steady."})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.body, comment.author.username) == ("Keep it steady.", "coach_a")
    assert [m.to for m in mail.outbox] == [[runner.email]]


def test_the_runners_answer_is_new_to_the_coach_in_the_list_and_the_page(
    coach_admin, runner, coached
):
    _, run = coached
    services.comment_create(author=runner, body="Sore calf.", run=run)
    listing = coach_admin.get(reverse("admin:training_run_changelist")).content.decode()
    assert "1 new" in listing
    change = coach_admin.get(reverse("admin:training_run_change", args=[run.pk])).content.decode()
    assert comments_url(run) in change and "(1 new)" in change
    page = coach_admin.get(comments_url(run)).content.decode()
    assert "Sore calf." in page and ">New<" in page
    assert "1 new" not in coach_admin.get(reverse("admin:training_run_changelist")).content.decode()


def test_a_blank_comment_is_refused_on_the_field(coach_admin, coached):
    response = coach_admin.post(comments_url(coached[1]), {"body": "  "})
    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert not Comment.objects.exists()


def test_another_coach_cannot_open_or_post_to_the_comments(client, other_coach, coached):
    client.force_login(other_coach)
    for obj in coached:
        assert client.get(comments_url(obj)).status_code == 404
        assert client.post(comments_url(obj), {"body": "Hi"}).status_code == 404
    assert not Comment.objects.exists()


def test_run_list_costs_the_same_with_new_comments_on_many_runs(
    coach_admin, runner, coach, django_assert_max_num_queries
):
    plan = PlanFactory(runner=runner, coach=coach)
    runs = [RunFactory(runner=runner, plan=plan) for _ in range(3)]
    coach_admin.get(reverse("admin:training_run_changelist"))
    with django_assert_max_num_queries(40) as few:
        coach_admin.get(reverse("admin:training_run_changelist"))
    for run in runs + [RunFactory(runner=runner, plan=plan) for _ in range(10)]:
        services.comment_create(author=runner, body="Hi", run=run)
    with django_assert_max_num_queries(len(few)):
        coach_admin.get(reverse("admin:training_run_changelist"))
