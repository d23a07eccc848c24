"""The summary aggregates (training/aggregates.py: RunnerDay and RunnerEffort) stay equal to a
straightforward recomputation from the runs after every kind of run write, and the summary read
from them equals the summary worked out from the runs directly (docs/PERFORMANCE.md, 22)."""

from __future__ import annotations

import math
import random
import threading
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save

from analytics import science, selectors
from tests.factories import PlanFactory, RunFactory, UserFactory
from tests.training.api.test_import import LEGS
from tests.training.history.archives import strava_archive
from tests.training.importers.builders import gpx_bytes, route
from tests.training.test_best_efforts import steady_track
from training import aggregates, services
from training.history.services import import_job_create, import_job_run_slice, import_job_undo
from training.models import Run, RunnerDay, RunnerEffort, RunnerProfile, RunnerWeek
from training.selectors import effort_rows_sql

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 20, 0, tzinfo=UTC)
# Lengths that stand in for a standard distance (each inside [D, 1.05·D]) and some that do not.
DISTANCES_M = [
    400.0,
    410.5,
    1_000.0,
    1_049.9,
    1_650.2,
    5_000.0,
    5_123.4,
    10_000.0,
    10_499.0,
    21_097.5,
    22_000.0,
    42_195.0,
    3_333.3,
    7_777.7,
    12_345.6,
    0.5,
]


def set_profile(runner, **fields) -> None:
    services.profile_update(profile=RunnerProfile.objects.get(user=runner), **fields)


# --- The straightforward recomputation ----------------------------------------------------------
def signature_of(runner) -> aggregates.LoadSignature:
    profile = RunnerProfile.objects.filter(user=runner).first()
    return profile.load_signature() if profile else aggregates.NO_PROFILE_SIGNATURE


def expected_days(runner) -> dict[date, tuple]:
    """Per local day: runs, distance, seconds, elevation (each summed exactly), load."""
    max_hr, resting_hr, sex = signature_of(runner)
    by_day = defaultdict(list)
    for run in Run.objects.filter(runner=runner):
        by_day[run.local_date].append(run)
    return {
        day: (
            len(runs),
            math.fsum(r.distance_m for r in runs),
            sum(r.duration_s for r in runs),
            math.fsum(r.elevation_gain_m or 0.0 for r in runs),
            math.fsum(
                science.session_load(
                    duration_s=r.duration_s,
                    perceived_effort=r.perceived_effort,
                    avg_hr_bpm=r.avg_heart_rate,
                    max_hr_bpm=max_hr,
                    resting_hr_bpm=resting_hr,
                    sex=sex,
                )
                for r in runs
            ),
        )
        for day, runs in by_day.items()
    }


def stored_days(runner) -> dict[date, tuple]:
    return {
        d.local_date: (
            d.runs,
            math.fsum([d.distance_m, d.distance_m_residual]),
            d.duration_s,
            math.fsum([d.elevation_gain_m, d.elevation_gain_m_residual]),
            d.load,
        )
        for d in RunnerDay.objects.filter(runner=runner)
    }


def expected_weeks(runner) -> dict[date, tuple]:
    """Per ISO week: runs, distance, seconds, elevation (each summed exactly), first day."""
    by_week = defaultdict(list)
    for run in Run.objects.filter(runner=runner):
        by_week[run.local_date - timedelta(days=run.local_date.weekday())].append(run)
    return {
        monday: (
            len(runs),
            math.fsum(r.distance_m for r in runs),
            sum(r.duration_s for r in runs),
            math.fsum(r.elevation_gain_m or 0.0 for r in runs),
            min(r.local_date for r in runs),
        )
        for monday, runs in by_week.items()
    }


def stored_weeks(runner) -> dict[date, tuple]:
    return {
        w.week_start: (
            w.runs,
            math.fsum([w.distance_m, w.distance_m_residual]),
            w.duration_s,
            math.fsum([w.elevation_gain_m, w.elevation_gain_m_residual]),
            w.first_day,
        )
        for w in RunnerWeek.objects.filter(runner=runner)
    }


def expected_efforts(runner) -> set[tuple]:
    """The efforts as the SQL the summary used before the aggregates defines them."""
    with connection.cursor() as cursor:
        cursor.execute(effort_rows_sql(), {"runner_id": runner.pk})
        return {
            (uuid.UUID(str(run_id)), str(day), key, round(seconds, 9))
            for run_id, _started, day, key, seconds in cursor.fetchall()
        }


