"""Daniels' training paces on the home and profile pages, in the runner's units, and a week's
workouts showing their pace zones resolved to the runner's own paces."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tests.helpers import this_monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def vdot_50(runner):
    """A 19:57 5 km two days ago: Daniels' VDOT 50 (Table 5.2: E 4:56-5:34, M 4:31, T 4:15,
    I 3:55, R 3:41 per km)."""
    return RunFactory(
        runner=runner,
        started_at=timezone.now() - timedelta(days=2),
        distance_m=5_000,
        duration_s=19 * 60 + 57,
    )


def seconds(text: str) -> int:
    minutes, secs = text.split(":")
    return int(minutes) * 60 + int(secs)


def paces_table(html: str) -> str:
    start = html.index('data-testid="training-paces"')
    return html[start : html.index("</table>", start)]


@pytest.mark.parametrize("path", ["/", "/profile/"])
def test_pages_show_the_training_paces_per_km(web, vdot_50, path):
    table = paces_table(web.get(path).content.decode())
    for zone, pace in [
        ("Easy", "4:56"),
        ("Marathon", "4:31"),
        ("Threshold", "4:15"),
        ("Interval", "3:55"),
        ("Repetition", "3:41"),
    ]:
        row = table[table.index(zone) :].split("</tr>")[0]
        shown = re.search(r"(\d+):(\d\d)", row.split("<td")[1])
        # Whole seconds on the page, the table's within 1 s/km (tests/analytics/test_science.py).
        assert abs(seconds(shown.group(0)) - seconds(pace)) <= 1, (zone, row)


def test_profile_shows_the_paces_per_mile_for_a_runner_in_miles(web, runner, vdot_50):
    runner.profile.units = "mi"
    runner.profile.save()
    table = paces_table(web.get("/profile/").content.decode())
    # Daniels' Table 5.2 lists T for VDOT 50 as 4:15 per km and 6:51 per mile.
    row = table[table.index("Threshold") :].split("</tr>")[0]
    assert "6:51" in row and "/mi" in row


def test_without_a_recent_effort_the_pages_say_how_to_get_paces(web):
    html = web.get("/profile/").content.decode()
    assert 'data-testid="training-paces"' not in html
    assert "to get your training paces" in html


def test_a_workout_with_a_pace_zone_shows_the_runners_own_pace(web, runner, vdot_50):
    monday = this_monday()
    plan = PlanFactory(runner=runner, start_date=monday, end_date=monday + timedelta(days=6))
    WorkoutFactory(
        plan=plan,
        scheduled_date=monday + timedelta(days=timezone.localdate().weekday()),
        name="Cruise miles",
        steps=[{"kind": "work", "repeat": 3, "distance_m": 1609, "pace_zone": "threshold"}],
    )
    html = web.get("/").content.decode()
    chip = html[html.index("Cruise miles") :]
    chip = chip[: chip.index("</div>", chip.index("plan-line"))]
    assert "Threshold 4:15" in chip
