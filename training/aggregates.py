"""The per-runner aggregates the analytics summary reads instead of the runs: ``RunnerDay`` and
``RunnerWeek`` (a runner's runs of one local day and of one ISO week, summed) and
``RunnerEffort`` (each run's efforts at the standard distances), docs/ARCHITECTURE.md, Data
model.

Every write of a run goes through ``Run.save``, ``Run.delete`` or ``RunQuerySet`` (``update``,
``delete``, ``bulk_create``, and ``bulk_update`` through ``update``), which call the functions
here in the same transaction; ``run_track_set`` rewrites a run's ``RunnerEffort`` rows when it
stores the run's best efforts, and a profile whose heart rates or sex change rebuilds its days'
loads.
Writes that bypass the ORM (the benchmark loader's COPY) call ``rebuild``. Each refresh
recomputes the touched days or runs from the runs themselves, so nothing drifts.

The same writes give the runner's run list a new version (``RunListVersion``, ``bump_versions``),
under the runner's lock, which a conditional GET of the run list compares with the cache
(``tracker.page_etags``); a write that leaves the aggregates valid takes the lock and the new
version alone (``runs_written``). Each new version is also copied into the cache, marked before
it is written and settled after the commit (``tracker.version_mirror``).
"""

from __future__ import annotations

import functools
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from analytics.science import BEST_EFFORT_DISTANCES_M, prorated_effort_s, session_load
from tracker import version_mirror
from tracker.database import prepared_cursor

if TYPE_CHECKING:
    from training.models import Run, RunnerDay, RunnerEffort, RunnerWeek

# The run columns the aggregates are made of: a write touching none of them leaves them valid.
AGGREGATED_RUN_FIELDS = frozenset(
    {
        "runner",
        "runner_id",
        "started_at",
        "timezone",
        "local_date",
        "distance_m",
        "duration_s",
        "elevation_gain_m",
        "perceived_effort",
        "avg_heart_rate",
    }
)
# (max_hr, resting_hr, sex) of the profile a day's load was computed with; a runner without a
# profile is read with neither heart rate and an unspecified sex (analytics.selectors).
LoadSignature = tuple[int | None, int | None, str]
NO_PROFILE_SIGNATURE: LoadSignature = (None, None, "unspecified")
_DAY_RUN_COLUMNS = (
    "local_date",
    "distance_m",
    "duration_s",
    "elevation_gain_m",
    "perceived_effort",
    "avg_heart_rate",
)
_BATCH_ROWS = 5_000
# The sums a RunnerDay and a RunnerWeek row both hold, in the order their readers take them.
SUMMED_COLUMNS = (
    "runs",
    "distance_m",
    "distance_m_residual",
    "duration_s",
    "elevation_gain_m",
    "elevation_gain_m_residual",
)


def exact_sum(values: list[float]) -> tuple[float, float]:
    """The correctly rounded sum of ``values`` and the correctly rounded remainder of the exact
    sum: ``math.fsum`` over many such pairs gives the correctly rounded sum of all the values
    (the remainder's own rounding is some 2**-100 of the sum, far below the last bit)."""
    total = math.fsum(values)
    return total, math.fsum([*values, -total])


def session_loads(rows: Iterable[tuple[Any, ...]], signature: LoadSignature) -> list[float]:
    """The training load of each of one day's ``(duration_s, perceived_effort, avg_heart_rate)``
    rows; a day's load is their ``math.fsum``, as ``analytics.selectors`` adds a day's sessions
    up."""
    max_hr, resting_hr, sex = signature
    return [
        session_load(
            duration_s=duration_s,
            perceived_effort=effort,
            avg_hr_bpm=avg_hr,
            max_hr_bpm=max_hr,
            resting_hr_bpm=resting_hr,
            sex=sex,
        )
        for duration_s, effort, avg_hr in rows
    ]