def stored_efforts(runner) -> set[tuple]:
    return {
        (e.run_id, str(e.local_date), e.distance, round(e.elapsed_s, 9))
        for e in RunnerEffort.objects.filter(runner=runner)
    }


def assert_aggregates_match(*runners) -> None:
    for runner in runners:
        assert stored_days(runner) == expected_days(runner)
        assert stored_weeks(runner) == expected_weeks(runner)
        profile_key = aggregates.load_profile_key(signature_of(runner))
        assert all(d.load_profile == profile_key for d in RunnerDay.objects.filter(runner=runner))
        assert stored_efforts(runner) == expected_efforts(runner)
        # Every effort row carries its run's current start.
        for effort in RunnerEffort.objects.filter(runner=runner).select_related("run"):
            assert effort.started_at == effort.run.started_at


def random_run_fields(rng: random.Random) -> dict:
    hr = rng.choice([None, rng.randint(110, 185)])
    return {
        "started_at": NOW - timedelta(days=rng.randint(0, 300), minutes=rng.randint(0, 1_440)),
        "timezone": rng.choice(["UTC", "Europe/London", "America/New_York", "Asia/Tokyo"]),
        "distance_m": rng.choice(DISTANCES_M) if rng.random() < 0.7 else rng.uniform(1, 30_000),
        "duration_s": rng.randint(60, 20_000),
        "elevation_gain_m": rng.choice([None, round(rng.uniform(0, 400), 1), rng.random()]),
        "perceived_effort": rng.choice([None, rng.randint(1, 10)]),
        "avg_heart_rate": hr,
    }


# --- The summary against the runs ----------------------------------------------------------------
def reference_summary(runner, *, date_from, date_to, today):
    """Totals, weekly series, streak, personal bests and training load worked out from the runs
    one by one, without the aggregates."""
    runs = list(Run.objects.filter(runner=runner))
    in_period = [
        r for r in runs if r.local_date <= date_to and (not date_from or r.local_date >= date_from)
    ]
    last_week = science.week_start(date_to)
    weekly = []
    for offset in range(11, -1, -1):
        week = last_week - timedelta(weeks=offset)
        week_runs = [r for r in runs if science.week_start(r.local_date) == week]
        weekly.append(
            (
                week,
                math.fsum(r.distance_m for r in week_runs),
                sum(r.duration_s for r in week_runs),
                len(week_runs),
            )
        )
    totals = (
        # The period starts with its first run when no start is given.
        date_from or min((r.local_date for r in in_period), default=None),
        len(in_period),
        math.fsum(r.distance_m for r in in_period),
        sum(r.duration_s for r in in_period),
        math.fsum(r.elevation_gain_m or 0.0 for r in in_period),
    )
    # Personal bests: the fastest effort per distance up to today, by time then start.
    with connection.cursor() as cursor:
        cursor.execute(effort_rows_sql(), {"runner_id": runner.pk})
        efforts = [row for row in cursor.fetchall() if date.fromisoformat(str(row[2])) <= today]
    best = {}
    for run_id, started_at, _day, key, seconds in efforts:
        started_at = selectors._aware(started_at)
        if key not in best or (seconds, started_at) < best[key][:2]:
            best[key] = (seconds, started_at, str(run_id))
    personal_bests = [
        (science.BEST_EFFORT_DISTANCES_M[key], round(best[key][0], 1))
        for key in science.BEST_EFFORT_DISTANCES_M
        if key in best and science.BEST_EFFORT_DISTANCES_M[key] in science.PERSONAL_BEST_DISTANCES_M
    ]
    load = selectors._training_load(
        Run.objects.filter(runner=runner), profile=selectors._profile_of(runner), today=today
    )
    return weekly, totals, sorted(personal_bests), load


