"""GET runs/export.csv, plans/{id}/calendar.ics and the private /calendar/{token}.ics feed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from icalendar import Calendar

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tests.training.importers.builders import Leg, gpx_bytes, route
from training import services
from training.models import Plan, Run
from training.services import run_import_file

EXPORT_URL = "/api/v1/runs/export.csv"
MILE_M = 1609.344


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def hms_to_s(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@pytest.fixture
def runs(runner):
    plan = PlanFactory(runner=runner)
    workout = WorkoutFactory(plan=plan, name='Tempo, with "quotes"')
    now = datetime.now(UTC)
    manual = RunFactory(
        runner=runner,
        plan=plan,
        workout=workout,
        started_at=now - timedelta(days=2),
        timezone="Europe/Berlin",
        distance_m=10_000.0,
        duration_s=2_950,
        elapsed_s=3_010,
        elevation_gain_m=42.5,
        avg_heart_rate=151,
        max_heart_rate=176,
        avg_cadence=172,
        perceived_effort=7,
        notes='Windy, "hard" finish\nsecond line',
    )
    content = gpx_bytes(route([Leg(600, 3.0, hr_bpm=140)], start=now - timedelta(days=1)))
    imported = run_import_file(runner=runner, uploaded_file=SimpleUploadedFile("a", content)).run
    return manual, imported


@pytest.mark.django_db
def test_csv_round_trip_in_kilometres(api_client, runs):
    manual, imported = runs
    rows = read_csv(api_client.get(EXPORT_URL))

    assert [row["id"] for row in rows] == [str(imported.pk), str(manual.pk)]  # newest first
    row = rows[1]
    assert datetime.fromisoformat(row["started_at"]) == manual.started_at
    local = datetime.fromisoformat(row["local_start"])
    assert local == manual.started_at and local.utcoffset() in (
        timedelta(hours=1),
        timedelta(hours=2),
    )
    assert row["timezone"] == "Europe/Berlin"
    assert row["local_date"] == manual.local_date.isoformat()
    assert row["plan_id"] == str(manual.plan_id)
    assert row["workout_name"] == 'Tempo, with "quotes"'
    assert float(row["distance_km"]) == pytest.approx(10.0)
    assert float(row["distance_m"]) == 10_000.0
    assert hms_to_s(row["duration"]) == int(row["duration_s"]) == 2_950
    assert hms_to_s(row["elapsed"]) == int(row["elapsed_s"]) == 3_010
    assert float(row["pace_s_per_km"]) == pytest.approx(295.0)
    assert hms_to_s(row["pace_per_km"]) == 295  # 4:55 per km
    assert float(row["elevation_gain_m"]) == 42.5
    assert "elevation_gain_ft" not in row
    assert (row["avg_heart_rate"], row["max_heart_rate"]) == ("151", "176")
    assert (row["avg_cadence"], row["perceived_effort"]) == ("172", "7")
    assert row["notes"] == 'Windy, "hard" finish\nsecond line'
    assert row["source"] == "manual"
    assert rows[0]["source"] == "gpx"
    assert float(rows[0]["distance_m"]) == pytest.approx(1800, rel=0.005)


@pytest.mark.django_db
def test_csv_in_miles_for_a_miles_runner(api_client, runner, runs):
    runner.profile.units = "mi"
    runner.profile.save()
    row = read_csv(api_client.get(EXPORT_URL))[1]
    assert float(row["distance_mi"]) == pytest.approx(10_000 / MILE_M, abs=0.001)
    assert hms_to_s(row["pace_per_mi"]) == round(295 * MILE_M / 1000)
    assert float(row["elevation_gain_ft"]) == pytest.approx(42.5 / 0.3048, abs=0.05)
    assert float(row["distance_m"]) == 10_000.0  # SI columns stay


@pytest.mark.django_db
def test_csv_filters_like_the_run_list(api_client, runs):
    manual, imported = runs
    assert [r["id"] for r in read_csv(api_client.get(EXPORT_URL, {"source": "gpx"}))] == [
        str(imported.pk)
    ]
    assert [r["id"] for r in read_csv(api_client.get(EXPORT_URL, {"plan": manual.plan_id}))] == [
        str(manual.pk)
    ]
    after = (imported.started_at - timedelta(minutes=1)).isoformat()
    rows = read_csv(api_client.get(EXPORT_URL, {"started_after": after}))
    assert [r["id"] for r in rows] == [str(imported.pk)]
    rows = read_csv(api_client.get(EXPORT_URL, {"started_before": after}))
    assert [r["id"] for r in rows] == [str(manual.pk)]


@pytest.mark.django_db
def test_csv_bad_filter_is_400_naming_it(api_client):
    response = api_client.get(EXPORT_URL, {"source": "strava"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "source"


@pytest.mark.django_db
def test_csv_formula_cells_are_neutralised(api_client, runner):
    RunFactory(runner=runner, notes='=HYPERLINK("http://evil")')
    row = read_csv(api_client.get(EXPORT_URL))[0]
    assert row["notes"] == '\'=HYPERLINK("http://evil")'


@pytest.mark.django_db
def test_csv_holds_only_the_callers_runs(other_api_client, runs, other_runner):
    mine = RunFactory(runner=other_runner)
    assert [r["id"] for r in read_csv(other_api_client.get(EXPORT_URL))] == [str(mine.pk)]


@pytest.mark.django_db
def test_csv_query_count_does_not_grow_with_runs(api_client, runner, django_assert_max_num_queries):
    RunFactory.create_batch(30, runner=runner)
    with django_assert_max_num_queries(3):
        rows = read_csv(api_client.get(EXPORT_URL + "/"))
    assert len(rows) == 30


def test_csv_needs_authentication(anon_client, db):
    assert anon_client.get(EXPORT_URL).status_code == 401


# --- calendars ------------------------------------------------------------------------------------


@pytest.fixture
def plan(runner, coach):
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 12, 7), end_date=date(2027, 1, 31)
    )
    WorkoutFactory(
        plan=plan,
        name="Tempo",
        workout_type="tempo",
        scheduled_date=date(2026, 12, 9),
        planned_distance_m=10_000,
        target_pace_min_s_per_km=270,
        target_pace_max_s_per_km=280,
        notes="Warm up well.",
    )
    WorkoutFactory(
        plan=plan, name="Long run", workout_type="long", scheduled_date=date(2026, 12, 13)
    )
    WorkoutFactory(
        plan=plan,
        name="Rest",
        workout_type="rest",
        scheduled_date=date(2026, 12, 14),
        planned_distance_m=None,
        planned_duration_s=None,
    )
    return plan


def events_of(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.mark.django_db
def test_plan_calendar_has_one_all_day_event_per_workout(api_client, plan):
    events = events_of(api_client.get(f"/api/v1/plans/{plan.pk}/calendar.ics"))

    workouts = list(plan.workouts.all())
    assert set(events) == {f"workout-{w.pk}@running-training-tracker" for w in workouts}
    tempo = events[f"workout-{plan.workouts.get(name='Tempo').pk}@running-training-tracker"]
    assert tempo.decoded("DTSTART") == date(2026, 12, 9)  # a date: all-day
    assert tempo.decoded("DTEND") == date(2026, 12, 10)
    assert str(tempo["SUMMARY"]) == "Tempo · 10.00 km"
    description = str(tempo["DESCRIPTION"])
    assert "Type: Tempo" in description
    assert "Target pace: 4:30/km - 4:40/km" in description
    assert "Warm up well." in description


@pytest.mark.django_db
def test_plan_calendar_uses_the_runners_units(api_client, runner, plan):
    runner.profile.units = "mi"
    runner.profile.save()
    events = events_of(api_client.get(f"/api/v1/plans/{plan.pk}/calendar.ics/"))
    tempo = next(e for e in events.values() if str(e["SUMMARY"]).startswith("Tempo"))
    assert str(tempo["SUMMARY"]) == f"Tempo · {10_000 / MILE_M:.2f} mi"
    # 270 s/km is 434.5 s/mi = 7:15 (rounded) per mile.
    assert "Target pace: 7:15/mi - 7:31/mi" in str(tempo["DESCRIPTION"])


@pytest.mark.django_db
def test_plan_calendar_uids_are_stable(api_client, plan):
    url = f"/api/v1/plans/{plan.pk}/calendar.ics"
    first = events_of(api_client.get(url))
    workout = plan.workouts.get(name="Long run")
    workout.notes = "Changed"
    workout.save()
    second = events_of(api_client.get(url))
    assert set(first) == set(second)


@pytest.mark.django_db
def test_coach_sees_the_plan_calendar_another_runner_does_not(
    coach_client, other_api_client, anon_client, plan
):
    url = f"/api/v1/plans/{plan.pk}/calendar.ics"
    assert coach_client.get(url).status_code == 200
    response = other_api_client.get(url)
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert anon_client.get(url).status_code == 401


@pytest.mark.django_db
def test_feed_needs_no_login_and_lists_the_runners_workouts(client, runner, plan):
    draft = PlanFactory(runner=runner, status=Plan.Status.DRAFT)
    WorkoutFactory(plan=draft)
    events = events_of(client.get(f"/calendar/{runner.profile.calendar_token}.ics"))
    assert len(events) == plan.workouts.count()  # the draft's workout is not published


@pytest.mark.django_db
def test_regenerated_feed_token_retires_the_old_url(client, runner, plan):
    old = runner.profile.calendar_token
    services.profile_regenerate_calendar_token(profile=runner.profile)
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{runner.profile.calendar_token}.ics").status_code == 200


@pytest.mark.django_db
def test_unknown_feed_token_is_404(client, plan):
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert client.get("/calendar/.ics").status_code == 404


@pytest.mark.django_db
def test_feed_shows_only_its_owners_plans(client, other_runner, plan):
    events = events_of(client.get(f"/calendar/{other_runner.profile.calendar_token}.ics"))
    assert events == {}


@pytest.mark.django_db
def test_imported_run_is_in_the_export_with_the_same_numbers(api_client, runs):
    _, imported = runs
    row = next(r for r in read_csv(api_client.get(EXPORT_URL)) if r["id"] == str(imported.pk))
    run = Run.objects.get(pk=imported.pk)
    assert float(row["distance_m"]) == pytest.approx(run.distance_m, abs=0.05)
    assert int(row["duration_s"]) == run.duration_s
    assert row["avg_heart_rate"] == "140"
