"""Load the benchmark data set into the database named by DATABASE_URL, fast (COPY).

Default: 1,000 runners and 1,000,000 runs in all, one of them (``bench``) with 5,000 runs and an
active 16-week plan. Re-running with the same sizes does nothing; other sizes reload.

Usage: python bench/load_data.py [--runners N] [--runs N] [--main-runner-runs N]
Prints one JSON line: the ids and the token the benchmark needs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from knox.models import AuthToken

from training import aggregates
from training.models import Plan, Run, Workout

User = get_user_model()
MARKER_PREFIX = "bench-dataset:"
MAIN_USERNAME = "bench"
WRITER_USERNAME = "bench-writer"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway local benchmark account


def dataset_marker(runners: int, runs: int, main_runs: int) -> str:
    return f"{MARKER_PREFIX}{runners}:{runs}:{main_runs}"


def current_marker() -> str | None:
    user = User.objects.filter(username=MAIN_USERNAME).only("last_name").first()
    return user.last_name if user else None


def wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE training_run, training_runtrack, training_workout, training_plan CASCADE"
        )
        cursor.execute(
            "DELETE FROM training_runnerprofile WHERE user_id IN "
            "(SELECT id FROM auth_user WHERE username LIKE 'bench%%')"
        )
        cursor.execute("DELETE FROM knox_authtoken")
        cursor.execute("DELETE FROM auth_user WHERE username LIKE 'bench%%'")


def copy_users(count: int, password_hash: str, now: datetime) -> list[int]:
    """Create ``count`` users (and their profiles) with COPY; returns their ids, main first."""
    usernames = [MAIN_USERNAME, WRITER_USERNAME] + [f"bench{i:05d}" for i in range(count - 1)]
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            "COPY auth_user (password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) FROM STDIN"
        ) as copy:
            for name in usernames:
                copy.write_row(
                    (password_hash, False, name, "", "", f"{name}@example.com", False, True, now)
                )
        cursor.execute(
            "SELECT id, username FROM auth_user WHERE username LIKE 'bench%%' ORDER BY id"
        )
        ids_by_name = dict((name, user_id) for user_id, name in cursor.fetchall())
        with cursor.connection.cursor().copy(
            "COPY training_runnerprofile (created_at, updated_at, user_id, units, sex, timezone, "
            "calendar_token, max_hr, resting_hr) FROM STDIN"
        ) as copy:
            for name in usernames:
                copy.write_row(
                    (
                        now,
                        now,
                        ids_by_name[name],
                        "km",
                        "m",
                        "Europe/London",
                        uuid.uuid4().hex + uuid.uuid4().hex,
                        190,
                        50,
                    )
                )
    return [ids_by_name[name] for name in usernames]


def copy_runs(rows) -> None:
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY training_run (id, created_at, updated_at, runner_id, plan_id, workout_id, "
            "started_at, timezone, local_date, distance_m, duration_s, elapsed_s, "
            "elevation_gain_m, avg_heart_rate, max_heart_rate, avg_cadence, perceived_effort, "
            "notes, source) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def run_rows(
    rng: random.Random,
    runner_id: int,
    count: int,
    now: datetime,
    span_days: int,
    plan_by_day: dict[date, tuple[str, str]] | None = None,
):
    for _ in range(count):
        started = now - timedelta(days=rng.random() * span_days, hours=1)
        distance_m = round(rng.uniform(3_000, 25_000), 1)
        pace = rng.uniform(240, 420)
        duration_s = int(distance_m / 1000 * pace)
        avg_hr = rng.randint(120, 170)
        link = plan_by_day.get(started.date()) if plan_by_day else None
        yield (
            uuid.uuid4(),
            now,
            now,
            runner_id,
            link[0] if link else None,
            link[1] if link else None,
            started,
            "Europe/London",
            started.date(),
            distance_m,
            duration_s,
            duration_s + rng.randint(0, 300),
            round(rng.uniform(0, 300), 1),
            avg_hr,
            avg_hr + rng.randint(5, 25),
            rng.randint(160, 185),
            rng.randint(2, 9),
            "",
            "manual",
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runners", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--main-runner-runs", type=int, default=5_000)
    args = parser.parse_args()
    marker = dataset_marker(args.runners, args.runs, args.main_runner_runs)
    now = datetime.now(UTC).replace(microsecond=0)

    if current_marker() != marker:
        rng = random.Random(42)
        with transaction.atomic():
            wipe()
            user_ids = copy_users(args.runners, make_password(PASSWORD), now)
            main_id = user_ids[0]
            main = User.objects.get(pk=main_id)
            today = now.date()
            start = today - timedelta(days=today.weekday() + 7 * 8)
            plan = Plan.objects.create(
                name="Bench half marathon",
                runner=main,
                start_date=start,
                end_date=start + timedelta(weeks=16, days=-1),
                status=Plan.Status.ACTIVE,
            )
            workouts = [
                Workout(
                    plan=plan,
                    name=f"Session {day}",
                    scheduled_date=start + timedelta(days=day),
                    workout_type=Workout.WorkoutType.REST
                    if day % 7 == 0
                    else Workout.WorkoutType.EASY,
                    planned_distance_m=None if day % 7 == 0 else 8_000.0,
                )
                for day in range(16 * 7)
            ]
            Workout.objects.bulk_create(workouts)
            plan_by_day = {
                w.scheduled_date: (str(plan.id), str(w.id))
                for w in workouts
                if w.workout_type != Workout.WorkoutType.REST
            }
            copy_runs(run_rows(rng, main_id, args.main_runner_runs, now, 3 * 365, plan_by_day))
            others = user_ids[2:]
            remaining = args.runs - args.main_runner_runs
            per_runner, extra = divmod(remaining, max(1, len(others)))
            copy_runs(
                row
                for index, runner_id in enumerate(others)
                for row in run_rows(
                    rng, runner_id, per_runner + (1 if index < extra else 0), now, 3 * 365
                )
            )
            # COPY bypasses the run services, which keep the summary's aggregates.
            aggregates.rebuild()
            User.objects.filter(pk=main_id).update(last_name=marker)

    main = User.objects.get(username=MAIN_USERNAME)
    writer = User.objects.get(username=WRITER_USERNAME)
    # The "create run" benchmark adds thousands of runs to the writer; drop them so every run
    # measures the same data set (no tombstones: this is not a user's delete).
    # The writer's aggregates go in the same transaction (their rows point at the runs).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM training_run WHERE runner_id = %s", [writer.pk])
        aggregates.rebuild([writer.pk])
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, so index-only scans really skip the table (fresh COPY
        # data is not all-visible until autovacuum gets to it); ANALYZE refreshes the statistics.
        cursor.execute("VACUUM (ANALYZE) training_run, training_runnerday, training_runnereffort")
        cursor.execute("ANALYZE")
    AuthToken.objects.filter(user__in=[main, writer]).delete()
    _, token = AuthToken.objects.create(main)
    _, writer_token = AuthToken.objects.create(writer)
    plan = Plan.objects.filter(runner=main).first()
    run = Run.objects.filter(runner=main).order_by("-started_at").first()
    print(
        json.dumps(
            {
                "runner_id": main.pk,
                "token": token,
                "writer_token": writer_token,
                "plan_id": str(plan.pk),
                "run_id": str(run.pk),
                "total_runs": Run.objects.count(),
                "main_runner_runs": Run.objects.filter(runner=main).count(),
            }
        )
    )


if __name__ == "__main__":
    main()