def assert_summary_matches_runs(runner, *, date_from=None, date_to=TODAY):
    runner = type(runner).objects.select_related("profile").get(pk=runner.pk)
    summary = selectors.runner_summary(
        runner=runner, date_from=date_from, date_to=date_to, today=TODAY
    )
    weekly, totals, personal_bests, load = reference_summary(
        runner, date_from=date_from, date_to=date_to, today=TODAY
    )
    assert [(w.week_start, w.distance_m, w.duration_s, w.runs) for w in summary.weekly] == weekly
    t = summary.totals
    assert (
        summary.period.date_from,
        t.runs,
        t.distance_m,
        t.duration_s,
        t.elevation_gain_m,
    ) == totals
    assert sorted((pb.distance_m, pb.duration_s) for pb in summary.personal_bests) == personal_bests
    assert summary.training_load == load


# --- Tests -------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_runs_through_every_write_path_keep_the_aggregates_and_the_summary_right(seed):
    rng = random.Random(seed)
    runner, other = UserFactory(), UserFactory()
    set_profile(runner, max_hr=190, resting_hr=50, sex="f")
    runs = [
        services.run_create(runner=rng.choice([runner, other]), **random_run_fields(rng))
        for _ in range(60)
    ]
    assert_aggregates_match(runner, other)
    assert_summary_matches_runs(runner)
    # Periods that cut weeks at either end, lie within one week, or hold whole weeks only.
    for _ in range(8):
        start = TODAY - timedelta(days=rng.randint(0, 320))
        end = start + timedelta(days=rng.randint(0, 90))
        assert_summary_matches_runs(runner, date_from=start, date_to=end)
    assert_summary_matches_runs(runner, date_from=date(2026, 3, 2), date_to=date(2026, 3, 29))

    # run_update: moving a run to another day, another length, another runner's day untouched.
    for run in rng.sample(runs, 15):
        services.run_update(run=run, **random_run_fields(rng))
    assert_aggregates_match(runner, other)

    # A track with stored best efforts replaces the whole-run stand-in.
    tracked = services.run_create(
        runner=runner, started_at=NOW - timedelta(days=3), distance_m=10_000.0, duration_s=2_700
    )
    services.run_track_set(run=tracked, samples=steady_track(10_000, 0.27))
    assert_aggregates_match(runner)

    # run_delete, the model's delete, a queryset delete.
    for run in rng.sample([r for r in runs if r.pk != tracked.pk], 10):
        if Run.objects.filter(pk=run.pk).exists():
            services.run_delete(run=Run.objects.get(pk=run.pk))
    Run.objects.filter(runner=other, distance_m__lt=2_000).delete()
    assert_aggregates_match(runner, other)

    # Bulk paths: update, bulk_update, bulk_create, save with update_fields.
    Run.objects.filter(runner=runner, perceived_effort__isnull=True).update(
        duration_s=1_234, distance_m=5_001.0
    )
    some = list(Run.objects.filter(runner=runner)[:5])
    for run in some:
        run.local_date = run.local_date - timedelta(days=1)
        run.elevation_gain_m = 12.5
    Run.objects.bulk_update(some, ["local_date", "elevation_gain_m"])
    Run.objects.bulk_create(
        [
            Run(
                runner=runner,
                local_date=TODAY - timedelta(days=n),
                **{**random_run_fields(rng), "started_at": NOW - timedelta(days=n)},
            )
            for n in range(5)
        ]
    )
    moved = Run.objects.filter(runner=runner).first()
    moved.started_at -= timedelta(days=2)
    moved.save(update_fields=["started_at"])
    moved.notes = "only a note"
    moved.save(update_fields=["notes"])
    assert_aggregates_match(runner, other)
    assert_summary_matches_runs(runner)

    # The profile's heart rates change every day's load: the save rebuilds them.
    services.profile_update(profile=RunnerProfile.objects.get(user=runner), max_hr=200, sex="m")
    assert_aggregates_match(runner)
    assert_summary_matches_runs(runner)


def test_a_profile_changed_behind_the_services_back_is_read_from_the_runs(
    django_assert_num_queries,
):
    runner = UserFactory()
    set_profile(runner, max_hr=190, resting_hr=50)
    for n in range(5):
        RunFactory(
            runner=runner,
            started_at=NOW - timedelta(days=n),
            avg_heart_rate=150,
            perceived_effort=None,
        )
    RunnerProfile.objects.filter(user=runner).update(resting_hr=60)  # no save(): loads stale
    assert_summary_matches_runs(runner)
    runner = type(runner).objects.select_related("profile").get(pk=runner.pk)
    # The one query more: the window's runs, as before the aggregates (after the weeks, the
    # days, longest and fastest, one statement on PostgreSQL, and the best efforts).
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 6):
        selectors.runner_summary(runner=runner, date_from=None, date_to=TODAY, today=TODAY)


