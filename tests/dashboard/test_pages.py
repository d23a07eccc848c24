"""Dashboard pages through Django's test client: status, owner-only access, forms, units."""

from __future__ import annotations

import math
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tests.helpers import this_monday
from training.models import Run, RunTrack

pytestmark = pytest.mark.django_db


def _set_profile(user, **fields):
    profile = user.profile
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "dashboard:home",
        "dashboard:plan-list",
        "dashboard:run-list",
        "dashboard:run-create",
        "dashboard:profile",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_owner_page_renders(web, runner, week_plan):
    plan, easy, _, _ = week_plan
    run = RunFactory(runner=runner, plan=plan, workout=easy)
    for url in [
        reverse("dashboard:home"),
        reverse("dashboard:plan-list"),
        plan.get_absolute_url(),
        reverse("dashboard:run-list"),
        reverse("dashboard:run-create"),
        run.get_absolute_url(),
        reverse("dashboard:run-update", kwargs={"pk": run.pk}),
        reverse("dashboard:run-delete", kwargs={"pk": run.pk}),
        reverse("dashboard:profile"),
    ]:
        response = web.get(url)
        assert response.status_code == 200, url
        assert b"Log run" in response.content, url  # the visible link is on every page


def test_another_runner_gets_404_on_my_run_and_plan(other_web, runner, week_plan):
    plan, easy, _, _ = week_plan
    run = RunFactory(runner=runner, plan=plan, workout=easy)
    for url in [
        plan.get_absolute_url(),
        run.get_absolute_url(),
        reverse("dashboard:run-update", kwargs={"pk": run.pk}),
        reverse("dashboard:run-delete", kwargs={"pk": run.pk}),
    ]:
        assert other_web.get(url).status_code == 404, url
    assert other_web.post(reverse("dashboard:run-delete", kwargs={"pk": run.pk})).status_code == 404
    assert Run.objects.filter(pk=run.pk).exists()


def test_another_runners_edit_post_changes_nothing(other_web, runner):
    run = RunFactory(runner=runner, distance_m=5000)
    response = other_web.post(
        reverse("dashboard:run-update", kwargs={"pk": run.pk}),
        {"started_at": "2024-01-01T08:00", "distance": "42", "duration": "30:00"},
    )
    assert response.status_code == 404
    run.refresh_from_db()
    assert run.distance_m == 5000


def test_lists_show_only_my_own_things(web, runner, other_runner):
    PlanFactory(runner=runner, name="Mine")
    PlanFactory(runner=other_runner, name="Theirs")
    RunFactory(runner=other_runner, notes="x", distance_m=7777)
    assert b"Theirs" not in web.get(reverse("dashboard:plan-list")).content
    runs_page = web.get(reverse("dashboard:run-list")).content.decode()
    assert "7.78 km" not in runs_page
    assert "0 runs logged" in runs_page


def test_a_coach_reads_a_coached_plan_but_cannot_edit_the_runs(client, coach, runner):
    plan = PlanFactory(runner=runner, coach=coach)
    run = RunFactory(runner=runner, plan=plan)
    client.force_login(coach)
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(run.get_absolute_url()).status_code == 200
    assert client.get(reverse("dashboard:run-update", kwargs={"pk": run.pk})).status_code == 404
    assert client.post(reverse("dashboard:run-delete", kwargs={"pk": run.pk})).status_code == 404


# --- Home ---------------------------------------------------------------------------------------


def test_home_shows_this_weeks_workouts_beside_the_runs_that_fulfil_them(web, runner, week_plan):
    plan, easy, _, long = week_plan
    monday = this_monday()
    started = timezone.make_aware(
        timezone.datetime(monday.year, monday.month, monday.day, 7, 0),
        timezone.get_current_timezone(),
    )
    run = RunFactory(
        runner=runner, plan=plan, workout=easy, started_at=started, distance_m=8123, duration_s=2500
    )
    RunFactory(runner=runner, started_at=started + timedelta(hours=10), distance_m=3000)
    page = web.get(reverse("dashboard:home")).content.decode()
    assert "Easy 8k" in page and "Long run" in page and "Rest day" in page
    assert run.get_absolute_url() in page
    assert "8.12 km" in page  # the fulfilling run, to two decimals
    assert "3.00 km" in page  # an unplanned run the same day is shown too
    assert f'data-workout="{easy.pk}"' in page
    # The workout with a linked run reads as completed; the long run does not.
    easy_block = page[page.index(f'data-workout="{easy.pk}"') :]
    assert 'data-done="yes"' in easy_block[:200]
    long_block = page[page.index(f'data-workout="{long.pk}"') :]
    assert 'data-done="no"' in long_block[:200]


