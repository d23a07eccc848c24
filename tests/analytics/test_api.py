"""Analytics endpoints on the fixed data sets of ``conftest.py``; every expected number is
worked out by hand from those data (see the fixtures' docstrings)."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest

from analytics import selectors
from tests.factories import PlanFactory, UserFactory

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/analytics/summary"


def plan_url(plan, suffix: str = "") -> str:
    return {
        "analytics": f"/api/v1/analytics/plan/{plan.pk}",
        "progress": f"/api/v1/plans/{plan.pk}/progress",
        "weekly": f"/api/v1/plans/{plan.pk}/weekly-summary",
    }[suffix]


def assert_validation_error(response, attr: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert attr in [error["attr"] for error in body["errors"]]


# --- Summary --------------------------------------------------------------------------------------
def test_summary_all_time_totals_and_runs(api_client, summary_runs, fixed_today):
    body = api_client.get(SUMMARY, {"period": "all"}).json()
    assert body["period"] == {"from": "2024-06-01", "to": "2025-03-12"}
    # R1+R2+R3+R4+R6; runner B's 20 km run is not counted.
    assert body["totals"]["runs"] == 5
    assert body["totals"]["distance_m"] == 41_000
    assert body["totals"]["duration_s"] == 3_000 + 1_450 + 2_640 + 3_960 + 1_800  # 12 850
    assert body["totals"]["elevation_gain_m"] == 70
    assert body["totals"]["avg_pace_s_per_km"] == pytest.approx(12_850 / 41)  # 313.41 s/km
    assert body["longest_run"]["id"] == str(summary_runs["R4"].pk)
    assert body["longest_run"]["distance_m"] == 12_000
    # R2: 1450 s for 5 km = 290 s/km, the only run under 300 s/km.
    assert body["fastest_run"]["id"] == str(summary_runs["R2"].pk)
    assert body["fastest_run"]["pace_s_per_km"] == pytest.approx(290)
    assert body["streak_weeks"] == 2  # weeks of 10 and 3 March; 24 February had no run


def test_summary_weekly_buckets_cross_week_boundary_and_timezone_edge(
    api_client, summary_runs, fixed_today
):
    weekly = api_client.get(SUMMARY).json()["weekly"]
    assert len(weekly) == 12
    assert weekly[0]["week_start"] == "2024-12-23"  # 11 weeks before Monday 10 March
    # This week: R1 only. R2 (Monday 03:30 UTC, Sunday 23:30 in New York) belongs to last week.
    assert weekly[-1] == {
        "week_start": "2025-03-10",
        "distance_m": 10_000,
        "duration_s": 3_000,
        "runs": 1,
    }
    assert weekly[-2] == {
        "week_start": "2025-03-03",
        "distance_m": 13_000,
        "duration_s": 4_090,
        "runs": 2,
    }
    assert weekly[-3] == {"week_start": "2025-02-24", "distance_m": 0, "duration_s": 0, "runs": 0}
    assert weekly[-4] == {
        "week_start": "2025-02-17",
        "distance_m": 12_000,
        "duration_s": 3_960,
        "runs": 1,
    }
    assert sum(week["runs"] for week in weekly) == 4  # R6 (June 2024) is outside the 12 weeks


@pytest.mark.parametrize(
    ("params", "runs", "distance_m", "duration_s", "period"),
    [
        # This ISO week from Monday 10 March: R1 only (R2 is Sunday local time).
        ({"period": "week"}, 1, 10_000, 3_000, {"from": "2025-03-10", "to": "2025-03-12"}),
        ({"period": "month"}, 3, 23_000, 7_090, {"from": "2025-03-01", "to": "2025-03-12"}),
        ({"period": "year"}, 4, 35_000, 11_050, {"from": "2025-01-01", "to": "2025-03-12"}),
        (
            {"from": "2025-02-01", "to": "2025-03-05"},
            2,
            20_000,
            6_600,
            {"from": "2025-02-01", "to": "2025-03-05"},
        ),
    ],
)
def test_summary_periods(
    api_client, summary_runs, fixed_today, params, runs, distance_m, duration_s, period
):
    body = api_client.get(SUMMARY, params).json()
    assert body["period"] == period
    assert body["totals"]["runs"] == runs
    assert body["totals"]["distance_m"] == distance_m
    assert body["totals"]["duration_s"] == duration_s


def test_summary_weekly_series_ends_with_the_week_of_to(api_client, summary_runs, fixed_today):
    weekly = api_client.get(SUMMARY, {"from": "2025-02-01", "to": "2025-02-21"}).json()["weekly"]
    assert weekly[-1]["week_start"] == "2025-02-17"
    assert weekly[-1]["distance_m"] == 12_000


def test_summary_personal_bests_vdot_and_predictions(api_client, summary_runs, fixed_today):
    body = api_client.get(SUMMARY).json()
    # No tracks: only runs 0-5 % over a distance count. R2 is exactly 5 km, R1 exactly 10 km;
    # R3 (8 km) and R4 (12 km) are too long to stand in for 5 km or 10 km.
    assert body["personal_bests"] == [
        {
            "distance_m": 5_000,
            "duration_s": 1_450,
            "run_id": str(summary_runs["R2"].pk),
            "started_at": "2025-03-10T03:30:00Z",
        },
        {
            "distance_m": 10_000,
            "duration_s": 3_000,
            "run_id": str(summary_runs["R1"].pk),
            "started_at": "2025-03-11T07:00:00Z",
        },
    ]
    # 10 km in 50:00 beats Daniels' VDOT-40 row (50:03); 5 km in 24:10 is just under it (24:08),
    # so the 10 km sets the VDOT, ~40.0.
    assert body["vdot"] == pytest.approx(40.0, abs=0.1)
    predictions = {p["distance_m"]: p for p in body["predictions"]}
    assert list(predictions) == [5_000, 10_000, 21_097.5, 42_195]
    # Riegel from 3000 s over 10 km: 3000·0.5^1.06 = 1438.9; 3000·2.10975^1.06 = 6619.2;
    # 3000·4.2195^1.06 = 13800.6 s.
    assert predictions[5_000]["riegel_s"] == pytest.approx(1_438.9, abs=0.2)
    assert predictions[10_000]["riegel_s"] == pytest.approx(3_000, abs=0.1)
    assert predictions[21_097.5]["riegel_s"] == pytest.approx(6_619.2, abs=0.2)
    assert predictions[42_195]["riegel_s"] == pytest.approx(13_800.6, abs=0.2)
    # VDOT equivalents: the 10 km gives back its own time, the rest sit on Daniels' row 40
    # (24:08, 1:50:59, 3:49:45) within the equations' few seconds of table drift.
    assert predictions[10_000]["vdot_s"] == pytest.approx(3_000, abs=0.2)
    assert predictions[5_000]["vdot_s"] == pytest.approx(1_448, abs=6)
    assert predictions[21_097.5]["vdot_s"] == pytest.approx(6_659, abs=12)
    assert predictions[42_195]["vdot_s"] == pytest.approx(13_785, abs=20)


def test_summary_training_load_series(api_client, summary_runs, fixed_today):
    load = api_client.get(SUMMARY).json()["training_load"]
    series = load["series"]
    assert len(series) == 90
    assert series[0]["date"] == "2024-12-13"
    assert series[-1]["date"] == "2025-03-12"
    by_day = {point["date"]: point["load"] for point in series}
    assert by_day["2025-03-11"] == 250  # RPE 5 x 50 min
    assert by_day["2025-03-09"] == pytest.approx(24.2, abs=0.05)  # 1450 s = 24.17 min, no RPE/HR
    assert by_day["2025-03-03"] == 44  # 2640 s
    assert by_day["2025-02-20"] == 66  # 3960 s
    assert by_day["2025-03-12"] == 0
    # Today's form is yesterday's CTL - ATL; the ratio is ATL ÷ CTL.
    assert load["tsb"] == pytest.approx(series[-2]["ctl"] - series[-2]["atl"], abs=0.15)
    assert load["atl"] == series[-1]["atl"]
    assert load["ctl"] == series[-1]["ctl"]
    # ATL and CTL are shown to 0.1, so their quotient only approximates the unrounded ratio.
    assert load["acwr"] == pytest.approx(load["atl"] / load["ctl"], abs=0.05)
    # By hand, each load L from n days before today adds L·k·(1-k)^n with k = 1 - e^(-1/7):
    # 250·0.115401 + 24.1667·0.086721 + 44·0.036801 + 66·0.0076456 = 28.850 + 2.096 + 1.619
    # + 0.505 = 33.07.
    assert load["atl"] == pytest.approx(33.1, abs=0.05)
    # Yesterday's 250 lifts today's ATL above CTL: an acute spike.
    assert load["acwr"] > 1


def test_summary_empty_state_is_zeros_and_empty_lists(api_client, fixed_today):
    response = api_client.get(SUMMARY)
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": None, "to": "2025-03-12"}
    assert body["totals"] == {
        "runs": 0,
        "distance_m": 0,
        "duration_s": 0,
        "elevation_gain_m": 0,
        "avg_pace_s_per_km": None,
    }
    assert body["longest_run"] is None
    assert body["fastest_run"] is None
    assert len(body["weekly"]) == 12
    assert all(week["runs"] == 0 and week["distance_m"] == 0 for week in body["weekly"])
    assert body["personal_bests"] == []
    assert body["vdot"] is None
    assert body["predictions"] == []
    assert body["training_load"]["atl"] == 0
    assert body["training_load"]["ctl"] == 0
    assert body["training_load"]["tsb"] == 0
    assert body["training_load"]["acwr"] is None
    assert len(body["training_load"]["series"]) == 90
    assert body["streak_weeks"] == 0


@pytest.mark.parametrize(
    ("params", "attr"),
    [
        ({"period": "decade"}, "period"),
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, "from"),
        ({"period": "week", "from": "2025-03-01"}, "period"),
    ],
)
def test_summary_bad_params_are_400_naming_the_parameter(api_client, params, attr):
    assert_validation_error(api_client.get(SUMMARY, params), attr)


def test_summary_requires_authentication(anon_client):
    assert anon_client.get(SUMMARY).status_code == 401


def test_summary_accepts_a_trailing_slash(api_client, summary_runs, fixed_today):
    assert api_client.get(SUMMARY + "/").json()["totals"]["runs"] == 5


def test_summary_is_the_callers_own(other_api_client, summary_runs, fixed_today):
    body = other_api_client.get(SUMMARY).json()
    assert body["totals"]["runs"] == 1
    assert body["totals"]["distance_m"] == 20_000


# --- Plan analytics -------------------------------------------------------------------------------
def test_plan_analytics_planned_actual_counts_and_adherence(api_client, plan_data, fixed_today):
    plan, _, _ = plan_data
    body = api_client.get(plan_url(plan, "analytics")).json()
    assert body["plan_id"] == str(plan.pk)
    # 11 non-rest workouts; W3's 5000 m rest-day plan is ignored. Only W7 plans a duration.
    assert body["planned"] == {"distance_m": 82_000, "duration_s": 3_600, "workouts": 11}
    # The plan's 7 runs (6 linked + 1 unlinked); the off-plan 7 km run is not counted.
    assert body["actual"] == {"distance_m": 50_010, "duration_s": 15_400, "runs": 7}
    assert body["workouts"] == {"completed": 6, "missed": 2, "upcoming": 3}
    assert body["adherence_percentage"] == 75.0  # 6 ÷ (6 + 2)


def test_plan_analytics_weeks_clip_to_plan_end(api_client, plan_data, fixed_today):
    plan, _, _ = plan_data
    weeks = api_client.get(plan_url(plan, "analytics")).json()["weeks"]
    assert weeks == [
        {
            "week_number": 1,
            "start_date": "2025-03-03",
            "end_date": "2025-03-09",
            "planned_distance_m": 42_000,
            # Includes W7's run, which is Sunday evening in New York though Monday in UTC.
            "actual_distance_m": 47_010,
            "planned_workouts": 6,
            "completed_workouts": 6,
        },
        {
            "week_number": 2,
            "start_date": "2025-03-10",
            "end_date": "2025-03-16",
            "planned_distance_m": 24_000,
            "actual_distance_m": 3_000,
            "planned_workouts": 4,
            "completed_workouts": 0,
        },
        {
            "week_number": 3,
            "start_date": "2025-03-17",
            "end_date": "2025-03-19",
            "planned_distance_m": 16_000,
            "actual_distance_m": 0,
            "planned_workouts": 1,
            "completed_workouts": 0,
        },
    ]


def test_plan_compliance_bands_at_the_edges(api_client, plan_data, fixed_today):
    plan, w, _ = plan_data
    compliance = api_client.get(plan_url(plan, "analytics")).json()["compliance"]
    got = {
        item["workout_id"]: (item["scheduled_date"], item["ratio"], item["band"])
        for item in compliance
    }
    assert got == {
        str(w["W1"].pk): ("2025-03-03", 0.8, "green"),
        str(w["W2"].pk): ("2025-03-04", 1.2, "green"),
        str(w["W4"].pk): ("2025-03-06", 0.5, "yellow"),
        str(w["W5"].pk): ("2025-03-07", 1.5, "yellow"),
        str(w["W6"].pk): ("2025-03-08", 1.201, "yellow"),
        str(w["W7"].pk): ("2025-03-09", 0.2778, "red"),  # 1000 s of 3600 s
        str(w["W8"].pk): ("2025-03-10", 0.0, "missed"),
        str(w["W9"].pk): ("2025-03-11", 0.0, "missed"),
    }
    # Oldest first; upcoming (W10 today, W11, W12) and rest days are left out.
    assert [item["scheduled_date"] for item in compliance] == sorted(
        item["scheduled_date"] for item in compliance
    )


def test_plan_progress_shares_the_numbers(api_client, plan_data, fixed_today):
    plan, _, _ = plan_data
    for url in (plan_url(plan, "progress"), plan_url(plan, "progress") + "/"):
        assert api_client.get(url).json() == {
            "total_workouts": 11,
            "completed_workouts": 6,
            "pending_workouts": 5,
            "total_planned_distance": 82_000,
            "total_actual_distance": 50_010,
            "adherence_percentage": 75.0,
        }


def test_plan_weekly_summary(api_client, plan_data, fixed_today):
    plan, _, runs = plan_data
    body = api_client.get(plan_url(plan, "weekly"), {"week_number": 1}).json()
    assert {k: v for k, v in body.items() if k != "runs"} == {
        "week_number": 1,
        "start_date": "2025-03-03",
        "end_date": "2025-03-09",
        "planned_distance": 42_000,
        "total_distance": 47_010,
        "planned_runs": 6,
        "completed_runs": 6,
    }
    assert [run["id"] for run in body["runs"]] == [str(run.pk) for run in runs[:6]]
    assert body["runs"][0]["pace_s_per_km"] == pytest.approx(300)  # 1920 s for 6.4 km

    week3 = api_client.get(plan_url(plan, "weekly") + "/", {"week_number": 3}).json()
    assert (week3["start_date"], week3["end_date"]) == ("2025-03-17", "2025-03-19")
    week2 = api_client.get(plan_url(plan, "weekly"), {"week_number": 2}).json()
    assert [(r["distance_m"], r["notes"]) for r in week2["runs"]] == [(3_000, "shakeout")]


@pytest.mark.parametrize("week_number", ["0", "4", "two", ""])
def test_plan_weekly_summary_rejects_weeks_outside_the_plan(api_client, plan_data, week_number):
    plan, _, _ = plan_data
    response = api_client.get(plan_url(plan, "weekly"), {"week_number": week_number})
    assert_validation_error(response, "week_number")


def test_plan_weekly_summary_requires_week_number(api_client, plan_data):
    plan, _, _ = plan_data
    assert_validation_error(api_client.get(plan_url(plan, "weekly")), "week_number")


def test_plan_without_workouts_or_runs_is_all_zeros(api_client, runner, fixed_today):
    plan = PlanFactory(runner=runner)
    body = api_client.get(plan_url(plan, "analytics")).json()
    assert body["planned"] == {"distance_m": 0, "duration_s": 0, "workouts": 0}
    assert body["actual"] == {"distance_m": 0, "duration_s": 0, "runs": 0}
    assert body["adherence_percentage"] == 0
    assert body["compliance"] == []
    assert len(body["weeks"]) == 16
    assert api_client.get(plan_url(plan, "progress")).json()["adherence_percentage"] == 0


@pytest.mark.parametrize("suffix", ["analytics", "progress", "weekly"])
def test_another_runner_gets_404(other_api_client, plan_data, suffix):
    plan, _, _ = plan_data
    response = other_api_client.get(plan_url(plan, suffix), {"week_number": 1})
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


@pytest.mark.parametrize("suffix", ["analytics", "progress", "weekly"])
def test_coach_of_the_plan_can_read(coach_client, plan_data, fixed_today, suffix):
    plan, _, _ = plan_data
    response = coach_client.get(plan_url(plan, suffix), {"week_number": 1})
    assert response.status_code == 200


def test_other_coach_gets_404(client_for, other_coach, plan_data):
    plan, _, _ = plan_data
    assert client_for(other_coach).get(plan_url(plan, "analytics")).status_code == 404


def test_unknown_plan_is_404(api_client):
    response = api_client.get("/api/v1/analytics/plan/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404


def test_missed_uses_the_runners_timezone(runner, plan_data):
    """At 20:00 UTC on 11 March it is already 12 March in Auckland: W9 (11 March) is missed
    there but still due today in Honolulu."""
    plan, _, _ = plan_data
    moment = datetime(2025, 3, 11, 20, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        runner.profile.timezone = "Pacific/Auckland"
        runner.profile.save()
        assert selectors.plan_analytics(plan=plan).workouts.missed == 2
        runner.profile.timezone = "Pacific/Honolulu"
        runner.profile.save()
        assert selectors.plan_analytics(plan=plan).workouts.missed == 1


def test_superuser_sees_any_plan(client_for, plan_data, fixed_today):
    plan, _, _ = plan_data
    root = UserFactory(username="root2", is_staff=True, is_superuser=True)
    assert client_for(root).get(plan_url(plan, "analytics")).status_code == 200


def test_summary_training_paces_follow_the_vdot(api_client, summary_runs, fixed_today):
    body = api_client.get(SUMMARY).json()
    paces = body["training_paces"]
    assert set(paces) == {
        "easy_fast_s_per_km",
        "easy_slow_s_per_km",
        "marathon_s_per_km",
        "threshold_s_per_km",
        "interval_s_per_km",
        "repetition_s_per_km",
    }
    # VDOT ~40.0 (the 50:00 10 km): Daniels' Table 5.2 row 40 gives E 5:56-6:38, T 5:06,
    # I 4:42, R 4:21 per km; the VDOT here is 40.0 ± 0.05, worth under half a second.
    assert paces["easy_fast_s_per_km"] == pytest.approx(356, abs=1.5)
    assert paces["easy_slow_s_per_km"] == pytest.approx(398, abs=1.5)
    assert paces["threshold_s_per_km"] == pytest.approx(306, abs=1.5)
    assert paces["interval_s_per_km"] == pytest.approx(282, abs=1.5)
    assert paces["repetition_s_per_km"] == pytest.approx(261, abs=1.5)
    # Marathon pace is the VDOT's marathon race pace: 3:49:45 / 42.195 km = 5:26.7 per km.
    assert paces["marathon_s_per_km"] == pytest.approx(326.7, abs=1.5)


def test_summary_without_a_vdot_has_no_training_paces(api_client, fixed_today):
    assert api_client.get(SUMMARY).json()["training_paces"] is None