def test_a_new_run_joins_its_day_and_moving_it_leaves_the_old_day_empty():
    runner = UserFactory()
    run = RunFactory(
        runner=runner,
        started_at=datetime(2026, 6, 1, 12, tzinfo=UTC),
        timezone="UTC",
        distance_m=5_100.0,
        duration_s=1_530,
    )
    day = RunnerDay.objects.get(runner=runner)
    # Worked out by hand: one run of 5,100 m in 1,530 s, standing in for 5k at 1,500 s.
    assert (day.local_date, day.runs, day.distance_m, day.duration_s) == (
        date(2026, 6, 1),
        1,
        5_100.0,
        1_530,
    )
    assert [(e.distance, e.elapsed_s) for e in RunnerEffort.objects.filter(run=run)] == [
        ("5k", 1_500.0)
    ]
    services.run_update(run=run, started_at=datetime(2026, 6, 3, 12, tzinfo=UTC))
    assert list(RunnerDay.objects.filter(runner=runner).values_list("local_date", flat=True)) == [
        date(2026, 6, 3)
    ]
    run.delete()
    assert not RunnerDay.objects.filter(runner=runner).exists()
    assert not RunnerEffort.objects.exists()


def test_days_add_up_exactly_where_a_running_sum_would_not():
    runner = UserFactory()
    # 0.1 + 0.2 + 0.3 summed one by one is 0.6000000000000001; the exact sum rounds to 0.6.
    for metres in (0.1, 0.2, 0.3):
        RunFactory(
            runner=runner,
            started_at=datetime(2026, 6, 1, 12, tzinfo=UTC),
            timezone="UTC",
            distance_m=10_000.0,
            elevation_gain_m=metres,
        )
    day = RunnerDay.objects.get(runner=runner)
    assert day.elevation_gain_m == 0.6
    assert day.elevation_gain_m_residual == math.fsum([0.1, 0.2, 0.3, -0.6])


def test_a_failed_write_leaves_runs_and_aggregates_unchanged(monkeypatch):
    runner = UserFactory()
    run = RunFactory(runner=runner, started_at=NOW - timedelta(days=1))
    before = stored_days(runner)

    def broken(*args, **kwargs):
        raise RuntimeError("refresh failed")

    # A new run is added to its day (add_run); a deleted one's day is recomputed.
    monkeypatch.setattr(aggregates, "add_run", broken)
    monkeypatch.setattr(aggregates, "refresh_days", broken)
    # Each write in its own transaction, as a request or a service runs it.
    with pytest.raises(RuntimeError), transaction.atomic():
        RunFactory(runner=runner, started_at=NOW - timedelta(days=2))
    with pytest.raises(RuntimeError), transaction.atomic():
        run.delete()
    monkeypatch.undo()
    assert Run.objects.filter(runner=runner).count() == 1
    assert stored_days(runner) == before
    assert_aggregates_match(runner)


@pytest.mark.usefixtures("import_archive_dir")
def test_file_import_history_import_and_its_undo_keep_the_aggregates(runner, tmp_path):
    services.run_import_file(
        runner=runner,
        uploaded_file=SimpleUploadedFile(
            "a.gpx", gpx_bytes(route(LEGS, start=NOW - timedelta(days=2)))
        ),
    )
    assert_aggregates_match(runner)
    archive = strava_archive(tmp_path / "s.zip")
    job = import_job_create(
        runner=runner,
        uploaded_file=SimpleUploadedFile(
            "s.zip", archive.read_bytes(), content_type="application/zip"
        ),
    )
    while not import_job_run_slice(job_id=str(job.pk), owner="w"):
        pass
    assert Run.objects.filter(import_job=job).exists()
    assert_aggregates_match(runner)
    job.refresh_from_db()
    import_job_undo(job=job)
    assert not Run.objects.filter(import_job=job).exists()
    assert_aggregates_match(runner)


def test_plan_and_user_deletion_leave_nothing_behind():
    runner = UserFactory()
    plan = PlanFactory(runner=runner)
    RunFactory(runner=runner, plan=plan, started_at=NOW - timedelta(days=1))
    services.plan_delete(plan=plan)
    assert_aggregates_match(runner)
    runner.delete()
    assert not RunnerDay.objects.exists()
    assert not RunnerEffort.objects.exists()


