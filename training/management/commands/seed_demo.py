"""Demo data (docs/ARCHITECTURE.md, Demo data): runner ``demo``, coach ``coach``, one active 16-week
half-marathon plan and about 60 runs, anchored on today; the runs of the last two weeks come
from a watch (GPS tracks with heart rate and elevation, imported like an uploaded file), and the
runner has two pairs of shoes, one near retirement.

Re-running never duplicates: the demo runner's demo plan and runs are deleted and rebuilt from
a fixed random seed, with the plan starting on the Monday eight weeks before this week's Monday,
so the current week (plan week 9) always has workouts and runs.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from training import services
from training.models import Plan, Run, RunnerProfile, Shoe, Workout
from training.selectors import COACH_GROUP, shoes_with_distance

RUNNER_USERNAME = "demo"
RUNNER_PASSWORD = "demo-password"  # noqa: S105  (published demo login, README.md)
COACH_USERNAME = "coach"
COACH_PASSWORD = "coach-password"  # noqa: S105
PLAN_NAME = "Spring half marathon — 16 weeks"
PLAN_WEEKS = 16
WEEKS_BEFORE_THIS_WEEK = 8  # the current week is plan week 9
BASE_WEEKS_BEFORE_PLAN = 5  # unplanned base-building runs before the plan started
RUNNER_TIMEZONE = "Europe/London"
SEED = 20260127

Type = Workout.WorkoutType

# Target paces in s/km for a runner aiming at about 1:50 for the half marathon.
EASY_PACE = (365, 395)
RECOVERY_PACE = (385, 420)
LONG_PACE = (370, 400)
TEMPO_PACE = (298, 310)
INTERVAL_PACE = (270, 282)
JOG_PACE = (420, 460)
RACE_PACE = (308, 316)

# Per plan week: long-run km, Saturday easy km, Monday recovery km, tempo km at tempo pace and
# the Tuesday session (repeats, metres). Three build weeks then a cut-back, a two-week taper,
# and the race on the last Sunday.
LONG_KM = [10, 11, 12, 10, 13, 14, 15, 12, 16, 17, 18, 14, 19, 16, 12, 0]
EASY_KM = [6, 6, 7, 6, 7, 8, 8, 7, 8, 9, 9, 8, 10, 8, 7, 4]
RECOVERY_KM = [5, 5, 5, 4, 5, 6, 6, 5, 6, 6, 6, 5, 6, 6, 5, 5]
TEMPO_KM = [3, 3, 4, 3, 4, 5, 5, 4, 6, 6, 7, 5, 8, 6, 4, 3]
INTERVALS = [
    (6, 400),
    (8, 400),
    (10, 400),
    (6, 400),
    (5, 800),
    (6, 800),
    (7, 800),
    (5, 800),
    (5, 1000),
    (6, 1000),
    (4, 1600),
    (5, 1000),
    (5, 1600),
    (6, 1000),
    (5, 800),
    (4, 400),
]
HALF_MARATHON_M = 21_097.5

# Share of due workouts the demo runner skipped, so adherence is realistic rather than 100%.
MISS_RATE = 0.12

# The runs of the last TRACKED_DAYS days before today come from a watch: a GPX file per run,
# imported through ``run_import_file`` like an upload, so whatever an import computes is there.
TRACKED_DAYS = 14
SAMPLE_S = 5  # a watch's "smart" recording interval
# Regent's Park, London: the loops are drawn around it (the runner's time zone is London's).
TRACK_ORIGIN = (51.5273, -0.1546)
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
# The two pairs: daily trainers for easy, recovery and long runs (the default), and racing flats
# for the quality sessions, worn to 94 % of their retirement distance so the first visit shows
# the warning (docs/API.md, Shoes: near from 90 %).
TRAINERS = "Daily trainers"
FLATS = "Racing flats"
TRAINERS_START_M = 180_000.0
FLATS_RETIREMENT_M = 500_000.0
FLATS_WORN_FRACTION = 0.94
QUALITY = (Type.SPEED, Type.TEMPO, Type.RACE)


def mid(pace: tuple[int, int]) -> float:
    return (pace[0] + pace[1]) / 2


@dataclass(frozen=True)
class DemoSummary:
    plan: Plan
    workouts: int
    runs: int
    linked_runs: int
    tracked_runs: int
    shoes: int


class Command(BaseCommand):
    help = "Create (or re-anchor on today) the demo runner, coach, plan, workouts and runs."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        summary = seed_demo(now)
        squad = seed_squad(coach=summary.plan.coach, now=now)
        self.stdout.write(
            f"Demo data ready: plan “{summary.plan.name}” {summary.plan.start_date} to "
            f"{summary.plan.end_date} with {summary.workouts} workouts; {summary.runs} runs "
            f"({summary.linked_runs} linked to workouts, {summary.tracked_runs} with a GPS "
            f"track); {summary.shoes} pairs of shoes; the coach's squad: "
            f"{summary.plan.runner.username}, {', '.join(squad)}."
        )
        self.stdout.write(
            f"Logins: runner {RUNNER_USERNAME} / {RUNNER_PASSWORD}, "
            f"coach {COACH_USERNAME} / {COACH_PASSWORD} (admin at /admin/)."
        )


@transaction.atomic
def seed_demo(now: datetime | None = None) -> DemoSummary:
    """Rebuild the demo data around ``now`` (default: the current time). Returns what exists."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(RUNNER_TIMEZONE)
    today = timezone.localtime(now, tz).date()
    this_monday = today - timedelta(days=today.weekday())
    plan_start = this_monday - timedelta(weeks=WEEKS_BEFORE_THIS_WEEK)

    runner = _user(RUNNER_USERNAME, RUNNER_PASSWORD, first_name="Demo", last_name="Runner")
    coach = _user(COACH_USERNAME, COACH_PASSWORD, first_name="Casey", last_name="Coach")
    if not coach.is_staff:
        coach.is_staff = True
        coach.save(update_fields=["is_staff"])
    coach.groups.add(Group.objects.get_or_create(name=COACH_GROUP)[0])
    RunnerProfile.objects.update_or_create(
        user=runner,
        defaults={
            "units": RunnerProfile.Units.KILOMETRES,
            "timezone": RUNNER_TIMEZONE,
            "max_hr": 189,
            "resting_hr": 52,
            "sex": RunnerProfile.Sex.FEMALE,
        },
    )

    # Delete and rebuild: every run and shoe of the demo runner (a demo account) and the plan.
    Run.objects.filter(runner=runner).delete()
    Shoe.objects.filter(runner=runner).delete()
    Plan.objects.filter(runner=runner, name=PLAN_NAME).delete()
    trainers = services.shoe_create(
        runner=runner,
        name=TRAINERS,
        starting_distance_m=TRAINERS_START_M,
        retirement_distance_m=800_000,
        is_default=True,
    )
    flats = services.shoe_create(
        runner=runner, name=FLATS, retirement_distance_m=FLATS_RETIREMENT_M
    )

    plan = Plan(
        name=PLAN_NAME,
        runner=runner,
        coach=coach,
        start_date=plan_start,
        end_date=plan_start + timedelta(weeks=PLAN_WEEKS, days=-1),
        status=Plan.Status.ACTIVE,
        goal="Half marathon in about 1:50 (5:12 /km).",
        description=(
            "Five runs a week: Monday recovery, Tuesday intervals, Thursday tempo, Saturday "
            "easy and the Sunday long run. Every fourth week is a cut-back week; two-week taper."
        ),
    )
    plan.full_clean()
    plan.save()

    workouts = build_workouts(plan)
    for workout in workouts:
        workout.full_clean(validate_unique=False, validate_constraints=False)
        workout.fill_totals_from_steps()  # bulk_create skips save(), which derives totals
    Workout.objects.bulk_create(workouts)

    runs = build_runs(runner=runner, plan=plan, workouts=workouts, now=now, tz=tz, today=today)
    logged, recorded = [], []
    for run in runs:
        run.shoe = flats if run.workout and run.workout.workout_type in QUALITY else trainers
        run.local_date = run.compute_local_date()  # bulk_create skips save(), which sets it
        if today - timedelta(days=TRACKED_DAYS) <= run.local_date < today:
            recorded.append(run)
        else:
            run.full_clean(validate_unique=False, validate_constraints=False)
            logged.append(run)
    Run.objects.bulk_create(logged)
    imported = [import_recorded_run(run) for run in recorded]

    # The flats have run FLATS_WORN_FRACTION of their life: what the plan's runs did not put on
    # them they had run before they were added.
    worn: Any = shoes_with_distance(Shoe.objects.filter(pk=flats.pk)).get()
    on_flats_m = worn.runs_distance_m
    services.shoe_update(
        shoe=flats,
        starting_distance_m=max(0.0, FLATS_WORN_FRACTION * FLATS_RETIREMENT_M - on_flats_m),
    )

    every_run = logged + imported
    return DemoSummary(
        plan=plan,
        workouts=len(workouts),
        runs=len(every_run),
        linked_runs=sum(1 for run in every_run if run.workout_id is not None),
        tracked_runs=len(imported),
        shoes=2,
    )