def test_home_shows_a_workouts_steps_with_repeat_blocks_in_the_runners_units(web, runner):
    runner.profile.units = "mi"
    runner.profile.save()
    monday = this_monday()
    plan = PlanFactory(runner=runner, start_date=monday, end_date=monday + timedelta(days=27))
    WorkoutFactory(
        plan=plan,
        name="Mile repeats",
        scheduled_date=monday + timedelta(days=6),
        steps=[
            {"kind": "warmup", "distance_m": 1609.344},
            {
                "kind": "repeat",
                "repeat": 4,
                "steps": [
                    # 6:00 /mi = 360 s per 1.609344 km
                    {
                        "kind": "work",
                        "distance_m": 1609.344,
                        "target_pace_min_s_per_km": 223.694,
                        "target_pace_max_s_per_km": 223.694,
                    },
                    {"kind": "recovery", "duration_s": 90},
                ],
            },
        ],
    )
    page = web.get(reverse("dashboard:home")).content.decode()
    assert "<li>warmup 1 mi</li>" in page
    assert "<li>4 x [work 1 mi at 6:00; recovery 1:30]</li>" in page


def test_home_leaves_out_workouts_of_other_weeks_and_other_runners(web, runner, other_runner):
    monday = this_monday()
    plan = PlanFactory(runner=runner, start_date=monday - timedelta(days=14))
    WorkoutFactory(plan=plan, name="Last week tempo", scheduled_date=monday - timedelta(days=1))
    theirs = PlanFactory(runner=other_runner, start_date=monday - timedelta(days=14))
    WorkoutFactory(plan=theirs, name="Their easy run", scheduled_date=monday)
    page = web.get(reverse("dashboard:home")).content.decode()
    assert "Last week tempo" not in page
    assert "Their easy run" not in page


def test_home_query_count_does_not_grow_with_runs(
    web, runner, week_plan, django_assert_max_num_queries
):
    plan, easy, _, long = week_plan
    for day in range(30):
        RunFactory(runner=runner, started_at=timezone.now() - timedelta(days=day, hours=1))
    RunFactory(runner=runner, plan=plan, workout=easy)
    RunFactory(runner=runner, plan=plan, workout=long)
    # session, user, profile, this week's workouts + their runs, the week's runs, recent runs,
    # then runner_summary and plan_analytics: 16 today; the bound leaves room, not growth.
    with django_assert_max_num_queries(20):
        assert web.get(reverse("dashboard:home")).status_code == 200


# --- Plans --------------------------------------------------------------------------------------


def test_plan_detail_draws_a_week_by_day_calendar(web, runner, week_plan):
    plan, easy, rest, long = week_plan
    page = web.get(plan.get_absolute_url()).content.decode()
    # Plan runs Monday two weeks ago to the Sunday six weeks on: 8 full weeks.
    assert page.count("<tr") == 1 + 8
    assert page.count('<td class="') - page.count('<td class="weekcell') == 8 * 7
    for workout in (easy, rest, long):
        assert f'data-workout="{workout.pk}"' in page
    assert f'data-workout="{rest.pk}" data-band="rest"' in page


def test_each_calendar_day_opens_its_workout_page_where_the_coach_comments(web, runner, week_plan):
    plan, easy, rest, long = week_plan
    run = RunFactory(runner=runner, plan=plan, workout=easy)
    page = web.get(plan.get_absolute_url()).content.decode()
    for workout in (easy, long):  # completed and not yet run: both open the workout's page
        assert f'<a href="/workouts/{workout.pk}/" class="chip' in page, workout.name
    assert f'href="/workouts/{rest.pk}/"' not in page  # a rest day has nothing to open
    workout_page = web.get(f"/workouts/{easy.pk}/").content.decode()
    assert f'href="/runs/{run.pk}/"' in workout_page
    assert 'id="comments"' in workout_page