def load_profile_key(signature: LoadSignature) -> str:
    """``RunnerDay.load_profile``: the profile a day's load was computed with, as one string."""
    max_hr, resting_hr, sex = signature
    return f"{max_hr}/{resting_hr}/{sex}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_row(
    runner_id: int, monday: date, days: list[Any], week_model: type[RunnerWeek] | None = None
) -> RunnerWeek:
    """A week from its ``RunnerDay`` rows (at least one)."""
    from training.models import RunnerWeek

    distance_m, distance_residual = exact_sum(
        [part for d in days for part in (d.distance_m, d.distance_m_residual)]
    )
    elevation_m, elevation_residual = exact_sum(
        [part for d in days for part in (d.elevation_gain_m, d.elevation_gain_m_residual)]
    )
    return (week_model or RunnerWeek)(
        runner_id=runner_id,
        week_start=monday,
        runs=sum(d.runs for d in days),
        distance_m=distance_m,
        distance_m_residual=distance_residual,
        duration_s=sum(d.duration_s for d in days),
        elevation_gain_m=elevation_m,
        elevation_gain_m_residual=elevation_residual,
        first_day=min(d.local_date for d in days),
    )


def _day_row(
    runner_id: int,
    day: date,
    runs: list[tuple[Any, ...]],
    signature: LoadSignature,
    day_model: type[RunnerDay] | None = None,
) -> RunnerDay:
    """``runs``: ``_DAY_RUN_COLUMNS`` without the date."""
    from training.models import RunnerDay

    distance_m, distance_residual = exact_sum([r[0] for r in runs])
    elevation_m, elevation_residual = exact_sum([r[2] for r in runs if r[2] is not None])
    load, load_residual = exact_sum(session_loads(((r[1], r[3], r[4]) for r in runs), signature))
    model = day_model or RunnerDay
    row = model(
        runner_id=runner_id,
        local_date=day,
        runs=len(runs),
        distance_m=distance_m,
        distance_m_residual=distance_residual,
        duration_s=sum(r[1] for r in runs),
        elevation_gain_m=elevation_m,
        elevation_gain_m_residual=elevation_residual,
        load=load,
        load_profile=load_profile_key(signature),
    )
    # Migration 0011 rebuilds through its historical model, which predates the column.
    if hasattr(row, "load_residual"):
        row.load_residual = load_residual
    return row


def _upsert(model: Any, rows: list[Any], unique_fields: list[str]) -> None:
    model.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=[
            f.name for f in model._meta.concrete_fields if f.name not in {"id", *unique_fields}
        ],
    )