def _user(username: str, password: str, **names: str) -> Any:
    user, _ = get_user_model().objects.get_or_create(username=username, defaults=names)
    # Reset the password every time so the printed login always works.
    user.set_password(password)
    user.is_active = True
    user.save()
    return user


def build_workouts(plan: Plan) -> list[Workout]:
    """The 16-week schedule: Mon recovery, Tue speed, Wed rest, Thu tempo, Fri rest, Sat easy,
    Sun long (the race on the last Sunday)."""
    workouts: list[Workout] = []
    for week in range(PLAN_WEEKS):
        monday = plan.start_date + timedelta(weeks=week)
        label = f"W{week + 1}"
        cutback = (week + 1) % 4 == 0 and week < PLAN_WEEKS - 2
        repeats, interval_m = INTERVALS[week]
        tempo_m = TEMPO_KM[week] * 1000
        day = [monday + timedelta(days=offset) for offset in range(7)]

        def add(when: date, **fields: Any) -> None:
            workouts.append(Workout(plan=plan, scheduled_date=when, **fields))

        add(
            day[0],
            name=f"{label} Recovery run",
            workout_type=Type.RECOVERY,
            planned_distance_m=RECOVERY_KM[week] * 1000,
            target_pace_min_s_per_km=RECOVERY_PACE[0],
            target_pace_max_s_per_km=RECOVERY_PACE[1],
            notes="Conversational, heart rate under 140." if week < 4 else "",
        )
        add(
            day[1],
            name=f"{label} Intervals {repeats} × {interval_m} m",  # noqa: RUF001
            workout_type=Type.SPEED,
            steps=[
                {
                    "kind": "warmup",
                    "distance_m": 2000,
                    "target_pace_min_s_per_km": EASY_PACE[0],
                    "target_pace_max_s_per_km": EASY_PACE[1],
                },
                {
                    "kind": "work",
                    "repeat": repeats,
                    "distance_m": interval_m,
                    "target_pace_min_s_per_km": INTERVAL_PACE[0],
                    "target_pace_max_s_per_km": INTERVAL_PACE[1],
                },
                {
                    "kind": "recovery",
                    "repeat": repeats,
                    "duration_s": 90,
                    "target_pace_min_s_per_km": JOG_PACE[0],
                    "target_pace_max_s_per_km": JOG_PACE[1],
                },
                {
                    "kind": "cooldown",
                    "distance_m": 1500,
                    "target_pace_min_s_per_km": EASY_PACE[0],
                    "target_pace_max_s_per_km": EASY_PACE[1],
                },
            ],
            notes="90 s jog between repeats.",
        )
        add(day[2], name="Rest", workout_type=Type.REST)
        add(
            day[3],
            name=f"{label} Tempo {TEMPO_KM[week]} km",
            workout_type=Type.TEMPO,
            target_pace_min_s_per_km=TEMPO_PACE[0],
            target_pace_max_s_per_km=TEMPO_PACE[1],
            steps=[
                {
                    "kind": "warmup",
                    "distance_m": 2000,
                    "target_pace_min_s_per_km": EASY_PACE[0],
                    "target_pace_max_s_per_km": EASY_PACE[1],
                },
                {
                    "kind": "work",
                    "distance_m": tempo_m,
                    "target_pace_min_s_per_km": TEMPO_PACE[0],
                    "target_pace_max_s_per_km": TEMPO_PACE[1],
                },
                {
                    "kind": "cooldown",
                    "distance_m": 1500,
                    "target_pace_min_s_per_km": EASY_PACE[0],
                    "target_pace_max_s_per_km": EASY_PACE[1],
                },
            ],
            notes="Comfortably hard: you could say a few words, not a sentence.",
        )
        add(day[4], name="Rest", workout_type=Type.REST, notes="Stretch or yoga if you like.")
        add(
            day[5],
            name=f"{label} Easy run" + (" with 6 strides" if week >= 4 else ""),
            workout_type=Type.EASY,
            planned_distance_m=EASY_KM[week] * 1000,
            planned_duration_s=round(EASY_KM[week] * mid(EASY_PACE)),
            target_pace_min_s_per_km=EASY_PACE[0],
            target_pace_max_s_per_km=EASY_PACE[1],
        )
        if week == PLAN_WEEKS - 1:
            add(
                day[6],
                name="Race day — half marathon",
                workout_type=Type.RACE,
                planned_distance_m=HALF_MARATHON_M,
                planned_duration_s=round(HALF_MARATHON_M / 1000 * mid(RACE_PACE)),
                target_pace_min_s_per_km=RACE_PACE[0],
                target_pace_max_s_per_km=RACE_PACE[1],
                notes="Start at 5:15 /km, speed up after 15 km if it feels good.",
            )
        else:
            add(
                day[6],
                name=f"{label} Long run {LONG_KM[week]} km" + (" (cut-back)" if cutback else ""),
                workout_type=Type.LONG,
                planned_distance_m=LONG_KM[week] * 1000,
                planned_duration_s=round(LONG_KM[week] * mid(LONG_PACE)),
                target_pace_min_s_per_km=LONG_PACE[0],
                target_pace_max_s_per_km=LONG_PACE[1],
                notes="Take a gel every 45 minutes." if LONG_KM[week] >= 16 else "",
            )
    return workouts


