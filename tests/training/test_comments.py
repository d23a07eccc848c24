"""Comments on workouts and runs (issue 17, item 6): the services and selectors — who gets the
email, what counts as new since the last visit, and the sync tombstones of deleted comments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from training import selectors, services
from training.models import Comment, Deletion, Run, Workout

pytestmark = pytest.mark.django_db


@pytest.fixture
def coached(runner, coach):
    """The runner's plan coached by ``coach``, a workout of it and a run done for it."""
    plan = PlanFactory(runner=runner, coach=coach)
    workout = WorkoutFactory(plan=plan, name="Tempo", scheduled_date=plan.start_date)
    run = RunFactory(runner=runner, plan=plan, workout=workout)
    return plan, workout, run


def test_coach_comment_on_a_run_emails_the_runner(
    coach, runner, coached, django_capture_on_commit_callbacks
):
    _, _, run = coached
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(author=coach, body="  Strong finish!  ", run=run)
    assert comment.body == "Strong finish!"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [runner.email]
    assert "Strong finish!" in message.body
    assert f"/runs/{run.pk}/" in message.body  # the runner reads it on the dashboard


def test_runner_answer_on_a_workout_emails_the_plans_coach(
    coach, runner, coached, django_capture_on_commit_callbacks
):
    _, workout, _ = coached
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(author=runner, body="Legs felt heavy.", workout=workout)
    assert [m.to for m in mail.outbox] == [[coach.email]]
    assert f"/admin/training/workout/{workout.pk}/comments/" in mail.outbox[0].body


def test_runner_comment_on_an_unplanned_run_emails_each_of_their_coaches(
    runner, coach, other_coach, django_capture_on_commit_callbacks
):
    PlanFactory(runner=runner, coach=coach)
    PlanFactory(runner=runner, coach=other_coach)
    run = RunFactory(runner=runner)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(author=runner, body="Extra easy miles.", run=run)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coach.email, other_coach.email])


def test_no_email_without_a_committed_comment(coach, coached, django_capture_on_commit_callbacks):
    _, _, run = coached
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.comment_create(author=coach, body="   ", run=run)
    assert mail.outbox == []
    assert not Comment.objects.exists()


def test_a_comment_needs_exactly_one_parent(coach, coached):
    _, workout, run = coached
    with pytest.raises(ValidationError):
        services.comment_create(author=coach, body="Both?", workout=workout, run=run)
    with pytest.raises(ValidationError):
        services.comment_create(author=coach, body="Neither?")
    assert not Comment.objects.exists()


def test_a_comment_longer_than_5000_characters_is_refused(coach, coached):
    _, _, run = coached
    services.comment_create(author=coach, body="x" * 5000, run=run)
    with pytest.raises(ValidationError) as excinfo:
        services.comment_create(author=coach, body="x" * 5001, run=run)
    assert "body" in excinfo.value.message_dict


def test_new_counts_the_other_sides_comments_since_the_last_visit(runner, coach, coached):
    _, _, run = coached

    def unread(user):
        runs = Run.objects.filter(pk=run.pk)
        return (
            selectors.annotate_unread_comments(runs, user=user, parent="run").get().unread_comments
        )

    services.comment_create(author=coach, body="One", run=run)
    services.comment_create(author=coach, body="Two", run=run)
    # Never visited: both are new to the runner; the coach wrote them, so nothing is new to them.
    assert (unread(runner), unread(coach)) == (2, 0)
    services.comment_mark_seen(user=runner, run=run)
    assert unread(runner) == 0
    later = services.comment_create(author=coach, body="Three", run=run)
    Comment.objects.filter(pk=later.pk).update(created_at=timezone.now() + timedelta(seconds=1))
    assert unread(runner) == 1
    # Answering counts as reading the thread up to the answer.
    answer = services.comment_create(author=runner, body="Thanks", run=run)
    Comment.objects.filter(pk=answer.pk).update(created_at=timezone.now() + timedelta(seconds=2))
    services.comment_mark_seen(user=runner, run=run, seen_at=timezone.now() + timedelta(seconds=2))
    assert (unread(runner), unread(coach)) == (0, 1)


def test_unread_counts_cost_one_query_for_any_number_of_rows(
    runner, coach, django_assert_num_queries
):
    plan = PlanFactory(runner=runner, coach=coach)
    for day in range(10):
        workout = WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=day))
        services.comment_create(author=coach, body="Go", workout=workout)
    with django_assert_num_queries(1):
        counts = [
            w.unread_comments
            for w in selectors.annotate_unread_comments(
                Workout.objects.filter(plan=plan), user=runner, parent="workout"
            )
        ]
    assert counts == [1] * 10


def tombstones():
    return set(
        Deletion.objects.filter(object_type="comment").values_list(
            "object_id", "runner_user_id", "coach_user_id"
        )
    )


def test_deleting_a_run_leaves_tombstones_of_its_comments(runner, coach, coached):
    _, _, run = coached
    comment = services.comment_create(author=coach, body="Nice", run=run)
    services.run_delete(run=run)
    assert tombstones() == {(comment.pk, runner.pk, coach.pk)}


def test_deleting_a_workout_or_its_plan_leaves_tombstones_of_its_comments(runner, coach, coached):
    plan, workout, _ = coached
    first = services.comment_create(author=coach, body="On the workout", workout=workout)
    services.workout_delete(workout=workout)
    other = WorkoutFactory(plan=plan, scheduled_date=plan.start_date)
    second = services.comment_create(author=runner, body="Another", workout=other)
    services.plan_delete(plan=plan)
    assert tombstones() == {(first.pk, runner.pk, coach.pk), (second.pk, runner.pk, coach.pk)}


def test_cascades_outside_the_services_leave_tombstones_too(runner, coach, coached):
    _, _, run = coached
    comment = services.comment_create(author=coach, body="Hi", run=run)
    Run.objects.filter(pk=run.pk).delete()  # as the admin's bulk delete does
    assert tombstones() == {(comment.pk, runner.pk, coach.pk)}
    assert Deletion.objects.filter(object_type="comment").count() == 1


def test_a_coach_of_the_runner_sees_run_comment_tombstones_an_outsider_does_not(
    runner, coach, other_coach, coached
):
    _, _, run = coached
    services.comment_create(author=runner, body="Hi", run=run)
    services.run_delete(run=run)
    assert selectors.deletions_visible_to(coach).filter(object_type="comment").count() == 1
    assert not selectors.deletions_visible_to(other_coach).filter(object_type="comment").exists()