def _lock_runners(runner_ids: Iterable[int]) -> None:
    """Serialise aggregate refreshes per runner until the write commits.

    Each refresh recomputes rows from the runs it can see: two transactions adding runs to
    the same day at once would each miss the other's run, and the last upsert would win. With
    this lock the second waits, and its next statement (READ COMMITTED) sees the first's runs.
    ``NO KEY UPDATE``, not ``UPDATE``: inserting a run takes ``KEY SHARE`` on its runner, which
    ``UPDATE`` would wait for (two inserts would deadlock) and ``NO KEY UPDATE`` does not.
    Taken in id order, so refreshes spanning runners cannot deadlock. SQLite serialises
    writers anyway and ignores it.
    """
    from django.contrib.auth import get_user_model

    list(
        get_user_model()
        .objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(runner_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def new_version() -> int:
    """A run list's next version (``RunListVersion``): random, so that no value ever comes
    back (from the OS's generator: gunicorn's forked workers share ``random``'s state)."""
    return secrets.randbits(62)


def bump_versions(runner_ids: Iterable[int], version_model: Any = None) -> None:
    """New versions for these runners' run lists, in the caller's transaction, whose locks on
    the runners (``_lock_runners``) it must already hold: one upsert per ``_BATCH_ROWS``
    runners. ``version_model``: a migration's historical ``RunListVersion``."""
    if version_model is None:
        from training.models import RunListVersion as version_model
    ids = sorted(set(runner_ids))
    for start in range(0, len(ids), _BATCH_ROWS):
        rows = [
            version_model(runner_id=r, version=new_version())
            for r in ids[start : start + _BATCH_ROWS]
        ]
        with version_mirror.changing(
            version_mirror.RUN_LIST_VERSIONS, {row.runner_id: row.version for row in rows}
        ):
            version_model.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["runner"], update_fields=["version"]
            )


def runs_written(runner_ids: Iterable[int]) -> None:
    """For a write of runs that leaves the aggregates valid (no field they read changed): the
    runners' locks and new list versions, as a refresh would take them."""
    ids = sorted(set(runner_ids))
    if len(ids) == 1:
        _lock_runner(ids[0])  # prepared on PostgreSQL
    elif ids:
        _lock_runners(ids)
    bump_versions(ids)


def lock_runner_owning(owner_ids: Any) -> None:
    """Take the runner's lock for an object about to be locked and deleted whose deletion
    updates runs (a plan, a workout, a shoe: ``owner_ids``, a ``values`` queryset of that
    object's runner id), **before** the object's own row lock.

    A run logged against the object holds its runner's lock until it commits, and only then
    checks its foreign key, waiting for the object's lock; the deletion's update of the runs
    takes the runner's lock (``runs_written``). Taken in that order by the deletion, the two
    would wait for each other (a deadlock, tests/reliability/test_concurrency.py); taken first,
    the deletion simply waits for the run to commit. One query."""
    from django.contrib.auth import get_user_model

    list(
        get_user_model()
        .objects.select_for_update(no_key=True)
        .filter(pk__in=owner_ids)
        .values_list("pk", flat=True)
    )


def refresh_days(days: Iterable[tuple[Any, Any]]) -> None:
    """Recompute the ``RunnerDay`` rows of these (runner id, local day) pairs, and the
    ``RunnerWeek`` rows of their weeks, from the runs of those weeks: a lock on the runners, then
    three queries per runner (the weeks' runs with the profile, two upserts), one more for each
    kind of row that lost its last run."""
    from training.models import Run, RunnerDay, RunnerWeek

    days_by_runner: dict[int, set[date]] = defaultdict(set)
    for runner_id, day in days:
        days_by_runner[runner_id].add(day)
    if not days_by_runner:
        return
    _lock_runners(days_by_runner.keys())
    bump_versions(days_by_runner.keys())
    for runner_id, wanted in days_by_runner.items():
        mondays = {week_start(day) for day in wanted}
        week_days = sorted(monday + timedelta(days=n) for monday in mondays for n in range(7))
        signature = NO_PROFILE_SIGNATURE
        runs_by_day: dict[date, list[tuple[Any, ...]]] = defaultdict(list)
        # The profile's columns joined in (NULL without a profile) rather than a query of
        # their own: every run write pays for this.
        rows = (
            Run.objects.filter(runner_id=runner_id, local_date__in=week_days)
            .order_by()
            .values_list(
                *_DAY_RUN_COLUMNS,
                "runner__profile__max_hr",
                "runner__profile__resting_hr",
                "runner__profile__sex",
            )
        )
        for row in rows:
            day, *values, max_hr, resting_hr, sex = row
            runs_by_day[day].append(tuple(values))
            if sex is not None:
                signature = (max_hr, resting_hr, sex)
        day_rows = {
            day: _day_row(runner_id, day, runs, signature) for day, runs in runs_by_day.items()
        }
        # Only the wanted days are written: the week's other days are unchanged.
        if changed := [row for day, row in day_rows.items() if day in wanted]:
            _upsert(RunnerDay, changed, ["runner", "local_date"])
        if emptied_days := wanted - day_rows.keys():
            RunnerDay.objects.filter(
                runner_id=runner_id, local_date__in=sorted(emptied_days)
            ).delete()
        rows_by_week: dict[date, list[Any]] = defaultdict(list)
        for day, day_row in day_rows.items():
            rows_by_week[week_start(day)].append(day_row)
        if rows_by_week:
            _upsert(
                RunnerWeek,
                [_week_row(runner_id, monday, rows) for monday, rows in rows_by_week.items()],
                ["runner", "week_start"],
            )
        if emptied_weeks := mondays - rows_by_week.keys():
            RunnerWeek.objects.filter(
                runner_id=runner_id, week_start__in=sorted(emptied_weeks)
            ).delete()


def _add_exactly(total: float, residual: float, value: float) -> tuple[float, float]:
    """``exact_sum`` of the values behind ``(total, residual)`` and one more, without them.

    ``total + residual`` is the exact sum whenever the remainder fits in a double, which needs
    the summed values to lie within 2**53 of each other (a millimetre against nine billion
    kilometres): then this is bit for bit what ``exact_sum`` over all the values gives."""
    new_total = math.fsum([total, residual, value])
    return new_total, math.fsum([total, residual, value, -new_total])


def _day_and_week(runner_id: int, day: date, monday: date) -> tuple[Any, ...] | None:
    """The runner's profile load signature and rows for ``day`` and its week, in one statement
    (NULLs where there are none); ``None`` if there is no such runner.

    Read after ``_lock_runner``, never in its statement: under READ COMMITTED a locking
    statement that waited re-reads only the locked row, and would see the day and week as
    they were before the transaction it waited for (a test with eight writers catches it)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from training.models import RunnerDay, RunnerProfile, RunnerWeek

    def columns(alias: str, names: tuple[str, ...]) -> str:
        return ", ".join(f'{alias}."{name}"' for name in names)

    # Only identifiers from the models' own metadata are formatted in; values are parameters.
    sql = (
        f"SELECT {columns('p', ('max_hr', 'resting_hr', 'sex'))}, "  # noqa: S608
        f"{columns('d', _ADDED_DAY_COLUMNS)}, {columns('w', _ADDED_WEEK_COLUMNS)} "
        f'FROM "{get_user_model()._meta.db_table}" u '
        f'LEFT JOIN "{RunnerProfile._meta.db_table}" p ON p."user_id" = u."id" '
        f'LEFT JOIN "{RunnerDay._meta.db_table}" d '
        f'ON d."runner_id" = u."id" AND d."local_date" = %s '
        f'LEFT JOIN "{RunnerWeek._meta.db_table}" w '
        f'ON w."runner_id" = u."id" AND w."week_start" = %s '
        f'WHERE u."id" = %s'
    )
    adapt = connection.ops.adapt_datefield_value
    with prepared_cursor() as cursor:
        cursor.execute(sql, [adapt(day), adapt(monday), runner_id])
        return cursor.fetchone()


def _lock_runner(runner_id: int) -> None:
    """``_lock_runners`` for one runner, as a statement PostgreSQL prepares once per connection
    (the ORM's would be compiled on every run written)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    if connection.vendor != "postgresql":
        _lock_runners([runner_id])
        return
    # The table's name from its model; the id is a parameter.
    meta = get_user_model()._meta
    sql = f'SELECT 1 FROM "{meta.db_table}" WHERE "{meta.pk.column}" = %s FOR NO KEY UPDATE'  # noqa: S608
    with prepared_cursor() as cursor:
        cursor.execute(sql, [runner_id])


@functools.cache
def _upsert_sql(model: Any, unique_columns: tuple[str, ...]) -> tuple[str, list[Any]]:
    """``_upsert``'s statement for one row of ``model``, and the fields its parameters come
    from, in order."""
    fields = [f for f in model._meta.concrete_fields if f.name != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    updates = ", ".join(
        f'"{f.column}" = EXCLUDED."{f.column}"' for f in fields if f.column not in unique_columns
    )
    conflict = ", ".join(f'"{column}"' for column in unique_columns)
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({values}) '  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    return sql, fields


# SQL text and its parameters, as a cursor executes them (not tracker.statements.Statement,
# a compiled queryset).
SqlAndParams = tuple[str, list[Any]]
# A row add_run writes, as attributes named like its model's fields' attnames: building the
# model instances (Django's Model.__init__ for three rows) was 4 % of a create.
Row = SimpleNamespace


def _instance(model: Any, row: Any) -> Any:
    return row if isinstance(row, model) else model(**vars(row))


@functools.cache
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    values = ", ".join(["%s"] * len(columns))
    names = ", ".join(f'"{column}"' for column in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({values})'  # noqa: S608


def insert_statement(instance: Any, fields: Sequence[Any]) -> SqlAndParams | None:
    """The INSERT of one new row of ``instance``'s model into ``fields``, its values prepared as
    Django's insert compiler prepares them (each field's ``pre_save`` and ``get_db_prep_save``),
    with its text built once per model and set of columns, where the compiler builds it for
    every row (a create's cost in ``Run._do_insert``). ``None`` when a value is an expression,
    which only the compiler can turn into SQL."""
    from django.db import connection

    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return None
    sql = _insert_sql(instance._meta.db_table, tuple(field.column for field in fields))
    return sql, [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values, strict=True)
    ]


def _execute(statement: SqlAndParams | None) -> None:
    if statement is not None:
        with prepared_cursor() as cursor:
            cursor.execute(*statement)


def _store_day_and_week(
    new_day: RunnerDay | Row, new_week: RunnerWeek | Row, run_insert: SqlAndParams | None = None
) -> None:
    """Upsert a day, its week and the runner's list version: on PostgreSQL in one prepared
    statement (the first two upserts in a data-modifying ``WITH``, after ``run_insert``, the
    new run's own INSERT, when ``Run.save`` left it to this statement), elsewhere as three ORM
    upserts."""
    from django.db import connection

    from training.models import RunListVersion, RunnerDay, RunnerWeek

    if connection.vendor != "postgresql":
        _execute(run_insert)
        _upsert(RunnerDay, [_instance(RunnerDay, new_day)], ["runner", "local_date"])
        _upsert(RunnerWeek, [_instance(RunnerWeek, new_week)], ["runner", "week_start"])
        bump_versions([new_day.runner_id])
        return
    day_sql, day_fields = _upsert_sql(RunnerDay, ("runner_id", "local_date"))
    version_sql, version_fields = _upsert_sql(RunListVersion, ("runner_id",))
    week_sql, week_fields = _upsert_sql(RunnerWeek, ("runner_id", "week_start"))
    version = Row(runner_id=new_day.runner_id, version=new_version())
    # These rows were built here from plain ints, floats, dates and strings, which psycopg
    # adapts as they are: no field's get_db_prep_save to run (23 calls, 0.2 M instructions of
    # a create's 7.9 M).
    params = [
        getattr(row, field.attname)
        for row, fields in (
            (new_day, day_fields),
            (version, version_fields),
            (new_week, week_fields),
        )
        for field in fields
    ]
    upserts = [f"day AS ({day_sql})", f"version AS ({version_sql})"]
    if run_insert is not None:
        upserts.insert(0, f"run AS ({run_insert[0]})")
        params = run_insert[1] + params
    sql = f"WITH {', '.join(upserts)} {week_sql}"
    with (
        version_mirror.changing(
            version_mirror.RUN_LIST_VERSIONS, {version.runner_id: version.version}
        ),
        prepared_cursor() as cursor,
    ):
        cursor.execute(sql, params)


# What add_run reads of a day and of a week: runs first (NULL when there is no row).
_ADDED_DAY_COLUMNS = (*SUMMED_COLUMNS, "load", "load_residual", "load_profile")
_ADDED_WEEK_COLUMNS = (*SUMMED_COLUMNS, "first_day")


def add_run(run: Run, run_insert: SqlAndParams | None = None) -> None:
    """A new run joins its day and its week: the rows are read under the runner's lock and the
    run's values added to them (``_add_exactly``), so the cost does not follow the number of
    runs the day or week already has (``refresh_days`` re-reads them all). Three prepared
    statements on PostgreSQL: the lock, the rows, both upserts in one (four queries elsewhere).
    A day whose load was computed with another profile than the runner's now, or before
    ``load_residual`` existed, is recomputed by ``refresh_days`` instead.

    ``run_insert``: the run's own INSERT, not yet sent (``Run.save`` on PostgreSQL). It goes in
    the statement of the upserts, or alone first where this returns or refreshes instead."""
    day, runner_id = run.local_date, run.runner_id
    monday = week_start(day)
    _lock_runner(runner_id)
    current = _day_and_week(runner_id, day, monday)
    if current is None:
        # No such runner: the run's own foreign key refuses it at commit; nothing to add to.
        _execute(run_insert)
        return
    max_hr, resting_hr, sex = current[:3]
    signature = NO_PROFILE_SIGNATURE if sex is None else (max_hr, resting_hr, sex)
    day_values = current[3 : 3 + len(_ADDED_DAY_COLUMNS)]
    week_values = current[3 + len(_ADDED_DAY_COLUMNS) :]
    profile_key = load_profile_key(signature)
    if day_values[0] is not None and (day_values[7] is None or day_values[8] != profile_key):
        _execute(run_insert)  # the refresh reads the day's runs, this one with them
        refresh_days([(runner_id, day)])
        return

    elevation_m = run.elevation_gain_m
    # As the run's own column stores it (an integer), also for a caller that skipped full_clean.
    duration_s = int(run.duration_s)
    (load,) = session_loads([(duration_s, run.perceived_effort, run.avg_heart_rate)], signature)
    new_day: RunnerDay | Row
    new_week: RunnerWeek | Row
    if day_values[0] is None:
        new_day = _day_row(
            runner_id,
            day,
            [
                (
                    run.distance_m,
                    duration_s,
                    elevation_m,
                    run.perceived_effort,
                    run.avg_heart_rate,
                )
            ],
            signature,
        )
    else:
        runs, distance, distance_r, duration, elevation, elevation_r, old_load, load_r, _ = (
            day_values
        )
        new_day = Row(runner_id=runner_id, local_date=day, runs=runs + 1)
        new_day.distance_m, new_day.distance_m_residual = _add_exactly(
            distance, distance_r, run.distance_m
        )
        new_day.duration_s = duration + duration_s
        new_day.elevation_gain_m, new_day.elevation_gain_m_residual = (
            (elevation, elevation_r)
            if elevation_m is None
            else _add_exactly(elevation, elevation_r, elevation_m)
        )
        new_day.load, new_day.load_residual = _add_exactly(old_load, load_r, load)
        new_day.load_profile = profile_key
    if week_values[0] is None:
        new_week = _week_row(runner_id, monday, [new_day])
    else:
        runs, distance, distance_r, duration, elevation, elevation_r, first_day = week_values
        if isinstance(first_day, str):  # SQLite hands raw dates back as text
            first_day = date.fromisoformat(first_day)
        new_week = Row(
            runner_id=runner_id,
            week_start=monday,
            runs=runs + 1,
            duration_s=duration + duration_s,
            first_day=min(first_day, day),
        )
        new_week.distance_m, new_week.distance_m_residual = _add_exactly(
            distance, distance_r, run.distance_m
        )
        new_week.elevation_gain_m, new_week.elevation_gain_m_residual = (
            (elevation, elevation_r)
            if elevation_m is None
            else _add_exactly(elevation, elevation_r, elevation_m)
        )
    _store_day_and_week(new_day, new_week, run_insert)


def efforts_of(
    *,
    run_id: Any,
    runner_id: int,
    started_at: datetime,
    local_date: date,
    distance_m: float,
    duration_s: int,
    stored: dict[str, float],
    effort_model: type[RunnerEffort] | None = None,
) -> list[RunnerEffort]:
    """A run's efforts as ``training.selectors.effort_rows_sql`` defines them: its stored best
    efforts (``stored``: distance key to seconds), and the whole run prorated to the one
    standard distance it stands in for, unless it has a stored effort there."""
    from training.models import RunnerEffort

    def effort(key: str, elapsed_s: float) -> RunnerEffort:
        return (effort_model or RunnerEffort)(
            runner_id=runner_id,
            run_id=run_id,
            distance=key,
            elapsed_s=elapsed_s,
            started_at=started_at,
            local_date=local_date,
        )

    efforts = [effort(key, elapsed_s) for key, elapsed_s in stored.items()]
    # The first distance the run stands in for, as the SQL's CASE picks it (the ranges of the
    # standard distances do not overlap, so there is at most one).
    for key, metres in BEST_EFFORT_DISTANCES_M.items():
        seconds = prorated_effort_s(distance_m, float(duration_s), metres)
        if seconds is not None:
            if key not in stored:
                efforts.append(effort(key, seconds))
            break
    return efforts


def store_run_efforts(run: Run, stored: dict[str, float], *, replace: bool = True) -> None:
    """Write the ``RunnerEffort`` rows of one run from the instance's own columns and its
    stored best efforts (``stored``: distance key to seconds), replacing any it had; a run just
    inserted (``replace=False``) has none to delete. One query, two when replacing, none more
    for a run without an effort."""
    from training.models import RunnerEffort

    if replace:
        RunnerEffort.objects.filter(run_id=run.pk).delete()
    efforts = efforts_of(
        run_id=run.pk,
        runner_id=run.runner_id,
        started_at=run.started_at,
        local_date=run.local_date,
        distance_m=run.distance_m,
        duration_s=run.duration_s,
        stored=stored,
    )
    if efforts:
        RunnerEffort.objects.bulk_create(efforts)


def refresh_run_efforts(run: Run) -> None:
    """Recompute the ``RunnerEffort`` rows of one saved run from its own columns and its stored
    best efforts: two queries, three when it has an effort."""
    from training.models import RunBestEffort

    stored = dict(RunBestEffort.objects.filter(run_id=run.pk).values_list("distance", "elapsed_s"))
    store_run_efforts(run, stored)


def refresh_efforts(run_ids: Iterable[Any]) -> None:
    """Recompute the ``RunnerEffort`` rows of these runs (those deleted lose theirs)."""
    from training.models import Run, RunBestEffort, RunnerEffort

    ids = list(run_ids)
    if not ids:
        return
    RunnerEffort.objects.filter(run_id__in=ids).delete()
    stored: dict[Any, dict[str, float]] = defaultdict(dict)
    for run_id, key, elapsed_s in RunBestEffort.objects.filter(run_id__in=ids).values_list(
        "run_id", "distance", "elapsed_s"
    ):
        stored[run_id][key] = elapsed_s
    rows = Run.objects.filter(pk__in=ids).values_list(
        "id", "runner_id", "started_at", "local_date", "distance_m", "duration_s"
    )
    efforts = [
        effort
        for run_id, runner_id, started_at, day, distance_m, duration_s in rows
        for effort in efforts_of(
            run_id=run_id,
            runner_id=runner_id,
            started_at=started_at,
            local_date=day,
            distance_m=distance_m,
            duration_s=duration_s,
            stored=stored.get(run_id, {}),
        )
    ]
    RunnerEffort.objects.bulk_create(efforts)


def _batched(rows: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_loads(runner_id: int) -> None:
    """Recompute the loads (with the sums) of every day of ``runner_id``'s, after the profile
    they depend on changed."""
    from training.models import Run

    days = Run.objects.filter(runner_id=runner_id).order_by().values_list("local_date", flat=True)
    refresh_days((runner_id, day) for day in days.distinct())


def rebuild(runner_ids: Iterable[int] | None = None, *, apps: Any = None) -> None:
    """Recompute every aggregate of these runners (of all runners with ``None``) from their
    runs: after writes that bypass the ORM, and in the migration that created the tables
    (``apps``: its historical models). Streams the runs in (runner, day) order; memory stays at
    one batch of rows."""
    if apps is None:
        from django.apps import apps
    run_model = apps.get_model("training", "Run")
    stored_model = apps.get_model("training", "RunBestEffort")
    day_model = apps.get_model("training", "RunnerDay")
    week_model = apps.get_model("training", "RunnerWeek")
    effort_model = apps.get_model("training", "RunnerEffort")
    profile_model = apps.get_model("training", "RunnerProfile")

    runs = run_model.objects.order_by("runner_id", "local_date")
    days, weeks, efforts = (
        day_model.objects.all(),
        week_model.objects.all(),
        effort_model.objects.all(),
    )
    stored_rows = stored_model.objects.all()
    profiles = profile_model.objects.all()
    if runner_ids is not None:
        ids = list(runner_ids)
        runs, days, weeks, efforts = (
            runs.filter(runner_id__in=ids),
            days.filter(runner_id__in=ids),
            weeks.filter(runner_id__in=ids),
            efforts.filter(runner_id__in=ids),
        )
        stored_rows = stored_rows.filter(run__runner_id__in=ids)
        profiles = profiles.filter(user_id__in=ids)
    days.delete()
    weeks.delete()
    efforts.delete()
    signatures = {
        user_id: (max_hr, resting_hr, sex)
        for user_id, max_hr, resting_hr, sex in profiles.values_list(
            "user_id", "max_hr", "resting_hr", "sex"
        )
    }
    stored: dict[Any, dict[str, float]] = defaultdict(dict)
    for run_id, key, elapsed_s in stored_rows.values_list("run_id", "distance", "elapsed_s"):
        stored[run_id][key] = elapsed_s

    def signature_of(runner_id: int) -> LoadSignature:
        return signatures.get(runner_id, NO_PROFILE_SIGNATURE)

    def day_rows() -> Iterator[Any]:
        current: tuple[int, date] | None = None
        day_runs: list[tuple[Any, ...]] = []
        effort_batch: list[Any] = []
        rows = runs.values_list("runner_id", "id", "started_at", *_DAY_RUN_COLUMNS).iterator(
            chunk_size=_BATCH_ROWS
        )
        for runner_id, run_id, started_at, day, *values in rows:
            if current != (runner_id, day):
                if current is not None:
                    yield _day_row(*current, day_runs, signature_of(current[0]), day_model)
                current, day_runs = (runner_id, day), []
            day_runs.append(tuple(values))
            effort_batch += efforts_of(
                run_id=run_id,
                runner_id=runner_id,
                started_at=started_at,
                local_date=day,
                distance_m=values[0],
                duration_s=values[1],
                stored=stored.get(run_id, {}),
                effort_model=effort_model,
            )
            if len(effort_batch) >= _BATCH_ROWS:
                effort_model.objects.bulk_create(effort_batch)
                effort_batch = []
        if current is not None:
            yield _day_row(*current, day_runs, signature_of(current[0]), day_model)
        effort_model.objects.bulk_create(effort_batch)

    def week_rows(days: Iterable[Any]) -> Iterator[Any]:
        """Weeks from the day rows as they stream by in (runner, day) order."""
        current: tuple[int, date] | None = None
        week: list[Any] = []
        for day in days:
            key = (day.runner_id, week_start(day.local_date))
            if key != current:
                if current is not None:
                    yield _week_row(*current, week, week_model)
                current, week = key, []
            week.append(day)
            yield day
        if current is not None:
            yield _week_row(*current, week, week_model)

    for batch in _batched(week_rows(day_rows())):
        day_model.objects.bulk_create([row for row in batch if isinstance(row, day_model)])
        week_model.objects.bulk_create([row for row in batch if isinstance(row, week_model)])
    _bump_all_versions(apps, None if runner_ids is None else ids)


def _bump_all_versions(apps: Any, runner_ids: list[int] | None) -> None:
    """``rebuild``'s writes bypassed the ORM: every runner concerned (every user with ``None``)
    gets a new list version. Not in migrations older than the versions' table."""
    from django.conf import settings

    try:
        version_model = apps.get_model("training", "RunListVersion")
    except LookupError:
        return
    if runner_ids is None:
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        runner_ids = list(user_model.objects.values_list("pk", flat=True))
    bump_versions(runner_ids, version_model)
