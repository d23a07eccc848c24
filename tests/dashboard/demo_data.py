"""A believable few months of training for the browser tests and their screenshots: a 12-week
plan that started six weeks ago, runs fulfilling most past workouts, a couple missed."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from training.models import RunTrack, Workout

T = Workout.WorkoutType
# (weekday, name, type, km, s/km target) — Monday = 0
WEEK_PATTERN = [
    (0, "Rest", T.REST, None, None),
    (1, "Tempo 3 x 2 km", T.TEMPO, 9, (255, 265)),
    (2, "Easy run", T.EASY, 8, (320, 345)),
    (3, "Intervals 6 x 800 m", T.SPEED, 8, (235, 245)),
    (4, "Rest", T.REST, None, None),
    (5, "Easy run", T.EASY, 6, (320, 345)),
    (6, "Long run", T.LONG, 16, (330, 350)),
]


DEMO_PASSWORD = "demo-password"


def build_demo_runner(username: str = "demo", password: str = DEMO_PASSWORD):
    """A runner with a plan, its workouts and runs; returns (user, plan)."""
    user = UserFactory(username=username)
    user.set_password(password)
    user.save()
    profile = user.profile
    profile.max_hr, profile.resting_hr, profile.sex = 190, 50, "f"
    profile.save()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=6)
    plan = PlanFactory(
        runner=user,
        name="Spring half marathon",
        goal="Half marathon under 1:45",
        start_date=start,
        end_date=start + timedelta(weeks=12, days=-1),
    )
    tz = timezone.get_current_timezone()
    for week in range(12):
        growth = 1 + 0.05 * min(week, 8)
        for weekday, name, kind, km, pace in WEEK_PATTERN:
            day = start + timedelta(weeks=week, days=weekday)
            distance_m = round(km * growth * 1000, -2) if km else None
            workout = WorkoutFactory(
                plan=plan,
                name=name if kind != T.LONG else f"Long run {distance_m / 1000:.0f} km",
                workout_type=kind,
                scheduled_date=day,
                planned_distance_m=distance_m,
                planned_duration_s=round(distance_m / 1000 * pace[1]) if km else None,
                target_pace_min_s_per_km=pace[0] if pace else None,
                target_pace_max_s_per_km=pace[1] if pace else None,
            )
            if kind == T.REST or day >= today or (week, weekday) in {(2, 3), (4, 5)}:
                continue  # rest, not yet due, or missed
            # Mostly on target; a few short (yellow/red) efforts for colour.
            ratio = {(3, 1): 0.7, (5, 2): 0.45, (1, 6): 1.3}.get((week, weekday), 1.0)
            RunFactory(
                runner=user,
                plan=plan,
                workout=workout,
                started_at=timezone.make_aware(datetime.combine(day, time(7, 15)), tz),
                distance_m=distance_m * ratio + 37,
                duration_s=round(distance_m * ratio / 1000 * (pace[0] + 4)),
                avg_heart_rate=148 if kind in (T.EASY, T.LONG) else 165,
                max_heart_rate=176,
                perceived_effort=4 if kind in (T.EASY, T.LONG) else 7,
            )
    # Some unplanned running before the plan began, so the 12-week chart has history.
    for days_back in range(45, 85, 3):
        day = today - timedelta(days=days_back)
        RunFactory(
            runner=user,
            started_at=timezone.make_aware(datetime.combine(day, time(18, 0)), tz),
            distance_m=7000 + (days_back % 4) * 900,
            duration_s=round((7000 + (days_back % 4) * 900) / 1000 * 335),
        )
    return user, plan


def add_demo_track(run) -> None:
    """A rolling 10 km-ish track for ``run``: pace drifting around 5:10 /km, two hills."""
    samples: dict[str, list] = {k: [] for k in ("t_s", "lat", "lon", "ele_m", "hr_bpm", "dist_m")}
    t_s, dist_m = 0.0, 0.0
    while dist_m < run.distance_m:
        ele = 40 + 18 * math.sin(dist_m / 1600) + 6 * math.sin(dist_m / 370)
        pace = 310 + 25 * math.cos(dist_m / 1600) + 6 * math.sin(dist_m / 90)
        samples["t_s"].append(round(t_s, 1))
        samples["dist_m"].append(round(dist_m, 1))
        samples["ele_m"].append(round(ele, 1))
        samples["hr_bpm"].append(round(140 + dist_m / 400))
        samples["lat"].append(51.5 + dist_m / 1e6)
        samples["lon"].append(-0.1)
        dist_m += 10
        t_s += pace / 100
    RunTrack.objects.create(run=run, samples=samples)
    run.duration_s = round(t_s)
    run.elevation_gain_m = 96
    run.source = "gpx"
    run.save()
