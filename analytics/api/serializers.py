"""The analytics API's serializers: query parameters in, typed results out (one serializer per
``analytics.types`` dataclass, so the OpenAPI schema documents every field and its unit), and the
summary body built without DRF's nested serializers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from analytics.types import PlanAnalytics, PlanProgress, RunBrief, RunnerSummary
from training.models import EARLIEST_DATE, LATEST_DATE

PERIOD_CHOICES = ("week", "month", "year", "all")


# --- Query parameters -----------------------------------------------------------------------------
def _with_from_field(
    fields: dict[str, Any], field: serializers.Field[Any, Any, Any, Any]
) -> dict[str, Any]:
    """``from`` is a Python keyword, so it cannot be a class attribute; put it first."""
    return {"from": field, **fields}


class SummaryQuerySerializer(serializers.Serializer[Any]):
    period = serializers.ChoiceField(
        choices=PERIOD_CHOICES,
        required=False,
        help_text=(
            "Calendar period ending today in the runner's time zone: week (ISO week from "
            "Monday), month, year or all. Default: all. Not combinable with from/to."
        ),
    )
    to = serializers.DateField(
        required=False, help_text="Last local day of the period (inclusive). Default: today."
    )

    def get_fields(self) -> dict[str, Any]:
        return _with_from_field(
            super().get_fields(),
            serializers.DateField(
                required=False,
                help_text="First local day of the period (inclusive). Default: the first run.",
            ),
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "period" in attrs and ("from" in attrs or "to" in attrs):
            raise serializers.ValidationError(
                {"period": "Give either period or from/to, not both."}
            )
        for name in ("from", "to"):
            # Far outside the stored dates, week and period arithmetic leaves the calendar.
            if name in attrs and not EARLIEST_DATE <= attrs[name] <= LATEST_DATE:
                raise serializers.ValidationError(
                    {name: f"Give a date between {EARLIEST_DATE} and {LATEST_DATE}."}
                )
        if "from" in attrs and "to" in attrs and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"from": "from must not be after to."})
        return attrs


class WeekNumberQuerySerializer(serializers.Serializer[Any]):
    week_number = serializers.IntegerField(
        min_value=1, help_text="Plan week, 1 = the seven days from the plan's start date."
    )


# --- Summary response -----------------------------------------------------------------------------
class PeriodSerializer(serializers.Serializer[Any]):
    to = serializers.DateField(source="date_to", help_text="Last local day covered (inclusive).")

    def get_fields(self) -> dict[str, Any]:
        return _with_from_field(
            super().get_fields(),
            serializers.DateField(
                source="date_from",
                allow_null=True,
                help_text="First local day covered (inclusive); null for all time with no runs.",
            ),
        )


class TotalsSerializer(serializers.Serializer[Any]):
    runs = serializers.IntegerField(help_text="Number of runs in the period.")
    distance_m = serializers.FloatField(help_text="Total distance, metres.")
    duration_s = serializers.IntegerField(help_text="Total moving time, seconds.")
    elevation_gain_m = serializers.FloatField(help_text="Total elevation gain, metres.")
    avg_pace_s_per_km = serializers.FloatField(
        allow_null=True,
        help_text="Total moving time ÷ total distance, seconds per km; null without runs.",
    )


class RunBriefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="Run id.")
    started_at = serializers.DateTimeField(help_text="Start time, ISO 8601 with offset.")
    distance_m = serializers.FloatField(help_text="Distance, metres.")
    duration_s = serializers.IntegerField(help_text="Moving time, seconds.")
    pace_s_per_km = serializers.FloatField(
        allow_null=True, help_text="Average moving pace, seconds per km."
    )


class WeekTotalsSerializer(serializers.Serializer[Any]):
    week_start = serializers.DateField(help_text="Monday of the ISO week (local days).")
    distance_m = serializers.FloatField(help_text="Distance run that week, metres.")
    duration_s = serializers.IntegerField(help_text="Moving time that week, seconds.")
    runs = serializers.IntegerField(help_text="Runs that week.")


class PersonalBestSerializer(serializers.Serializer[Any]):
    distance_m = serializers.FloatField(
        help_text="Distance, metres: 400, 1000, 1609.344, 5000, 10000, 21097.5 or 42195."
    )
    duration_s = serializers.FloatField(
        help_text=(
            "Best time, seconds: the fastest stored best effort of a run, or a run 0-5 % longer "
            "than the distance with its time prorated to it (docs/API.md, Best efforts)."
        )
    )
    run_id = serializers.UUIDField(help_text="The run it comes from.")
    started_at = serializers.DateTimeField(help_text="Start of that run, ISO 8601 with offset.")


class PredictionSerializer(serializers.Serializer[Any]):
    distance_m = serializers.FloatField(help_text="Race distance, metres.")
    riegel_s = serializers.FloatField(help_text="Riegel prediction T1·(D2/D1)^1.06, seconds.")
    vdot_s = serializers.FloatField(help_text="Daniels-Gilbert VDOT-equivalent time, seconds.")


class LoadPointSerializer(serializers.Serializer[Any]):
    date = serializers.DateField(source="day", help_text="Local day.")
    load = serializers.FloatField(
        help_text=(
            "Daily load, arbitrary units: session RPE x minutes, else Banister TRIMP, "
            "else minutes, summed over the day's runs."
        )
    )
    atl = serializers.FloatField(help_text="Acute training load (7-day EWMA) after the day.")
    ctl = serializers.FloatField(help_text="Chronic training load (42-day EWMA) after the day.")
    tsb = serializers.FloatField(help_text="Form: previous day's CTL minus previous day's ATL.")


class TrainingLoadSerializer(serializers.Serializer[Any]):
    atl = serializers.FloatField(help_text="Acute training load today (7-day EWMA).")
    ctl = serializers.FloatField(help_text="Chronic training load today (42-day EWMA).")
    tsb = serializers.FloatField(help_text="Form today: yesterday's CTL minus yesterday's ATL.")
    acwr = serializers.FloatField(
        allow_null=True, help_text="Acute:chronic ratio ATL ÷ CTL; null while CTL is zero."
    )
    series = LoadPointSerializer(many=True, help_text="The last 90 days, oldest first.")


class TrainingPacesSerializer(serializers.Serializer[Any]):
    easy_fast_s_per_km = serializers.FloatField(help_text="Fast end of the easy range, s/km.")
    easy_slow_s_per_km = serializers.FloatField(help_text="Slow end of the easy range, s/km.")
    marathon_s_per_km = serializers.FloatField(help_text="Marathon pace (M), s/km.")
    threshold_s_per_km = serializers.FloatField(help_text="Threshold pace (T), s/km.")
    interval_s_per_km = serializers.FloatField(help_text="Interval pace (I), s/km.")
    repetition_s_per_km = serializers.FloatField(help_text="Repetition pace (R), s/km.")


class SummarySerializer(serializers.Serializer[Any]):
    period = PeriodSerializer()
    totals = TotalsSerializer()
    longest_run = RunBriefSerializer(allow_null=True, help_text="Longest run in the period.")
    fastest_run = RunBriefSerializer(
        allow_null=True, help_text="Run of at least 1 km with the fastest pace in the period."
    )
    weekly = WeekTotalsSerializer(
        many=True, help_text="The 12 ISO weeks ending with the week of period.to, oldest first."
    )
    personal_bests = PersonalBestSerializer(many=True, help_text="All-time bests up to today.")
    vdot = serializers.FloatField(
        allow_null=True,
        help_text="VDOT of the last 90 days' best effort with the highest VDOT (ml/kg/min).",
    )
    predictions = PredictionSerializer(
        many=True, help_text="5 km, 10 km, half and full marathon from that best effort."
    )
    training_load = TrainingLoadSerializer()
    streak_weeks = serializers.IntegerField(
        help_text="Consecutive ISO weeks with a run, counting back from this week."
    )
    training_paces = TrainingPacesSerializer(
        allow_null=True,
        help_text="Daniels' training paces of `vdot` (docs/API.md, Training paces); null "
        "without a VDOT.",
    )


# --- Plan responses -------------------------------------------------------------------------------
class PlannedTotalsSerializer(serializers.Serializer[Any]):
    distance_m = serializers.FloatField(help_text="Planned distance, metres (rest days excluded).")
    duration_s = serializers.IntegerField(help_text="Planned duration, seconds.")
    workouts = serializers.IntegerField(help_text="Planned workouts, rest days excluded.")


class ActualTotalsSerializer(serializers.Serializer[Any]):
    distance_m = serializers.FloatField(help_text="Distance of the plan's runs, metres.")
    duration_s = serializers.IntegerField(help_text="Moving time of the plan's runs, seconds.")
    runs = serializers.IntegerField(help_text="Runs linked to the plan.")


class WorkoutCountsSerializer(serializers.Serializer[Any]):
    completed = serializers.IntegerField(help_text="Workouts with at least one linked run.")
    missed = serializers.IntegerField(
        help_text="Workouts scheduled before today (runner's time zone) with no linked run."
    )
    upcoming = serializers.IntegerField(help_text="Workouts due today or later, not yet done.")


class PlanWeekSerializer(serializers.Serializer[Any]):
    week_number = serializers.IntegerField(help_text="1 = the plan's first seven days.")
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="Six days after start_date, or the plan's end.")
    planned_distance_m = serializers.FloatField(help_text="Metres.")
    actual_distance_m = serializers.FloatField(help_text="Metres run on the plan that week.")
    planned_workouts = serializers.IntegerField()
    completed_workouts = serializers.IntegerField()


class ComplianceSerializer(serializers.Serializer[Any]):
    workout_id = serializers.UUIDField()
    scheduled_date = serializers.DateField()
    ratio = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Actual ÷ planned distance (or duration when no distance is planned), as a "
            "fraction; null when the workout plans neither."
        ),
    )
    band = serializers.ChoiceField(
        choices=("green", "yellow", "red", "missed"),
        help_text=(
            "green 0.8 ≤ ratio ≤ 1.2; yellow 0.5 ≤ ratio < 0.8 or 1.2 < ratio ≤ 1.5; red "
            "otherwise; missed when due and not done."
        ),
    )


class PlanAnalyticsSerializer(serializers.Serializer[Any]):
    plan_id = serializers.UUIDField()
    planned = PlannedTotalsSerializer()
    actual = ActualTotalsSerializer()
    workouts = WorkoutCountsSerializer()
    adherence_percentage = serializers.FloatField(
        help_text="completed ÷ (completed + missed) x 100; 0 when nothing is due yet."
    )
    weeks = PlanWeekSerializer(many=True)
    compliance = ComplianceSerializer(
        many=True, help_text="Completed and missed workouts; upcoming ones are left out."
    )


class PlanProgressSerializer(serializers.Serializer[Any]):
    total_workouts = serializers.IntegerField(help_text="Workouts, rest days excluded.")
    completed_workouts = serializers.IntegerField()
    pending_workouts = serializers.IntegerField(help_text="Not yet completed (missed or upcoming).")
    total_planned_distance = serializers.FloatField(help_text="Metres.")
    total_actual_distance = serializers.FloatField(help_text="Metres.")
    adherence_percentage = serializers.FloatField(
        help_text="completed ÷ (completed + missed) x 100; 0 when nothing is due yet."
    )


class WeekRunSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    started_at = serializers.DateTimeField()
    distance_m = serializers.FloatField(help_text="Metres.")
    pace_s_per_km = serializers.FloatField(allow_null=True, help_text="Seconds per km.")
    notes = serializers.CharField(allow_blank=True)


class PlanWeekSummarySerializer(serializers.Serializer[Any]):
    week_number = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    planned_distance = serializers.FloatField(help_text="Metres, rest days excluded.")
    total_distance = serializers.FloatField(help_text="Metres run on the plan that week.")
    planned_runs = serializers.IntegerField(help_text="Planned workouts, rest days excluded.")
    completed_runs = serializers.IntegerField(help_text="Those with at least one linked run.")
    runs = WeekRunSerializer(many=True, help_text="The plan's runs that week, oldest first.")


# --- Lean summary body ----------------------------------------------------------------------------
def _iso_datetime(value: datetime, tz: tzinfo) -> str:
    # DRF's DateTimeField output: in the current time zone, ``Z`` for UTC.
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _nullable_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _run_brief(run: RunBrief | None, tz: tzinfo) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": str(run.id),
        "started_at": _iso_datetime(run.started_at, tz),
        "distance_m": float(run.distance_m),
        "duration_s": int(run.duration_s),
        "pace_s_per_km": _nullable_float(run.pace_s_per_km),
    }


def summary_data(summary: RunnerSummary) -> dict[str, Any]:
    """``SummarySerializer(summary).data`` built directly (tests/analytics/test_lean_summary.py
    proves the two equal). The nested serializers' per-field work for ~600 values was the
    largest Python cost of the summary after its queries (docs/PERFORMANCE.md); the serializer
    classes above still document the schema."""
    tz = timezone.get_current_timezone()
    totals, load = summary.totals, summary.training_load
    period_from = summary.period.date_from
    return {
        "period": {
            "from": period_from.isoformat() if period_from else None,
            "to": summary.period.date_to.isoformat(),
        },
        "totals": {
            "runs": int(totals.runs),
            "distance_m": float(totals.distance_m),
            "duration_s": int(totals.duration_s),
            "elevation_gain_m": float(totals.elevation_gain_m),
            "avg_pace_s_per_km": _nullable_float(totals.avg_pace_s_per_km),
        },
        "longest_run": _run_brief(summary.longest_run, tz),
        "fastest_run": _run_brief(summary.fastest_run, tz),
        "weekly": [
            {
                "week_start": w.week_start.isoformat(),
                "distance_m": float(w.distance_m),
                "duration_s": int(w.duration_s),
                "runs": int(w.runs),
            }
            for w in summary.weekly
        ],
        "personal_bests": [
            {
                "distance_m": float(pb.distance_m),
                "duration_s": float(pb.duration_s),
                "run_id": str(pb.run_id),
                "started_at": _iso_datetime(pb.started_at, tz),
            }
            for pb in summary.personal_bests
        ],
        "vdot": _nullable_float(summary.vdot),
        "predictions": [
            {
                "distance_m": float(p.distance_m),
                "riegel_s": float(p.riegel_s),
                "vdot_s": float(p.vdot_s),
            }
            for p in summary.predictions
        ],
        "training_load": {
            "atl": float(load.atl),
            "ctl": float(load.ctl),
            "tsb": float(load.tsb),
            "acwr": _nullable_float(load.acwr),
            "series": [
                {
                    "date": point.day.isoformat(),
                    "load": float(point.load),
                    "atl": float(point.atl),
                    "ctl": float(point.ctl),
                    "tsb": float(point.tsb),
                }
                for point in load.series
            ],
        },
        "streak_weeks": int(summary.streak_weeks),
        "training_paces": (
            {name: float(value) for name, value in asdict(summary.training_paces).items()}
            if summary.training_paces is not None
            else None
        ),
    }


# --- Lean plan bodies -----------------------------------------------------------------------------
def plan_analytics_data(analytics: PlanAnalytics) -> dict[str, Any]:
    """``PlanAnalyticsSerializer(analytics).data`` built directly (tests/analytics/
    test_plan_one_query.py proves the two equal): DRF's nested serializers spent longer on the
    ~16 weeks and ~100 compliance rows of a plan than its query (docs/PERFORMANCE.md)."""
    planned, actual, counts = analytics.planned, analytics.actual, analytics.workouts
    return {
        "plan_id": str(analytics.plan_id),
        "planned": {
            "distance_m": float(planned.distance_m),
            "duration_s": int(planned.duration_s),
            "workouts": int(planned.workouts),
        },
        "actual": {
            "distance_m": float(actual.distance_m),
            "duration_s": int(actual.duration_s),
            "runs": int(actual.runs),
        },
        "workouts": {
            "completed": int(counts.completed),
            "missed": int(counts.missed),
            "upcoming": int(counts.upcoming),
        },
        "adherence_percentage": float(analytics.adherence_percentage),
        "weeks": [
            {
                "week_number": int(week.week_number),
                "start_date": week.start_date.isoformat(),
                "end_date": week.end_date.isoformat(),
                "planned_distance_m": float(week.planned_distance_m),
                "actual_distance_m": float(week.actual_distance_m),
                "planned_workouts": int(week.planned_workouts),
                "completed_workouts": int(week.completed_workouts),
            }
            for week in analytics.weeks
        ],
        "compliance": [
            {
                "workout_id": str(item.workout_id),
                "scheduled_date": item.scheduled_date.isoformat(),
                "ratio": _nullable_float(item.ratio),
                "band": item.band,
            }
            for item in analytics.compliance
        ],
    }


def plan_progress_data(progress: PlanProgress) -> dict[str, Any]:
    """``PlanProgressSerializer(progress).data`` built directly (same test as above)."""
    return {
        "total_workouts": int(progress.total_workouts),
        "completed_workouts": int(progress.completed_workouts),
        "pending_workouts": int(progress.pending_workouts),
        "total_planned_distance": float(progress.total_planned_distance),
        "total_actual_distance": float(progress.total_actual_distance),
        "adherence_percentage": float(progress.adherence_percentage),
    }