def test_plan_pages_query_count_is_bounded(web, runner, week_plan, django_assert_max_num_queries):
    plan, easy, _, _ = week_plan
    for offset in range(20):
        WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=offset))
        RunFactory(runner=runner, plan=plan, workout=easy)
    with django_assert_max_num_queries(10):
        assert web.get(plan.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(6):
        assert web.get(reverse("dashboard:plan-list")).status_code == 200


# --- Log / edit / delete a run -------------------------------------------------------------------


def test_the_log_form_defaults_to_now_in_the_runners_time_zone(web, runner):
    _set_profile(runner, timezone="Pacific/Auckland")
    page = web.get(reverse("dashboard:run-create")).content.decode()
    now_there = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert f'value="{now_there:%Y-%m-%dT%H:}' in page  # the hour there, whatever the minute


def test_logging_a_run_in_miles_stores_metres_and_shows_two_decimals(web, runner, week_plan):
    _set_profile(runner, units="mi", timezone="Europe/Berlin")
    plan, easy, _, _ = week_plan
    monday = this_monday()
    response = web.post(
        reverse("dashboard:run-create"),
        {
            "started_at": f"{monday:%Y-%m-%d}T07:30",
            "distance": "6.21",
            "duration": "50:00",
            "avg_heart_rate": "150",
            "max_heart_rate": "171",
            "perceived_effort": "4",
            "workout": str(easy.pk),
            "notes": "Felt easy",
        },
    )
    run = Run.objects.get(runner=runner)
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()
    assert run.distance_m == pytest.approx(6.21 * 1609.344)
    assert run.duration_s == 3000
    assert run.workout == easy and run.plan == plan
    # 07:30 in Berlin (UTC+1 in winter, +2 in summer) is stored as an aware instant.
    berlin = timezone.localtime(run.started_at, zoneinfo.ZoneInfo("Europe/Berlin"))
    assert (berlin.hour, berlin.minute) == (7, 30)
    assert run.timezone == "Europe/Berlin"
    detail = web.get(response["Location"]).content.decode()
    assert "6.21" in detail and "mi" in detail
    # 3000 s over 9994.03 m = 300.18 s/km → * 1.609344 = 483.1 s/mi → 8:03 /mi
    assert "8:03 /mi" in detail


def test_run_detail_in_km_and_then_in_miles(web, runner):
    run = RunFactory(runner=runner, distance_m=10_000, duration_s=3000)
    page = web.get(run.get_absolute_url()).content.decode()
    assert "10.00" in page and "5:00 /km" in page
    _set_profile(runner, units="mi")
    page = web.get(run.get_absolute_url()).content.decode()
    assert "6.21" in page and "8:03 /mi" in page and "5:00 /km" not in page


def test_log_run_accepts_h_mm_ss(web, runner):
    response = web.post(
        reverse("dashboard:run-create"),
        {"started_at": "2024-03-10T09:00", "distance": "21.1", "duration": "1:45:30"},
    )
    assert response.status_code == 302
    assert Run.objects.get(runner=runner).duration_s == 1 * 3600 + 45 * 60 + 30


def test_form_errors_sit_next_to_their_fields_and_keep_what_was_typed(web, runner):
    response = web.post(
        reverse("dashboard:run-create"),
        {
            "started_at": "2024-03-10T09:00",
            "distance": "12.34",
            "duration": "1:75:00",
            "avg_heart_rate": "180",
            "max_heart_rate": "170",
            "notes": "typed notes",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "duration" in form.errors
    page = response.content.decode()
    assert 'value="1:75:00"' in page and 'value="12.34"' in page and "typed notes" in page
    duration_field = page[page.index('for="id_duration"') :]
    assert duration_field.index("errorlist") < duration_field.index("id_avg_heart_rate")
    assert not Run.objects.exists()


def test_service_rules_come_back_as_field_errors(web, runner):
    """Average above max heart rate and a start in the future are model rules (run_create);
    the form maps them onto its own fields."""
    future = timezone.localtime(timezone.now() + timedelta(days=2))
    response = web.post(
        reverse("dashboard:run-create"),
        {
            "started_at": f"{future:%Y-%m-%dT%H:%M}",
            "distance": "5",
            "duration": "25:00",
            "avg_heart_rate": "180",
            "max_heart_rate": "170",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "avg_heart_rate" in errors or "started_at" in errors
    assert "must not be in the future" in str(errors.get("started_at"))
    assert "must not exceed max heart rate" in str(errors.get("avg_heart_rate"))
    assert 'value="180"' in response.content.decode()
    assert not Run.objects.exists()


def test_distance_over_the_model_limit_is_a_field_error(web, runner):
    response = web.post(
        reverse("dashboard:run-create"),
        {"started_at": "2024-03-10T09:00", "distance": "600", "duration": "99:00:00"},
    )
    assert response.status_code == 400
    assert "distance" in response.context["form"].errors


@pytest.mark.parametrize("duration", ["", "abc", "45", "1:60:00", "10:99"])
def test_bad_durations_are_refused_by_the_form(web, runner, duration):
    response = web.post(
        reverse("dashboard:run-create"),
        {"started_at": "2024-03-10T09:00", "distance": "5", "duration": duration},
    )
    assert response.status_code == 400
    assert "duration" in response.context["form"].errors


def test_only_my_non_rest_workouts_of_the_week_can_be_linked(web, runner, other_runner, week_plan):
    plan, easy, rest, long = week_plan
    far = WorkoutFactory(plan=plan, name="Far future", scheduled_date=plan.end_date)
    theirs = WorkoutFactory(plan=PlanFactory(runner=other_runner), scheduled_date=this_monday())
    page = web.get(reverse("dashboard:run-create")).content.decode()
    assert str(easy.pk) in page and str(long.pk) in page
    for hidden in (rest, far, theirs):
        assert str(hidden.pk) not in page
    response = web.post(
        reverse("dashboard:run-create"),
        {
            "started_at": f"{this_monday():%Y-%m-%d}T06:00",
            "distance": "5",
            "duration": "25:00",
            "workout": str(theirs.pk),
        },
    )
    assert response.status_code == 400
    assert "workout" in response.context["form"].errors


def test_editing_a_run_prefills_it_in_the_runners_units_and_saves_changes(web, runner, week_plan):
    plan, easy, _, long = week_plan
    _set_profile(runner, units="mi")
    run = RunFactory(runner=runner, distance_m=16_093.44, duration_s=4500, plan=plan, workout=easy)
    page = web.get(reverse("dashboard:run-update", kwargs={"pk": run.pk})).content.decode()
    assert 'value="10.00"' in page and 'value="1:15:00"' in page
    response = web.post(
        reverse("dashboard:run-update", kwargs={"pk": run.pk}),
        {
            "started_at": f"{this_monday():%Y-%m-%d}T06:00",
            "distance": "11.5",
            "duration": "1:20:00",
            "workout": str(long.pk),
        },
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.distance_m == pytest.approx(11.5 * 1609.344)
    assert run.duration_s == 4800
    assert run.workout == long


def test_deleting_a_run_asks_first_then_deletes(web, runner):
    run = RunFactory(runner=runner)
    url = reverse("dashboard:run-delete", kwargs={"pk": run.pk})
    page = web.get(url).content.decode()
    assert "Delete this run?" in page and 'method="post"' in page
    assert Run.objects.filter(pk=run.pk).exists()
    response = web.post(url)
    assert response.status_code == 302
    assert not Run.objects.filter(pk=run.pk).exists()


def test_run_detail_with_a_track_shows_splits_and_a_chart(
    web, runner, django_assert_max_num_queries
):
    # 2.5 km at a steady 4:00 /km: splits of 240 s, 240 s and a half-km of 120 s.
    run = RunFactory(runner=runner, distance_m=2500, duration_s=600)
    n = 251
    RunTrack.objects.create(
        run=run,
        samples={
            "t_s": [i * 2.4 for i in range(n)],
            "dist_m": [i * 10.0 for i in range(n)],
            "lat": [None] * n,
            "lon": [None] * n,
            "ele_m": [100 + i * 0.1 for i in range(n)],
            "hr_bpm": [150] * n,
        },
    )
    # 7 before comments (issue 17): the thread adds one query and recording the visit two (an
    # update, and an insert on the first visit).
    with django_assert_max_num_queries(10):
        response = web.get(run.get_absolute_url())
    page = response.content.decode()
    assert page.count("<tr>") == 1 + 3
    assert page.count("0:04:00") == 2 and "0:02:00" in page
    assert "+10 m" in page  # 100 samples * 0.1 m per km
    assert '<svg class="chart chart-profile"' in page
    assert "<polyline" in page
    assert "chart-route" not in page  # no positions, no map


def test_run_detail_draws_the_route_with_start_finish_and_km_markers(
    web, runner, django_assert_max_num_queries
):
    # 2.5 km due east along the 52nd parallel, a sample every 10 m: markers at km 1 and 2 only.
    run = RunFactory(runner=runner, distance_m=2500, duration_s=600)
    n = 251
    metres_per_degree_lon = 6_371_008.8 * math.pi / 180 * math.cos(math.radians(52))
    RunTrack.objects.create(
        run=run,
        samples={
            "t_s": [i * 2.4 for i in range(n)],
            "dist_m": [i * 10.0 for i in range(n)],
            "lat": [52.0] * n,
            "lon": [13.0 + i * 10.0 / metres_per_degree_lon for i in range(n)],
            "ele_m": [None] * n,
            "hr_bpm": [None] * n,
        },
    )
    # 7 before comments (issue 17): the thread adds one query and recording the visit two.
    with django_assert_max_num_queries(10):
        page = web.get(run.get_absolute_url()).content.decode()
    assert '<svg class="chart chart-route"' in page
    assert 'aria-labelledby="route-map-title route-map-desc"' in page
    assert '<title id="route-map-title">Route map</title>' in page
    assert "about 2,500 m east to west and 0 m north to south" in page
    assert "(1 to 2)" in page
    assert page.count('class="route-marker"') == 2
    assert "<title>km 1</title>" in page and "<title>km 2</title>" in page
    assert 'class="route-start"' in page and 'class="route-finish"' in page


def test_a_run_logged_by_hand_has_no_route_map(web, runner):
    run = RunFactory(runner=runner)
    page = web.get(run.get_absolute_url()).content.decode()
    assert "chart-route" not in page and "Route map" not in page


def test_run_list_query_count_is_bounded(web, runner, django_assert_max_num_queries):
    for day in range(40):
        RunFactory(runner=runner, started_at=timezone.now() - timedelta(days=day + 1))
    with django_assert_max_num_queries(6):
        page = web.get(reverse("dashboard:run-list")).content.decode()
    assert "40 runs logged" in page and "Older" in page


# --- Profile ------------------------------------------------------------------------------------


def test_profile_saves_units_and_heart_rates(web, runner):
    response = web.post(
        reverse("dashboard:profile"),
        {
            "units": "mi",
            "timezone": "America/New_York",
            "max_hr": "190",
            "resting_hr": "48",
            "sex": "f",
        },
    )
    assert response.status_code == 302
    runner.profile.refresh_from_db()
    assert (runner.profile.units, runner.profile.timezone) == ("mi", "America/New_York")
    assert (runner.profile.max_hr, runner.profile.resting_hr, runner.profile.sex) == (190, 48, "f")


def test_profile_errors_stay_next_to_fields(web, runner):
    response = web.post(
        reverse("dashboard:profile"),
        {
            "units": "mi",
            "timezone": "Mars/Olympus",
            "max_hr": "150",
            "resting_hr": "160",
            "sex": "m",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "timezone" in errors and "resting_hr" in errors
    runner.profile.refresh_from_db()
    assert runner.profile.units == "km"


def test_profile_shows_the_calendar_feed_and_regenerates_it(web, runner):
    old = runner.profile.calendar_token
    page = web.get(reverse("dashboard:profile")).content.decode()
    assert f"http://testserver/calendar/{old}.ics" in page
    assert web.get(reverse("dashboard:profile-calendar-token")).status_code == 405
    response = web.post(reverse("dashboard:profile-calendar-token"))
    assert response.status_code == 302
    runner.profile.refresh_from_db()
    assert runner.profile.calendar_token != old
    page = web.get(reverse("dashboard:profile")).content.decode()
    assert runner.profile.calendar_token in page and old not in page
    # The address shown is the live feed; the old one is gone.
    feed = web.get(f"/calendar/{runner.profile.calendar_token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    assert web.get(f"/calendar/{old}.ics").status_code == 404


def test_form_pages_query_counts_are_bounded(web, runner, week_plan, django_assert_max_num_queries):
    plan, easy, _, _ = week_plan
    run = RunFactory(runner=runner, plan=plan, workout=easy)
    for url in [
        reverse("dashboard:run-create"),
        reverse("dashboard:run-update", kwargs={"pk": run.pk}),
        reverse("dashboard:run-delete", kwargs={"pk": run.pk}),
        reverse("dashboard:profile"),
    ]:
        with django_assert_max_num_queries(6):
            assert web.get(url).status_code == 200


def test_plan_calendar_colours_workouts_by_compliance_and_shows_adherence(web, runner):
    """Bands come from analytics.plan_analytics: 8/8 km green, 5/8 (0.625) yellow, 2/8 red,
    nothing run and due → missed, future → upcoming. Adherence = 3 done / 4 due = 75 %."""
    today = timezone.localdate()
    plan = PlanFactory(
        runner=runner, start_date=today - timedelta(days=10), end_date=today + timedelta(days=20)
    )
    days_ago = {"green": 8000, "yellow": 5000, "red": 2000, "missed": None}
    workouts = {}
    for offset, (band, run_m) in enumerate(days_ago.items(), start=2):
        workout = WorkoutFactory(
            plan=plan, scheduled_date=today - timedelta(days=offset), planned_distance_m=8000
        )
        workouts[band] = workout
        if run_m:
            RunFactory(
                runner=runner,
                plan=plan,
                workout=workout,
                distance_m=run_m,
                started_at=timezone.now() - timedelta(days=offset),
            )
    workouts["upcoming"] = WorkoutFactory(plan=plan, scheduled_date=today + timedelta(days=3))
    page = web.get(plan.get_absolute_url()).content.decode()
    for band, workout in workouts.items():
        assert f'data-workout="{workout.pk}" data-band="{band}"' in page, band
    adherence = page[page.index('data-testid="adherence"') :]
    assert adherence.split(">", 1)[1].startswith("75<")


def test_home_shows_week_totals_and_charts_in_miles(web, runner, week_plan):
    _set_profile(runner, units="mi")
    monday = this_monday()
    RunFactory(
        runner=runner,
        distance_m=16_093.44,  # exactly 10 miles
        duration_s=4800,
        started_at=timezone.make_aware(
            timezone.datetime(monday.year, monday.month, monday.day, 6, 0)
        ),
    )
    page = web.get(reverse("dashboard:home")).content.decode()
    week = page[page.index('data-testid="week-distance"') :]
    assert week.split(">", 1)[1].startswith("10.00<")
    assert "8:00 /mi" in page  # 4800 s over 10 mi
    assert page.count('<rect class="bar') == 12
    assert 'data-value="10.0"' in page  # this week's bar, in miles
    assert '<svg class="chart chart-lines"' in page


def test_home_charts_carry_their_numbers_as_tables(web, runner):
    """The weekly-distance and training-load charts are drawn in SVG; a screen reader gets the
    same numbers from a table under each (WCAG 1.1.1, non-text content)."""
    monday = this_monday()
    RunFactory(
        runner=runner,
        distance_m=12_000,
        duration_s=3600,
        started_at=timezone.make_aware(
            timezone.datetime(monday.year, monday.month, monday.day, 6, 0)
        ),
    )
    page = web.get(reverse("dashboard:home")).content.decode()
    weekly = page[page.index("Weekly distance, last 12 weeks") :]
    weekly = weekly[: weekly.index("</table>")]
    # One row per bar: 12 weeks, this week's 12.00 km among them, the other 11 at zero.
    assert weekly.count("<tr><td>") == 12
    assert ">12.00 km<" in weekly
    load = page[page.index("Fitness, fatigue and form") :]
    load = load[: load.index("</table>")]
    assert load.count("<tr><td>") >= 12  # one day a week over the 90-day window