def test_rebuild_recomputes_what_bypassed_the_orm():
    rng = random.Random(7)
    runner = UserFactory()
    set_profile(runner, max_hr=185, resting_hr=45, sex="m")
    for _ in range(30):
        services.run_create(runner=runner, **random_run_fields(rng))
    expected = (stored_days(runner), stored_efforts(runner))
    RunnerDay.objects.all().delete()
    RunnerEffort.objects.all().delete()
    aggregates.rebuild()
    assert (stored_days(runner), stored_efforts(runner)) == expected
    assert_aggregates_match(runner)


@pytest.mark.django_db(transaction=True)
def test_runs_written_at_once_on_one_day_all_reach_the_aggregates():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    runner = UserFactory(username="racer")
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            services.run_create(
                runner=runner,
                started_at=NOW - timedelta(minutes=n),
                timezone="UTC",
                distance_m=5_000.0 + n,
                duration_s=1_500,
            )
        except BaseException as exc:  # reported below, not swallowed
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert RunnerDay.objects.get(runner=runner).runs == 8
    assert RunnerWeek.objects.get(runner=runner).runs == 8
    assert_aggregates_match(runner)


# --- A new run added to its day and week (aggregates.add_run) ----------------------------------
# Every stored column but the key, so that a column add_run forgot would show.
DAY_COLUMNS = [f.name for f in RunnerDay._meta.concrete_fields if f.name not in {"id", "runner"}]
WEEK_COLUMNS = [f.name for f in RunnerWeek._meta.concrete_fields if f.name not in {"id", "runner"}]


def rows_as_stored(runner) -> tuple[list, list]:
    return (
        list(
            RunnerDay.objects.filter(runner=runner).order_by("local_date").values_list(*DAY_COLUMNS)
        ),
        list(
            RunnerWeek.objects.filter(runner=runner)
            .order_by("week_start")
            .values_list(*WEEK_COLUMNS)
        ),
    )


def rows_recomputed(runner) -> tuple[list, list]:
    """The rows as refresh_days writes them from the runs, every day re-read."""
    with transaction.atomic():
        days = set(Run.objects.filter(runner=runner).values_list("runner_id", "local_date"))
        aggregates.refresh_days(days)
        rows = rows_as_stored(runner)
        transaction.set_rollback(True)
    return rows


@pytest.mark.parametrize("seed", [4, 5])
def test_runs_added_one_by_one_give_the_rows_a_recomputation_gives_bit_for_bit(seed):
    # Many runs on few days, so that each addition lands on a day and week with runs already:
    # every column, the remainders included, must equal what re-reading the runs gives.
    rng = random.Random(seed)
    runner = UserFactory()
    set_profile(runner, max_hr=188, resting_hr=48, sex="m")
    for _ in range(80):
        fields = random_run_fields(rng)
        fields["started_at"] = NOW - timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 5))
        services.run_create(runner=runner, **fields)
    stored = rows_as_stored(runner)
    runs_at, load_residual_at = DAY_COLUMNS.index("runs"), DAY_COLUMNS.index("load_residual")
    assert sum(row[runs_at] for row in stored[0]) == 80
    assert all(row[load_residual_at] is not None for row in stored[0])  # every day has one
    assert stored == rows_recomputed(runner)
    assert_aggregates_match(runner)


def test_adding_a_run_reads_no_other_run(django_assert_num_queries):
    runner = UserFactory()
    when = datetime(2026, 6, 3, 7, tzinfo=UTC)
    RunFactory.create_batch(3, runner=runner, started_at=when, timezone="UTC")
    run = Run(runner=runner, started_at=when, timezone="UTC", distance_m=5_000.0, duration_s=1_500)
    run.local_date = run.compute_local_date()
    # The lock, the day and week with the profile, the upserts of both and of the runner's list
    # version (one statement on PostgreSQL); no query of training_run.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5) as captured:
        aggregates.add_run(run)
    assert not [q for q in captured.captured_queries if 'training_run"' in q["sql"]]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the INSERT rides with the upserts on PostgreSQL"
)