# Heart rate (avg range), perceived effort range and the share of planned distance a run covers.
RUN_PROFILE: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    Type.RECOVERY: ((128, 138), (2, 3)),
    Type.EASY: ((136, 146), (3, 4)),
    Type.LONG: ((142, 152), (5, 7)),
    Type.TEMPO: ((158, 168), (7, 8)),
    Type.SPEED: ((152, 162), (8, 9)),
    Type.RACE: ((168, 176), (9, 10)),
}
RUN_NOTES = [
    "",
    "",
    "",
    "Felt strong.",
    "Windy along the river.",
    "Legs heavy from yesterday.",
    "Hot and humid, backed off the pace.",
    "Great session, negative split.",
    "Ran with the club.",
    "Slight niggle in the left calf, eased off.",
]


def build_runs(
    *,
    runner: Any,
    plan: Plan,
    workouts: list[Workout],
    now: datetime,
    tz: zoneinfo.ZoneInfo,
    today: date,
) -> list[Run]:
    """Runs from five weeks before the plan up to today.

    Each day draws from its own generator, seeded by its offset from the plan start, so a day's
    run is the same whichever day the command runs on. The current week is never skipped, and
    today's workout (if it is not a rest day) is already done, so the week always shows runs.
    """
    by_date = {workout.scheduled_date: workout for workout in workouts}
    this_monday = today - timedelta(days=today.weekday())
    runs: list[Run] = []
    first_day = plan.start_date - timedelta(weeks=BASE_WEEKS_BEFORE_PLAN)
    for offset in range((today - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        rng = random.Random(f"{SEED}:{(day - plan.start_date).days}")  # noqa: S311
        workout = by_date.get(day)
        if day < plan.start_date:
            # Base building: easy Tue/Thu/Sat, a steady long run on Sunday.
            if day.weekday() not in (1, 3, 5, 6):
                continue
            kind = Type.LONG if day.weekday() == 6 else Type.EASY
            target_m = (8000 + 500 * (offset // 7)) if kind == Type.LONG else 6000
            runs.append(_run(rng, runner, day, tz, now, kind, target_m, EASY_PACE))
            continue
        if workout is None or workout.is_rest:
            # Now and then a short shake-out on a rest day, outside the schedule.
            if day < today and workout is not None and rng.random() < 0.15:
                run = _run(rng, runner, day, tz, now, Type.EASY, 4000, RECOVERY_PACE)
                run.plan = plan
                run.notes = "Shake-out, not on the plan."
                runs.append(run)
            continue
        if day < this_monday and rng.random() < MISS_RATE:
            continue  # missed
        pace: tuple[float, float] = (
            workout.target_pace_min_s_per_km or EASY_PACE[0],
            workout.target_pace_max_s_per_km or EASY_PACE[1],
        )
        if workout.workout_type in (Type.SPEED, Type.TEMPO):
            # Warm-up and cool-down pull the average pace of a quality session towards easy.
            pace = (330, 350) if workout.workout_type == Type.SPEED else (318, 334)
        planned_m = workout.planned_distance_m or 8000.0
        run = _run(rng, runner, day, tz, now, workout.workout_type, planned_m, pace)
        run.plan = plan
        run.workout = workout
        runs.append(run)
    return runs


def _run(
    rng: random.Random,
    runner: Any,
    day: date,
    tz: zoneinfo.ZoneInfo,
    now: datetime,
    kind: str,
    target_m: float,
    pace: tuple[float, float],
) -> Run:
    distance_m = round(target_m * rng.uniform(0.9, 1.08), -1)
    pace_s_per_km = rng.uniform(pace[0] - 5, pace[1] + 5)
    duration_s = round(distance_m / 1000 * pace_s_per_km)
    (hr_low, hr_high), (effort_low, effort_high) = RUN_PROFILE[kind]
    avg_hr = rng.randint(hr_low, hr_high)
    # Weekday runs before work, the Sunday long run a little later.
    if day.weekday() == 6:
        start_local = time(8, rng.randrange(0, 50, 5))
    else:
        start_local = time(6, rng.randrange(10, 60, 5))
    started_at = datetime.combine(day, start_local, tzinfo=tz)
    # Today's run has happened already: never later than a minute ago, never before midnight.
    midnight = datetime.combine(day, time(0, 0), tzinfo=tz)
    started_at = max(midnight, min(started_at, now - timedelta(minutes=1)))
    return Run(
        runner=runner,
        started_at=started_at,
        timezone=str(tz),
        distance_m=distance_m,
        duration_s=duration_s,
        elapsed_s=duration_s + rng.randint(0, 240),
        elevation_gain_m=round(distance_m / 1000 * rng.uniform(3, 14)),
        avg_heart_rate=avg_hr,
        max_heart_rate=min(avg_hr + rng.randint(8, 22), 189),
        avg_cadence=rng.randint(166, 182),
        perceived_effort=rng.randint(effort_low, effort_high),
        notes=rng.choice(RUN_NOTES),
        source=Run.Source.MANUAL,
    )


# --- Runs recorded by a watch ------------------------------------------------------------------


def import_recorded_run(planned: Run) -> Run:
    """Record ``planned`` (a built, unsaved run) as a watch would, a GPX file with positions,
    elevation and heart rate, and import it through ``run_import_file`` (linked to the day's
    workout and given the run's shoe there), then add the effort and notes as the runner would
    on the dashboard. Returns the imported run."""
    rng = random.Random(f"{SEED}:track:{planned.local_date.isoformat()}")  # noqa: S311
    content = recorded_gpx(planned, rng)
    upload = SimpleUploadedFile(f"{planned.local_date:%Y-%m-%d}.gpx", content)
    result = services.run_import_file(
        runner=planned.runner, uploaded_file=upload, shoe=planned.shoe
    )
    return services.run_update(
        run=result.run, perceived_effort=planned.perceived_effort, notes=planned.notes
    )


def run_segments(planned: Run) -> list[tuple[float, float]]:
    """(metres, pace in s/km) of the run as it was run: a structured workout's steps at the
    middle of their target paces (a timed step becomes the metres it covers at that pace; each
    repeat is followed by its recovery jog), otherwise the planned run's own distance at its own
    average pace."""
    workout = planned.workout
    if workout is None or not workout.steps:
        return [(planned.distance_m, planned.duration_s / (planned.distance_m / 1000))]
    by_kind: dict[str, list[tuple[float, float]]] = {}
    for step in workout.steps:
        low = step.get("target_pace_min_s_per_km") or EASY_PACE[0]
        high = step.get("target_pace_max_s_per_km") or EASY_PACE[1]
        pace = (low + high) / 2
        metres = step.get("distance_m") or step.get("duration_s", 0) / pace * 1000
        by_kind.setdefault(step["kind"], []).extend([(float(metres), pace)] * step["repeat"])
    work, jogs = by_kind.get("work", []), by_kind.get("recovery", [])
    middle = [part for pair in itertools.zip_longest(work, jogs) for part in pair if part]
    return [*by_kind.get("warmup", []), *middle, *by_kind.get("cooldown", [])]


def loop_course(length_m: float, rng: random.Random) -> Callable[[float], tuple[float, float]]:
    """A closed loop of ``length_m`` metres around the park, turned by a random angle: the
    (latitude, longitude) ``s`` metres along it (laps repeat)."""
    turn = rng.uniform(0, 2 * math.pi)
    steps = 720
    shape = []
    for i in range(steps + 1):
        theta = 2 * math.pi * i / steps
        x = 1.4 * math.cos(theta) * (1 + 0.1 * math.sin(3 * theta))
        y = math.sin(theta) * (1 + 0.08 * math.cos(2 * theta))
        cos_t, sin_t = math.cos(turn), math.sin(turn)
        shape.append((x * cos_t - y * sin_t, x * sin_t + y * cos_t))
    along = [0.0]
    for (x0, y0), (x1, y1) in itertools.pairwise(shape):
        along.append(along[-1] + math.hypot(x1 - x0, y1 - y0))
    scale = length_m / along[-1]
    lat0, lon0 = TRACK_ORIGIN
    per_lon = METRES_PER_DEGREE * math.cos(math.radians(lat0))

    def position(s_m: float) -> tuple[float, float]:
        u = (s_m % length_m) / scale
        i = min(max(bisect.bisect_left(along, u), 1), len(along) - 1)
        share = (u - along[i - 1]) / (along[i] - along[i - 1])
        x = shape[i - 1][0] + share * (shape[i][0] - shape[i - 1][0])
        y = shape[i - 1][1] + share * (shape[i][1] - shape[i - 1][1])
        return lat0 + y * scale / METRES_PER_DEGREE, lon0 + x * scale / per_lon

    return position


def recorded_gpx(planned: Run, rng: random.Random) -> bytes:
    """The GPX file a watch would write for ``planned``: a sample every SAMPLE_S seconds on a
    loop course (one lap per started 7 km), pace following the run's segments with a little
    drift, two hills per lap, and a heart rate that follows the effort with a lag and drifts up
    over a long run."""
    segments = run_segments(planned)
    total_m = sum(metres for metres, _ in segments)
    laps = max(1, math.ceil(total_m / 7000))
    lap_m = total_m / laps
    where = loop_course(lap_m, rng)
    ends, covered = [], 0.0
    for metres, pace in segments:
        covered += metres
        ends.append((covered, pace))
    started = planned.started_at.astimezone(UTC)
    points = []
    t_s, s_m, hr = 0.0, 0.0, 96.0
    wobble = rng.uniform(0, 2 * math.pi)
    while True:
        pace = next((p for end, p in ends if s_m < end), ends[-1][1])
        pace *= 1 + 0.025 * math.sin(t_s / 170 + wobble)
        effort = min(max((300 / pace - 0.75) / 0.45, 0.0), 1.0)
        target_hr = 118 + 60 * effort + t_s / 600  # cardiac drift: +6 bpm an hour
        hr += (target_hr - hr) * (1 - math.exp(-SAMPLE_S / 30))
        u = (s_m % lap_m) / lap_m
        elevation = 38 + 9 * math.sin(2 * math.pi * u) + 3.5 * math.sin(6 * math.pi * u + 1)
        lat, lon = where(s_m)
        stamp = (started + timedelta(seconds=t_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(
            f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>{elevation:.1f}</ele>'
            f"<time>{stamp}</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{min(round(hr), 189)}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
        if s_m >= total_m:
            break
        t_s += SAMPLE_S
        s_m = min(total_m, s_m + SAMPLE_S * 1000 / pace)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Running Training Tracker demo" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>{planned.local_date:%A} run</name><type>running</type><trkseg>"
        + "".join(points)
        + "</trkseg></trk></gpx>"
    ).encode()


# --- The coach's squad (the admin's squad page, issue 17) ------------------------------------
# Five more runners coached by the demo coach, each built so that one of the squad page's flags
# shows on first open, whatever the day: a key session missed in the last seven days, form below
# -30 after a heavy block, no run for eight days, a plan ending within two weeks; and one runner
# in miles and New York time with nothing to flag.


@dataclass(frozen=True)
class SquadMember:
    username: str
    first_name: str
    last_name: str
    units: str = RunnerProfile.Units.KILOMETRES
    tz: str = RUNNER_TIMEZONE
    weeks_before: int = 6  # plan weeks before this week
    weeks_after: int = 8  # plan weeks after this week
    ends_in_days: int | None = None  # the plan (and its race) ends this many days after today
    skip_last_key_session: bool = False
    idle_days: int = 0  # no run in the last N days
    heavy_days: int = 0  # the last N days: two-hour runs at effort 9, rest days included


SQUAD = (
    SquadMember("maya", "Maya", "Okafor", skip_last_key_session=True),
    SquadMember("theo", "Theo", "Lindqvist", heavy_days=10),
    SquadMember("ivy", "Ivy", "Marchetti", idle_days=8),
    SquadMember("sam", "Sam", "Whitfield", weeks_before=10, ends_in_days=10),
    SquadMember("lena", "Lena", "Brooks", units=RunnerProfile.Units.MILES, tz="America/New_York"),
)
SQUAD_PLAN_NAME = "Squad block"
# The week's pattern, Monday first: (type, km); key sessions on Tuesday, Thursday and Sunday.
SQUAD_WEEK: tuple[tuple[str, float], ...] = (
    (Type.REST, 0),
    (Type.SPEED, 0),  # distance from its steps
    (Type.EASY, 8),
    (Type.TEMPO, 9),
    (Type.REST, 0),
    (Type.EASY, 6),
    (Type.LONG, 16),
)
KEY_TYPES = (Type.SPEED, Type.TEMPO, Type.LONG)
SQUAD_BASE_DAYS = 140  # 20 weeks of routine before each plan


def seed_squad(*, coach: Any, now: datetime) -> list[str]:
    """(Re)build the squad around ``now``; returns the usernames. Each member's plan and runs
    are deleted and rebuilt from per-day seeds, so re-running duplicates nothing."""
    for member in SQUAD:
        _squad_member(member, coach=coach, now=now)
    return [member.username for member in SQUAD]


def _squad_member(member: SquadMember, *, coach: Any, now: datetime) -> None:
    tz = zoneinfo.ZoneInfo(member.tz)
    today = timezone.localtime(now, tz).date()
    this_monday = today - timedelta(days=today.weekday())
    user, _ = get_user_model().objects.get_or_create(
        username=member.username,
        defaults={"first_name": member.first_name, "last_name": member.last_name},
    )
    if user.has_usable_password():
        user.set_unusable_password()  # data for the coach to look at, not a login
        user.save()
    RunnerProfile.objects.update_or_create(
        user=user,
        defaults={
            "units": member.units,
            "timezone": member.tz,
            "max_hr": 190,
            "resting_hr": 50,
            "sex": RunnerProfile.Sex.UNSPECIFIED,
        },
    )
    Run.objects.filter(runner=user).delete()
    Plan.objects.filter(runner=user).delete()

    start = this_monday - timedelta(weeks=member.weeks_before)
    if member.ends_in_days is not None:
        end = today + timedelta(days=member.ends_in_days)
    else:
        end = this_monday + timedelta(weeks=member.weeks_after + 1, days=-1)
    plan = Plan(
        name=SQUAD_PLAN_NAME,
        runner=user,
        coach=coach,
        start_date=start,
        end_date=end,
        status=Plan.Status.ACTIVE,
        goal="Build towards a goal race.",
    )
    plan.full_clean()
    plan.save()

    workouts = []
    day = start
    while day <= end:
        kind, km = SQUAD_WEEK[day.weekday()]
        if day == end and member.ends_in_days is not None:
            kind, km = Type.RACE, 10
        workouts.append(_squad_workout(plan, day, kind, km))
        day += timedelta(days=1)
    for workout in workouts:
        workout.full_clean(validate_unique=False, validate_constraints=False)
        workout.fill_totals_from_steps()
    Workout.objects.bulk_create(workouts)

    last_key = max(
        (
            w.scheduled_date
            for w in workouts
            if w.workout_type in KEY_TYPES and w.scheduled_date < today
        ),
        default=None,
    )
    # Base training before the plan, the same week shape, so fitness has caught up with the
    # routine and only the story's runner (theo) is flagged for form.
    base = [
        _squad_workout(
            plan,
            start - timedelta(days=offset),
            *SQUAD_WEEK[(start - timedelta(days=offset)).weekday()],
        )
        for offset in range(SQUAD_BASE_DAYS, 0, -1)
    ]
    runs = []
    for workout in [*base, *workouts]:
        day = workout.scheduled_date
        if day >= today or (today - day).days <= member.idle_days - 1:
            continue
        heavy = (today - day).days <= member.heavy_days
        # The idle runner's last run is exactly ``idle_days`` ago, rest day or not.
        last_before_idle = member.idle_days and (today - day).days == member.idle_days
        if workout.is_rest and not heavy and not last_before_idle:
            continue
        if member.skip_last_key_session and day == last_key:
            continue
        rng = random.Random(f"{SEED}:{member.username}:{(day - start).days}")  # noqa: S311
        kind = Type.EASY if workout.is_rest else workout.workout_type
        target_m = workout.planned_distance_m or 8000.0
        run = _run(rng, user, day, tz, now, kind, target_m, EASY_PACE)
        in_plan = day >= start
        run.plan = plan if in_plan else None
        run.workout = workout if in_plan and not workout.is_rest else None
        # Load from heart rate (TRIMP), as for a runner who does not rate their effort.
        run.perceived_effort = None
        if heavy:
            # A block far beyond the runner's habit: load 9 x 120 min a day sends form down.
            run.distance_m, run.duration_s, run.elapsed_s = 20_000.0, 7200, 7300
            run.perceived_effort = 9
        runs.append(run)
    for run in runs:
        run.full_clean(validate_unique=False, validate_constraints=False)
        run.local_date = run.compute_local_date()
    Run.objects.bulk_create(runs)


def _squad_workout(plan: Plan, day: date, kind: str, km: float) -> Workout:
    if kind == Type.REST:
        return Workout(plan=plan, scheduled_date=day, name="Rest", workout_type=kind)
    if kind == Type.SPEED:
        # A repeat block: 5 x [1 km at interval pace + 2 min jog], between warm-up and cool-down.
        steps = [
            {"kind": "warmup", "distance_m": 2000},
            {
                "kind": "repeat",
                "repeat": 5,
                "steps": [
                    {
                        "kind": "work",
                        "distance_m": 1000,
                        "target_pace_min_s_per_km": INTERVAL_PACE[0],
                        "target_pace_max_s_per_km": INTERVAL_PACE[1],
                    },
                    {"kind": "recovery", "duration_s": 120},
                ],
            },
            {"kind": "cooldown", "distance_m": 1500},
        ]
        return Workout(
            plan=plan,
            scheduled_date=day,
            name="Intervals 5 x 1 km",
            workout_type=kind,
            planned_distance_m=9500,
            steps=steps,
        )
    names: dict[str, str] = {
        Type.EASY: "Easy run",
        Type.TEMPO: "Tempo run",
        Type.LONG: "Long run",
        Type.RACE: "Goal race 10 km",
    }
    paces: dict[str, tuple[int, int]] = {
        Type.EASY: EASY_PACE,
        Type.TEMPO: TEMPO_PACE,
        Type.LONG: LONG_PACE,
        Type.RACE: RACE_PACE,
    }
    pace = paces[kind]
    return Workout(
        plan=plan,
        scheduled_date=day,
        name=f"{names[kind]} {km:g} km" if kind != Type.RACE else names[kind],
        workout_type=kind,
        planned_distance_m=km * 1000,
        planned_duration_s=round(km * mid(pace)),
        target_pace_min_s_per_km=pace[0],
        target_pace_max_s_per_km=pace[1],
    )
