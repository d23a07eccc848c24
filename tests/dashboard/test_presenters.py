"""dashboard.presenters.plan_calendar_weeks: the plan detail page's Monday-to-Sunday grid, built
from plain objects (no database)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from dashboard.presenters import CalendarWeek, plan_calendar_weeks

LOG_RUN_URL = "/runs/new/"


class _Runs:
    def __init__(self, runs: list) -> None:
        self._runs = runs

    def all(self) -> list:
        return self._runs


def _workout(pk: str, day: date, *, runs: tuple = (), rest: bool = False) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, scheduled_date=day, is_rest=rest, runs=_Runs(list(runs)))


def _run(url: str) -> SimpleNamespace:
    return SimpleNamespace(get_absolute_url=lambda: url)


# A plan from Wednesday 4 March to Tuesday 17 March 2026: three calendar rows.
PLAN = SimpleNamespace(start_date=date(2026, 3, 4), end_date=date(2026, 3, 17))


def _grid(workouts: list, *, today: date = date(2026, 3, 10), **kwargs) -> list[CalendarWeek]:
    options = {"bands": {}, "weeks_by_start": {}, "log_run_url": LOG_RUN_URL, **kwargs}
    return plan_calendar_weeks(plan=PLAN, workouts=workouts, today=today, **options)


def test_rows_run_monday_to_sunday_over_the_plans_dates():
    grid = _grid([])
    assert [week.monday for week in grid] == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert all(len(week.cells) == 7 for week in grid)
    first = grid[0].cells
    assert [cell.in_plan for cell in first] == [False, False, True, True, True, True, True]
    assert [cell.in_plan for cell in grid[2].cells] == [True, True] + [False] * 5


def test_today_marks_its_cell_and_its_row_and_later_rows_are_future():
    grid = _grid([], today=date(2026, 3, 10))
    assert [cell.day for week in grid for cell in week.cells if cell.is_today] == [
        date(2026, 3, 10)
    ]
    assert [(week.current, week.future) for week in grid] == [
        (False, False),
        (True, False),
        (False, True),
    ]


def test_chips_link_a_done_workout_to_its_run_and_an_upcoming_one_to_the_log_form():
    done = _workout("w1", date(2026, 3, 4), runs=(_run("/runs/r1/"), _run("/runs/r2/")))
    upcoming = _workout("w2", date(2026, 3, 12))
    missed = _workout("w3", date(2026, 3, 5))
    rest = _workout("w4", date(2026, 3, 6), rest=True)
    bands = {"w1": "green", "w3": "missed"}
    grid = _grid([done, upcoming, missed, rest], bands=bands)
    items = {item.workout.pk: item for week in grid for cell in week.cells for item in cell.items}
    assert (items["w1"].band, items["w1"].band_label, items["w1"].href) == (
        "green",
        "On target",
        "/runs/r1/",
    )
    assert (items["w2"].band, items["w2"].href) == ("upcoming", f"{LOG_RUN_URL}?workout=w2")
    assert (items["w3"].band_label, items["w3"].href) == ("Missed", None)
    assert (items["w4"].band, items["w4"].href) == ("rest", None)


def test_a_coach_gets_no_log_run_link():
    grid = _grid([_workout("w2", date(2026, 3, 12))], log_run_url=None)
    (item,) = [item for week in grid for cell in week.cells for item in cell.items]
    assert item.href is None


def test_each_row_carries_the_plan_week_starting_inside_it():
    plan_week = SimpleNamespace(number=1)
    grid = _grid([], weeks_by_start={date(2026, 3, 4): plan_week})
    assert [week.week for week in grid] == [plan_week, None, None]