def unsaved_run(**fields) -> Run:
    """A 5 km run of NOW in UTC, not yet saved; ``fields`` override or add to it."""
    return Run(
        **{"started_at": NOW, "timezone": "UTC", "distance_m": 5_000.0, "duration_s": 1_500}
        | fields
    )


@postgresql_only
def test_a_new_runs_insert_is_sent_in_the_statement_of_its_day_and_week(
    django_assert_num_queries,
):
    runner = UserFactory()
    when = datetime(2026, 6, 3, 7, tzinfo=UTC)
    RunFactory(runner=runner, started_at=when, timezone="UTC")
    run = unsaved_run(runner=runner, started_at=when)
    # The lock, the day and week, then one statement: the run's INSERT and the three upserts;
    # the 5 km run's RunnerEffort after it.
    with django_assert_num_queries(4) as captured:
        run.save()
    inserts = [q["sql"] for q in captured.captured_queries if 'INTO "training_run"' in q["sql"]]
    assert len(inserts) == 1
    assert '"training_runnerday"' in inserts[0] and '"training_runnerweek"' in inserts[0]
    stored = Run.objects.get(pk=run.pk)
    assert (stored.distance_m, stored.duration_s) == (5_000.0, 1_500)
    assert stored.local_date == when.date()
    assert stored.created_at == run.created_at and stored.created_at is not None  # auto_now_add
    assert not run._state.adding
    assert RunnerDay.objects.get(runner=runner).runs == 2
    assert_aggregates_match(runner)


@postgresql_only
def test_a_run_whose_runner_is_gone_is_still_inserted_and_refused_by_its_foreign_key():
    # add_run finds no runner and adds nothing, but the run's INSERT must still be sent: the
    # foreign key, checked at commit, is what refuses it.
    missing = UserFactory()
    missing_id = missing.pk
    missing.delete()
    # 8 km stands in for no standard distance: no RunnerEffort row, whose own keys would fail.
    run = unsaved_run(runner_id=missing_id, distance_m=8_000.0, duration_s=2_400)
    with pytest.raises(IntegrityError, match="training_run"), transaction.atomic():
        run.save()
        connection.check_constraints()


@postgresql_only
def test_a_save_that_fails_after_the_insert_was_built_leaves_no_insert_on_the_run():
    # Django sends post_save after _do_insert; a receiver that raises fails the save, and the
    # INSERT built for add_run must go with it, not wait on the instance.
    def refuse(**kwargs):
        raise RuntimeError("receiver failed")

    post_save.connect(refuse, sender=Run, dispatch_uid="test-refuse-run")
    try:
        run = unsaved_run(runner=UserFactory())
        with pytest.raises(RuntimeError), transaction.atomic():
            run.save()
    finally:
        post_save.disconnect(sender=Run, dispatch_uid="test-refuse-run")
    assert "_pending_insert" not in vars(run)
    assert not Run.objects.filter(pk=run.pk).exists()


def test_a_value_given_as_an_expression_is_inserted_by_djangos_compiler():
    runner = UserFactory()
    run = unsaved_run(runner=runner, notes=Upper(Value("easy")))
    run.save()
    assert Run.objects.get(pk=run.pk).notes == "EASY"
    assert_aggregates_match(runner)


def test_a_day_without_its_load_remainder_or_with_a_stale_profile_is_recomputed():
    runner = UserFactory()
    set_profile(runner, max_hr=190, resting_hr=50)
    when = datetime(2026, 6, 3, 7, tzinfo=UTC)
    for _ in range(2):
        RunFactory(runner=runner, started_at=when, timezone="UTC", avg_heart_rate=150)
    # A row written before the remainder column existed.
    RunnerDay.objects.filter(runner=runner).update(load_residual=None)
    RunFactory(runner=runner, started_at=when, timezone="UTC", avg_heart_rate=160)
    assert RunnerDay.objects.get(runner=runner).load_residual is not None
    assert_aggregates_match(runner)
    # A profile changed behind the services' back: adding to the old load would mix profiles.
    RunnerProfile.objects.filter(user=runner).update(resting_hr=60)
    RunFactory(runner=runner, started_at=when, timezone="UTC", avg_heart_rate=170)
    assert RunnerDay.objects.get(runner=runner).load_profile == "190/60/unspecified"
    assert_aggregates_match(runner)
    assert rows_as_stored(runner) == rows_recomputed(runner)
