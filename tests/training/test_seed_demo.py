"""``manage.py seed_demo``: the demo logins, a realistic plan anchored on today, idempotence."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from analytics import science
from analytics.selectors import squad_overview
from training import shoes as shoe_rules
from training.management.commands.seed_demo import (
    RUNNER_TIMEZONE,
    SQUAD,
    TRACKED_DAYS,
    seed_demo,
    seed_squad,
)
from training.models import Plan, Run, RunTrack, Shoe, Workout
from training.selectors import shoes_with_distance

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo(RUNNER_TIMEZONE)


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "plans": Plan.objects.count(),
        "workouts": Workout.objects.count(),
        "runs": Run.objects.count(),
        "linked_runs": Run.objects.filter(workout__isnull=False).count(),
        "tracks": RunTrack.objects.count(),
        "shoes": Shoe.objects.count(),
    }


def run_fingerprint() -> list[tuple]:
    return list(
        Run.objects.order_by("started_at", "runner__username").values_list(
            "local_date", "distance_m", "duration_s", "avg_heart_rate", "perceived_effort"
        )
    )


def test_command_prints_what_it_did_and_the_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "112 workouts" in text
    assert "the coach's squad: demo, maya, theo, ivy, sam, lena." in text
    assert "demo / demo-password" in text
    assert "coach / coach-password" in text
    assert len(text.strip().splitlines()) == 2


def test_running_twice_creates_nothing_new():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    first_runs = run_fingerprint()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert run_fingerprint() == first_runs  # seeded: the very same runs, not just as many
    assert first["plans"] == 6  # the demo plan and one per squad member
    assert first["users"] == 7  # demo, coach and five squad members


def test_demo_and_coach_can_log_in_and_coach_is_a_staff_coach(client):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    coach = get_user_model().objects.get(username="coach")
    assert coach.is_staff
    assert not coach.is_superuser
    assert coach.groups.filter(name="coach").exists()
    assert client.login(username="demo", password="demo-password")
    assert client.login(username="coach", password="coach-password")


def test_coach_sees_the_demo_plan_with_its_workouts_in_admin(client):
    call_command("seed_demo", stdout=StringIO())
    client.login(username="coach", password="coach-password")
    plan = Plan.objects.get(runner__username="demo")
    response = client.get(f"/admin/training/plan/{plan.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "W1 Long run 10 km" in body
    assert "Race day — half marathon" in body


def test_plan_is_an_active_16_week_half_marathon_build():
    summary = seed_demo()
    plan = summary.plan
    assert plan.status == Plan.Status.ACTIVE
    assert plan.coach.username == "coach"
    assert plan.runner.username == "demo"
    assert plan.start_date.weekday() == 0  # Monday
    assert plan.length_days == 16 * 7
    workouts = list(plan.workouts.order_by("scheduled_date"))
    assert len(workouts) == 16 * 7
    types = {workout.workout_type for workout in workouts}
    assert {"easy", "long", "tempo", "speed", "rest", "recovery", "race"} <= types
    assert workouts[-1].workout_type == "race"
    assert workouts[-1].planned_distance_m == 21_097.5
    longs = [w.planned_distance_m for w in workouts if w.workout_type == "long"]
    assert max(longs) == 19_000  # peak three weeks out, then taper
    assert longs.index(max(longs)) == 12
    for workout in workouts:
        assert plan.start_date <= workout.scheduled_date <= plan.end_date
        if workout.workout_type == "tempo":
            assert workout.target_pace_min_s_per_km < workout.target_pace_max_s_per_km
        if workout.workout_type == "speed":
            assert [step["kind"] for step in workout.steps] == [
                "warmup",
                "work",
                "recovery",
                "cooldown",
            ]
            # Distance derived from the steps because none was given.
            assert workout.planned_distance_m > 3500


def test_about_sixty_varied_runs_some_linked():
    summary = seed_demo()
    runs = list(Run.objects.all())
    assert 50 <= len(runs) <= 70
    assert summary.runs == len(runs)
    linked = [run for run in runs if run.workout_id]
    assert 25 <= len(linked) < len(runs)
    for run in linked:
        assert run.workout.scheduled_date == run.local_date
        assert run.plan_id == run.workout.plan_id
    assert len({round(run.pace_s_per_km) for run in runs}) > 20
    assert len({run.avg_heart_rate for run in runs}) > 10
    assert {run.perceived_effort for run in runs} >= {3, 5, 7, 8}
    assert all(run.started_at <= timezone.now() for run in runs)


@pytest.mark.parametrize(
    "local_now",
    [
        datetime(2026, 3, 2, 0, 3),  # Monday just after midnight
        datetime(2026, 3, 4, 12, 0),  # Wednesday (a rest day)
        datetime(2026, 3, 8, 23, 50),  # Sunday night
    ],
)
def test_current_week_always_has_workouts_and_runs(local_now):
    now = local_now.replace(tzinfo=LONDON)
    summary = seed_demo(now=now)
    today = local_now.date()
    monday = today - timedelta(days=today.weekday())
    assert summary.plan.start_date == monday - timedelta(weeks=8)
    week_workouts = Workout.objects.filter(
        scheduled_date__range=(monday, monday + timedelta(days=6))
    )
    assert week_workouts.count() == 7
    week_runs = Run.objects.filter(local_date__range=(monday, today))
    assert week_runs.exists()
    assert not Run.objects.filter(started_at__gt=now).exists()


def test_rerunning_a_week_later_re_anchors_without_duplicates():
    first_now = datetime(2026, 3, 4, 12, 0, tzinfo=LONDON)
    seed_demo(now=first_now)
    first = counts()
    seed_demo(now=first_now + timedelta(weeks=1))
    assert Plan.objects.get().start_date == first_now.date() - timedelta(days=2, weeks=7)
    after = counts()
    # Same plan shape; one more week of history drawn from the same per-day seeds.
    assert after["plans"] == first["plans"] == 1
    assert after["workouts"] == first["workouts"] == 112
    assert after["users"] == first["users"]


# --- the coach's squad ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "local_now",
    [
        datetime(2026, 3, 2, 0, 3),  # Monday just after midnight
        datetime(2026, 3, 4, 12, 0),  # Wednesday
        datetime(2026, 3, 8, 23, 50),  # Sunday night
    ],
)
def test_squad_page_shows_every_flag_on_first_open(client, local_now):
    now = local_now.replace(tzinfo=LONDON)
    with mock.patch("django.utils.timezone.now", return_value=now):
        summary = seed_demo(now=now)
        seed_squad(coach=summary.plan.coach, now=now)
        flags = {row.username: row.flags for row in squad_overview(coach=summary.plan.coach)}
        client.login(username="coach", password="coach-password")
        page = client.get("/admin/").content.decode()
    assert len(flags) >= 6
    assert "missed_key_session" in flags["maya"]
    assert "form_low" in flags["theo"]
    assert "idle" in flags["ivy"]
    assert flags["sam"] == ("plan_ending",)
    assert flags["lena"] == ()
    # Each member's flag is theirs alone where the story says so.
    assert "idle" not in flags["maya"] and "idle" not in flags["theo"]
    assert "form_low" not in flags["maya"] and "form_low" not in flags["sam"]
    for label in (
        "Missed key session",
        "Form below -30",
        "No run for 7 days",
        "Plan ends within 2 weeks",
    ):
        assert label in page


def test_squad_members_are_rebuilt_not_duplicated_and_cannot_log_in(client):
    now = datetime(2026, 3, 4, 12, 0, tzinfo=LONDON)
    summary = seed_demo(now=now)
    seed_squad(coach=summary.plan.coach, now=now)
    first = counts()
    seed_squad(coach=summary.plan.coach, now=now + timedelta(days=1))
    assert counts()["plans"] == first["plans"] and counts()["users"] == first["users"]
    for member in SQUAD:
        user = get_user_model().objects.get(username=member.username)
        assert not user.has_usable_password()
        assert Plan.objects.filter(runner=user, coach=summary.plan.coach).count() == 1
    lena = get_user_model().objects.get(username="lena")
    assert (lena.profile.units, lena.profile.timezone) == ("mi", "America/New_York")
    speed = Workout.objects.filter(plan__runner__username="maya", workout_type="speed").first()
    assert speed.steps[1]["kind"] == "repeat"  # the interval session is a repeat block
    assert speed.planned_distance_m == 9500


# --- Recorded runs and shoes (issue 19) ----------------------------------------------------------


def test_the_last_two_weeks_were_recorded_by_a_watch_and_imported():
    now = datetime(2026, 3, 4, 12, 0, tzinfo=LONDON)  # a Wednesday
    summary = seed_demo(now=now)
    today = now.date()
    recorded = Run.objects.filter(
        local_date__range=(today - timedelta(days=TRACKED_DAYS), today - timedelta(days=1))
    ).select_related("track", "workout")
    assert summary.tracked_runs == recorded.count() >= 6
    for run in recorded:
        # Imported like an upload: the file's hash, format and a track with every column.
        assert run.source == "gpx" and run.source_hash and run.timezone == RUNNER_TIMEZONE
        samples = run.track.samples
        assert run.track.point_count > 200
        for column in ("lat", "lon", "ele_m", "hr_bpm", "dist_m"):
            assert None not in samples[column], column
        # The run's distance is what the import summed from the positions.
        assert samples["dist_m"][-1] == pytest.approx(run.distance_m, rel=0.001)
        assert 100 <= run.avg_heart_rate < run.max_heart_rate <= 189
        assert run.elevation_gain_m > 10 and run.perceived_effort
    # The import linked each run to the day's one planned workout, as it does for an upload.
    assert recorded.filter(workout__isnull=False).count() >= 4
    assert (
        not Run.objects.filter(local_date__lt=today - timedelta(days=TRACKED_DAYS))
        .filter(track__isnull=False)
        .exists()
    )


def test_a_recorded_tempo_run_has_its_fast_stretch_inside():
    seed_demo(now=datetime(2026, 3, 4, 12, 0, tzinfo=LONDON))
    tempo = (
        Run.objects.filter(workout__workout_type="tempo", track__isnull=False)
        .select_related("track")
        .first()
    )
    splits = science.track_splits(tempo.track.samples, split_m=1000)
    fastest = min(split.pace_s_per_km for split in splits)
    # Tempo km at 4:58-5:10 /km (298-310 s) between an easy warm-up and cool-down: the
    # fastest km is tempo pace (allowing the 2.5 % drift), well under the run's average.
    assert fastest < 310 * 1.03
    assert tempo.pace_s_per_km > fastest + 15


def test_two_pairs_of_shoes_one_near_retirement_and_every_run_wears_one():
    seed_demo()
    shoes = {shoe.name: shoe for shoe in shoes_with_distance(Shoe.objects.all())}
    assert set(shoes) == {"Daily trainers", "Racing flats"}
    trainers, flats = shoes["Daily trainers"], shoes["Racing flats"]
    assert trainers.is_default and not flats.is_default
    assert shoe_rules.wear(trainers.distance_m, trainers.retirement_distance_m) == "ok"
    # Worn to 94 % of 500 km: 470 km, inside the 90 % warning, 30 km left.
    assert flats.distance_m == pytest.approx(470_000)
    assert shoe_rules.wear(flats.distance_m, flats.retirement_distance_m) == "near_retirement"
    assert not Run.objects.filter(shoe__isnull=True).exists()
    quality = Run.objects.filter(workout__workout_type__in=["speed", "tempo", "race"])
    assert quality.exists() and set(quality.values_list("shoe__name", flat=True)) == {
        "Racing flats"
    }


def test_the_first_visit_shows_a_route_map_and_the_shoes(client):
    call_command("seed_demo", stdout=StringIO())
    assert client.login(username="demo", password="demo-password")
    home = client.get("/").content.decode()
    assert "Racing flats" in home and "Near retirement" in home
    latest = Run.objects.filter(track__isnull=False).order_by("-started_at").first()
    page = client.get(latest.get_absolute_url()).content.decode()
    assert '<svg class="chart chart-route"' in page and 'class="route-marker"' in page
    # A marker at every whole km before the finish.
    last_m = latest.track.samples["dist_m"][-1]
    assert page.count('class="route-marker"') == len(
        [k for k in range(1, 100) if k * 1000 < last_m]
    )
