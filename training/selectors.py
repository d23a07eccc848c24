"""Who may see what (docs/API.md, Who sees what), as querysets shared by the API, admin and
dashboard.

- A runner sees their own plans, those plans' workouts and their own runs.
- A coach also sees the plans they coach (and their workouts) and may read every run of a runner
  who has at least one plan naming them.
- A superuser sees everything.

Writes are narrower than reads for coaches: see ``runs_editable_by``.
"""

from __future__ import annotations

import functools
import math
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from analytics.science import (
    BEST_EFFORT_DISTANCES_M,
    PRORATE_TOLERANCE,
    heart_rate_zones,
    time_in_zones_s,
)
from tracker.authentication import register_entry_fact
from tracker.statements import compiled, compiled_rows_of
from training.models import (
    Comment,
    CommentVisit,
    Deletion,
    Plan,
    PlanTemplate,
    Run,
    RunBestEffort,
    RunListVersion,
    RunnerProfile,
    RunnerWeek,
    RunTrack,
    Shoe,
    Workout,
)

UserLike = User | AnonymousUser


def plans_visible_to(user: UserLike) -> QuerySet[Plan]:
    if not user.is_authenticated:
        return Plan.objects.none()
    if user.is_superuser:
        return Plan.objects.all()
    return Plan.objects.filter(Q(runner=user) | Q(coach=user))


def workouts_visible_to(user: UserLike) -> QuerySet[Workout]:
    if not user.is_authenticated:
        return Workout.objects.none()
    if user.is_superuser:
        return Workout.objects.all()
    return Workout.objects.filter(Q(plan__runner=user) | Q(plan__coach=user))


def coached_runner_ids(user: UserLike) -> QuerySet[Plan, Any]:
    """Ids of the runners with at least one plan naming ``user`` as coach."""
    if not user.is_authenticated:
        return Plan.objects.none().values("runner_id")
    return _coached_runner_ids_of(user.pk)


def _coached_runner_ids_of(coach_id: int) -> QuerySet[Plan, Any]:
    return Plan.objects.filter(coach_id=coach_id).order_by().values("runner_id")


@functools.cache
def _coached_runner_ids_sql(alias: str) -> str:
    """The SQL of ``coached_runner_ids`` with the coach's id as its one parameter.

    Compiled from the queryset once per process and database: every run list asks this
    question, and building and compiling the queryset cost three times its round trip
    (0.31 ms against 0.08 ms in-process, docs/PERFORMANCE.md).
    """
    sql, params = _coached_runner_ids_of(0).query.get_compiler(alias).as_sql()
    if params != (0,):  # the placeholder this function fills in must be the only parameter
        raise AssertionError(f"unexpected parameters {params!r} in {sql}")
    return sql


def _runner_ids_coached_by(user_id: int) -> list[int]:
    """``coached_runner_ids(user).values_list("runner_id", flat=True)`` without rebuilding it."""
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(_coached_runner_ids_sql(DEFAULT_DB_ALIAS), [user_id])
        return [runner_id for (runner_id,) in cursor.fetchall()]


def runner_ids_visible_to(user: UserLike) -> list[int] | None:
    """The runners whose runs ``user`` may read, sorted: themself and the runners they coach.
    ``None`` means every runner (a superuser); an anonymous user gets none."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    # The coached runners are looked up first (one small indexed query) so the run query is a
    # plain ``runner_id IN (…)``: PostgreSQL then walks the (runner, started_at) index for a page
    # and counts per runner. ``runner = me OR EXISTS(coached)`` cannot use any index and scanned
    # all runs of all runners (0.5 s at 1,000,000 runs; docs/PERFORMANCE.md).
    # A token request usually has them already, read with its token (register_token_facts).
    coached = getattr(user, COACHED_RUNNERS_FACT, None)
    if coached is None:
        coached = _runner_ids_coached_by(user.pk)
    return sorted({user.pk, *coached})


COACHED_RUNNERS_FACT = "coached_runner_ids"


def register_token_facts() -> None:
    """Keep each user's coached runners in their verified-token entries (tracker/authentication,
    entry facts), so a token request's run list does not ask for them: one round trip less on
    every list and 304 (docs/PERFORMANCE.md, section 29). training/signals.py tombstones a
    coach's entries whenever a plan write changes whom they coach."""
    register_entry_fact(
        COACHED_RUNNERS_FACT, lambda user_id: tuple(sorted(set(_runner_ids_coached_by(user_id))))
    )


def runs_of_runners(runner_ids: list[int] | None) -> QuerySet[Run]:
    """The runs of ``runner_ids`` (``runner_ids_visible_to``'s answer; ``None``: all runs)."""
    if runner_ids is None:
        return Run.objects.all()
    if not runner_ids:
        return Run.objects.none()
    if len(runner_ids) == 1:
        return Run.objects.filter(runner_id=runner_ids[0])
    return Run.objects.filter(runner_id__in=runner_ids)


def run_list_versions(runner_ids: list[int]) -> str:
    """The versions of these runners' run lists as one string ("id:version,…", in the order
    given, empty for a runner whose runs were never written since the versions exist), which
    changes with every write of any of their runs (``RunListVersion``). One prepared statement
    on PostgreSQL."""
    return run_list_versions_text(runner_ids, run_list_version_of(runner_ids))


def run_list_version_of(runner_ids: list[int]) -> dict[int, str]:
    """Each runner's run list version as text ('' for a runner without one yet), one prepared
    statement on PostgreSQL."""
    rows = compiled_rows_of(("run_list_versions", len(runner_ids)), _versions_query, runner_ids)
    version_of = {runner_id: str(version) for runner_id, version in rows}
    return {runner_id: version_of.get(runner_id, "") for runner_id in runner_ids}


def run_list_versions_text(runner_ids: list[int], version_of: dict[int, str]) -> str:
    """``run_list_versions``' string from each runner's version, in the order of ``runner_ids``."""
    return ",".join(f"{runner_id}:{version_of[runner_id]}" for runner_id in runner_ids)


def _versions_query(*runner_ids: int) -> QuerySet[Any]:
    return RunListVersion.objects.filter(runner_id__in=runner_ids).values_list(
        "runner_id", "version"
    )


def plan_workout_list_version(user_id: int, plan_id: uuid.UUID) -> str | None:
    """A version of a plan's workout list, read with the plan's visibility to ``user_id`` (its
    runner or its coach) in one prepared statement: a digest of the ``(id, xmin)`` of each of the
    plan's workouts. PostgreSQL stamps every row version with the id of the transaction that
    wrote it (``xmin``), so any committed insert, update or delete of one of them, through the
    ORM or behind it, changes the digest, and an unchanged digest means the very same rows.
    ``None`` when the plan is out of that user's view (or gone), and off PostgreSQL, whose rows
    carry no such stamp."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    rows = compiled_rows_of(
        "plan_workout_list_version", _plan_workouts_version_query, [plan_id, user_id]
    )
    return str(rows[0][0]) if rows else None


def plan_workouts_digest_sql(plan_id_column: str) -> str:
    """A scalar subquery (PostgreSQL) giving the digest of the ``(id, xmin)`` of the workouts of
    the plan whose id is ``plan_id_column`` (an outer query's column): what
    ``plan_workout_list_version`` and the plan answers' version
    (``analytics.selectors.visible_plan_answer_version``) read. ORDER BY: the same rows always
    give the same digest. A 64-bit hash of the text: a change keeps it with a chance of one in
    2**64 (nobody chooses transaction ids), where md5 or sha256 cost 0.25 ms more for a
    100-workout plan. An empty plan's digest is ''. Table names from the models' metadata, no
    value: the ids are the statement's parameters."""
    workouts = Workout._meta.db_table
    stamps = "string_agg(w.id::text || '@' || w.xmin::text, ',' ORDER BY w.id)"
    digest = f"hashtextextended({stamps}, 0)::text"
    return (
        f"(SELECT COALESCE({digest}, '') FROM \"{workouts}\" w"  # noqa: S608
        f" WHERE w.plan_id = {plan_id_column})"
    )


def _plan_workouts_version_query(plan_id: uuid.UUID, user_id: int) -> QuerySet[Any]:
    digest_sql = plan_workouts_digest_sql(f'"{Plan._meta.db_table}"."id"')
    return (
        Plan.objects.filter(Q(runner_id=user_id) | Q(coach_id=user_id), pk=plan_id)
        .annotate(workouts_version=RawSQL(digest_sql, (), output_field=TextField()))  # noqa: S611
        .values_list("workouts_version")
    )


def runs_visible_to(user: UserLike) -> QuerySet[Run]:
    return runs_of_runners(runner_ids_visible_to(user))


class _WeekRunsTotal(Subquery):
    """``SUM(runs)`` of a ``RunnerWeek`` queryset as a scalar subquery (0 without rows)."""

    template = "(SELECT COALESCE(SUM(week_rows.runs), 0) FROM (%(subquery)s) week_rows)"
    output_field = IntegerField()


def run_count_of_runners(runner_ids: list[int]) -> Subquery:
    """How many runs ``runner_ids`` have, from the summary's week rows: about 160 rows a runner
    for three years, where ``COUNT`` reads an index entry per run (5,000 for the bench runner,
    0.8 ms of PostgreSQL time on every run list; docs/PERFORMANCE.md, section 24). Exact, not an
    estimate: ``training.aggregates`` rewrites a week's row in the transaction of every run
    write that touches it. A scalar subquery, so it rides along the page's own statement."""
    return _WeekRunsTotal(RunnerWeek.objects.filter(runner_id__in=runner_ids).values("runs"))


def run_visible_to(user: UserLike, pk: Any) -> QuerySet[Run]:
    """The run ``pk`` if ``user`` may read it (same rule as ``runs_visible_to``), in one query.

    Picked by primary key there is one row to check, so "mine, or a runner I coach" is a
    correlated ``EXISTS`` on that row rather than the coached-runner lookup that lists need
    first (``runs_visible_to``): retrieving, changing or deleting a run costs one query less.
    """
    if not user.is_authenticated:
        return Run.objects.none()
    if user.is_superuser:
        return Run.objects.filter(pk=pk)
    coaches_runner = coached_runner_ids(user).filter(runner_id=OuterRef("runner_id"))
    return Run.objects.filter(Q(runner=user) | Exists(coaches_runner), pk=pk)


def run_for_detail(user: UserLike, pk: uuid.UUID) -> Run | None:
    """``with_detail_flags(run_visible_to(user, pk))``'s one run, or ``None`` when it is out of
    view: what ``GET /runs/{id}`` shows.

    Compiled once per process (tracker/statements.py) and run as a prepared statement: building
    and compiling this queryset cost the request several times what PostgreSQL spends on it."""
    if not user.is_authenticated:
        return None
    statement = compiled(
        ("run_for_detail", bool(user.is_superuser)),
        functools.partial(_run_for_detail_of, superuser=bool(user.is_superuser)),
        (uuid.UUID, int),
    )
    if statement is None:
        return next(iter(with_detail_flags(run_visible_to(user, pk))), None)
    found = statement.instances((pk, user.pk))
    return cast(Run, found[0]) if found else None


def _run_for_detail_of(pk: uuid.UUID, user_id: int, *, superuser: bool) -> QuerySet[Run]:
    return with_detail_flags(run_visible_to(User(pk=user_id, is_superuser=superuser), pk))


def runs_editable_by(user: UserLike) -> QuerySet[Run]:
    """Coaches read their runners' runs but never write them."""
    if not user.is_authenticated:
        return Run.objects.none()
    if user.is_superuser:
        return Run.objects.all()
    return Run.objects.filter(runner=user)


def templates_visible_to(user: UserLike) -> QuerySet[PlanTemplate]:
    """Plan templates are private to the user who saved them (all for a superuser)."""
    if not user.is_authenticated:
        return PlanTemplate.objects.none()
    if user.is_superuser:
        return PlanTemplate.objects.all()
    return PlanTemplate.objects.filter(owner=user)


# --- Comments on workouts and runs (docs/API.md, Comments) ---------------------------------------
# A comment is seen by whoever sees its workout or run: callers pick the parent through
# workouts_visible_to / run_visible_to first, then read its comments here.


def comments_on(
    *, workout: Workout | None = None, run: Run | None = None, reader: UserLike | None = None
) -> QuerySet[Comment]:
    """The comments on ``workout`` or ``run`` (exactly one), oldest first, with their author.
    With ``reader``, each carries ``is_new``: written by someone else after ``reader`` last read
    the thread (in the same query)."""
    parent: dict[str, Any] = {"workout": workout} if workout is not None else {"run": run}
    comments = (
        Comment.objects.filter(**parent).select_related("author").order_by("created_at", "id")
    )
    if reader is None:
        return comments
    reader_id = reader.pk if reader.is_authenticated else 0  # no user has id 0
    seen_since = CommentVisit.objects.filter(
        user_id=reader_id, seen_at__gte=OuterRef("created_at"), **parent
    )
    return comments.annotate(
        is_new=ExpressionWrapper(
            ~Q(author_id=reader_id) & ~Exists(seen_since), output_field=BooleanField()
        )
    )


def annotate_unread_comments(queryset: QuerySet[Any], *, user: UserLike, parent: str) -> QuerySet:
    """Add ``unread_comments`` to each workout or run of ``queryset`` (``parent`` names which):
    the other side's comments since ``user`` last read them, in one correlated subquery, so a
    list costs the same for any number of rows."""
    user_id = user.pk if user.is_authenticated else 0  # no user has id 0: nothing was seen
    seen = CommentVisit.objects.filter(user_id=user_id, **{parent: OuterRef(OuterRef("pk"))})
    comments = (
        Comment.objects.filter(**{parent: OuterRef("pk")})
        .exclude(author_id=user_id)
        .filter(~Exists(seen.filter(seen_at__gte=OuterRef("created_at"))))
        .order_by()
        .values(parent)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        unread_comments=Coalesce(Subquery(comments, output_field=IntegerField()), 0)
    )


# The group created by migration training/0002_coach_group with the permissions of the coach's
# admin workspace (seed_demo puts its demo coach in it).
COACH_GROUP = "coach"


def coach_candidates() -> QuerySet[User]:
    """The users who may be named as a plan's coach, by the API and in the admin alike.

    A coach works in the admin workspace, so they must be able to sign in there (active staff)
    and to edit plans there (a superuser, or a member of the ``coach`` group, which carries the
    plan permissions). Naming anyone else as coach would give them read access to the runner's
    runs without a workspace to coach from.
    """
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=COACH_GROUP), is_active=True, is_staff=True
    ).distinct()


def user_coaches_runner(*, coach: UserLike, runner_id: int) -> bool:
    if not coach.is_authenticated:
        return False
    return Plan.objects.filter(coach=coach, runner_id=runner_id).exists()


def deletions_visible_to(user: UserLike) -> QuerySet[Deletion]:
    """Tombstones of what ``user`` could see before it was deleted: their own objects, the plans
    (and workouts) they coached, and the runs of the runners they coach."""
    if not user.is_authenticated:
        return Deletion.objects.none()
    if user.is_superuser:
        return Deletion.objects.all()
    return Deletion.objects.filter(
        Q(runner_user_id=user.pk)
        | Q(coach_user_id=user.pk)
        | Q(
            object_type__in=[
                Deletion.ObjectType.RUN,
                Deletion.ObjectType.SHOE,
                Deletion.ObjectType.COMMENT,
            ],
            runner_user_id__in=coached_runner_ids(user),
        )
    )


# --- Shoes (docs/API.md, Shoes): visible like runs, written only by their runner ------------------


def shoes_with_distance(shoes: QuerySet[Shoe]) -> QuerySet[Shoe]:
    """``shoes`` annotated with ``run_count``, ``runs_distance_m`` and ``distance_m`` (the
    starting distance plus the sum of the shoe's runs), in the same query as the shoes: the
    sums are correlated subqueries over the partial index ``run_shoe_distance_idx``, so a list
    costs one query whatever the number of shoes or runs, and no distance is stored twice."""
    runs = Run.objects.filter(shoe=OuterRef("pk")).order_by().values("shoe")
    total = runs.annotate(total=Sum("distance_m")).values("total")
    count = runs.annotate(count=Count("pk")).values("count")
    return shoes.annotate(
        runs_distance_m=Coalesce(Subquery(total, output_field=FloatField()), Value(0.0)),
        run_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        distance_m=F("starting_distance_m") + F("runs_distance_m"),
    )


def shoes_visible_to(user: UserLike) -> QuerySet[Shoe]:
    """A runner's own shoes; a coach also reads the shoes of the runners they coach (their runs
    name them); a superuser all. With their distances (``shoes_with_distance``)."""
    if not user.is_authenticated:
        return Shoe.objects.none()
    if user.is_superuser:
        return shoes_with_distance(Shoe.objects.all())
    runner_ids = {user.pk, *_runner_ids_coached_by(user.pk)}
    return shoes_with_distance(Shoe.objects.filter(runner_id__in=sorted(runner_ids)))


def shoes_editable_by(user: UserLike) -> QuerySet[Shoe]:
    """Only the runner (or a superuser) changes a shoe; coaches read them."""
    if not user.is_authenticated:
        return Shoe.objects.none()
    if user.is_superuser:
        return Shoe.objects.all()
    return Shoe.objects.filter(runner=user)


def runner_shoes(runner: User) -> QuerySet[Shoe]:
    """``runner``'s own shoes with their distances: in use first (the default at the top),
    then retired, each by name."""
    return shoes_with_distance(Shoe.objects.filter(runner=runner)).order_by(
        "retired", "-is_default", "name", "created_at"
    )


def runner_shoe_choices(runner: User, *, keep: Any = None) -> QuerySet[Shoe]:
    """The shoes a run of ``runner`` may be given on the dashboard's forms: the ones in use,
    plus ``keep`` (the shoe a run already has, even retired), default first."""
    in_use = Q(retired=False)
    if keep is not None:
        in_use |= Q(pk=keep)
    return Shoe.objects.filter(in_use, runner=runner).order_by("-is_default", "name")


# --- A runner's own training (the dashboard's pages) ---------------------------------------------
# The dashboard shows the signed-in user's own plans' workouts and own runs, also for a coach or a
# superuser, whose wider view belongs to the admin and the API.


def _with_runs_in_start_order(workouts: QuerySet[Workout]) -> QuerySet[Workout]:
    return workouts.prefetch_related(
        Prefetch("runs", queryset=Run.objects.order_by("started_at"))
    ).order_by("scheduled_date", "created_at")


def runner_workouts_between(*, runner: User, first_day: date, last_day: date) -> QuerySet[Workout]:
    """The workouts of ``runner``'s own plans scheduled from ``first_day`` to ``last_day``
    (inclusive), in date order, with their plan and their linked runs (oldest first)."""
    workouts = Workout.objects.filter(
        plan__runner=runner, scheduled_date__range=(first_day, last_day)
    ).select_related("plan")
    return _with_runs_in_start_order(workouts)


def plan_workouts_with_runs(plan: Plan) -> QuerySet[Workout]:
    """``plan``'s workouts in date order with their linked runs (oldest first)."""
    return _with_runs_in_start_order(plan.workouts.all())


def runner_workouts_linkable(*, runner: User, first_day: date, last_day: date) -> QuerySet[Workout]:
    """The non-rest workouts of ``runner``'s own plans from ``first_day`` to ``last_day``
    (inclusive) that a run may be linked to, in date order, with their plan."""
    return (
        Workout.objects.filter(plan__runner=runner, scheduled_date__range=(first_day, last_day))
        .exclude(workout_type=Workout.WorkoutType.REST)
        .select_related("plan")
        .order_by("scheduled_date", "created_at")
    )


def runner_runs(runner: User) -> QuerySet[Run]:
    """``runner``'s own runs, newest first, with their workout."""
    return Run.objects.filter(runner=runner).select_related("workout")


def runner_runs_between(*, runner: User, first_day: date, last_day: date) -> QuerySet[Run]:
    """``runner``'s own runs whose local start day is from ``first_day`` to ``last_day``
    (inclusive), oldest first."""
    return Run.objects.filter(runner=runner, local_date__range=(first_day, last_day)).order_by(
        "started_at"
    )


def run_track_of(run: Run) -> RunTrack | None:
    """The recorded track (samples) of an imported ``run``; ``None`` for a run typed in."""
    return RunTrack.objects.filter(run=run).first()


# --- Best efforts (docs/API.md, Best efforts) ---------------------------------------------------


@functools.cache
def effort_rows_sql() -> str:
    """SQL of every effort of runner ``%(runner_id)s`` at the standard distances, one row per
    (run, distance): ``run_id``, ``started_at``, ``local_date``, ``distance`` (the key),
    ``elapsed_s``.

    A run's stored best effort at a distance where it has one; otherwise, when the whole run
    lies within [D, 1.05·D] (a run typed in, or a track without distances), the run itself with
    its time prorated to D (``analytics.science.prorated_effort_s``, written here in SQL so that
    personal bests cost one query). Only table names and constants of the science are written
    into it; the runner is a parameter. Written once per process, like the summary's other SQL.
    """
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    run, effort = quote(Run._meta.db_table), quote(RunBestEffort._meta.db_table)

    def double(value: float) -> str:
        # Double-precision constants: PostgreSQL reads a bare 42195.0 as slow ``numeric``.
        return f"CAST({float(value)!r} AS DOUBLE PRECISION)"

    def case(value_for: Any) -> str:
        whens = " ".join(
            f"WHEN r.distance_m >= {double(d)} AND r.distance_m <= {double(d * PRORATE_TOLERANCE)}"
            f" THEN {value_for(key, d)}"
            for key, d in BEST_EFFORT_DISTANCES_M.items()
        )
        return f"CASE {whens} ELSE NULL END"

    key_of_run = case(lambda key, _d: f"'{key}'")
    metres_of_run = case(lambda _key, d: double(d))
    return f"""
        SELECT e.run_id AS run_id, r.started_at AS started_at, r.local_date AS local_date,
               e.distance AS distance, e.elapsed_s AS elapsed_s
        FROM {effort} e JOIN {run} r ON r.id = e.run_id
        WHERE r.runner_id = %(runner_id)s
        UNION ALL
        SELECT r.id, r.started_at, r.local_date, {key_of_run},
               CAST(r.duration_s AS DOUBLE PRECISION) * {metres_of_run} / r.distance_m
        FROM {run} r LEFT JOIN {effort} e ON e.run_id = r.id AND e.distance = {key_of_run}
        WHERE r.runner_id = %(runner_id)s AND e.run_id IS NULL AND {key_of_run} IS NOT NULL
    """  # noqa: S608


@dataclass(frozen=True)
class RunEffort:
    """One best effort of a run as the run page and ``GET /runs/{id}`` show it.

    ``new_personal_best``: faster than every effort at that distance of the runner's earlier runs
    (started before this one), so the run set a personal best on the day it was run."""

    distance: str
    distance_m: float
    elapsed_s: float
    start_offset_s: float
    start_offset_m: float
    pace_s_per_km: float
    new_personal_best: bool


def with_detail_flags(runs: QuerySet[Run]) -> QuerySet[Run]:
    """``runs`` annotated with ``has_best_efforts`` and ``has_track``, which
    ``run_best_efforts`` and ``run_heart_rate_zones`` trust to skip their queries."""
    return runs.annotate(
        has_best_efforts=Exists(RunBestEffort.objects.filter(run=OuterRef("pk"))),
        has_track=Exists(RunTrack.objects.filter(run=OuterRef("pk"))),
    )


@dataclass(frozen=True)
class ZoneTime:
    """Time of a run in one heart-rate zone (docs/API.md, Heart-rate zones)."""

    zone: int
    min_bpm: int
    max_bpm: int
    duration_s: float


def run_heart_rate_zones(
    run: Run, *, samples: dict[str, Any] | None = None
) -> list[ZoneTime] | None:
    """Seconds of ``run`` in each of its runner's five heart-rate zones, from its track
    (``samples`` when the caller has loaded them). ``None`` when the runner's profile lacks a max
    or resting heart rate, or the run has no track with heart rates; at most two queries."""
    if getattr(run, "has_track", True) is False:
        return None
    limits = RunnerProfile.objects.filter(user_id=run.runner_id).values_list("max_hr", "resting_hr")
    max_hr, resting_hr = limits.first() or (None, None)
    if max_hr is None or resting_hr is None or max_hr <= resting_hr:
        return None
    if samples is None:
        samples = RunTrack.objects.filter(run=run).values_list("samples", flat=True).first()
    hr_bpm = (samples or {}).get("hr_bpm") or []
    if not any(value is not None for value in hr_bpm):
        return None
    zones = heart_rate_zones(max_hr_bpm=max_hr, resting_hr_bpm=resting_hr)
    seconds = time_in_zones_s((samples or {}).get("t_s") or [], hr_bpm, zones)
    return [
        ZoneTime(z.number, round(z.min_bpm), round(z.max_bpm), round(s, 1))
        for z, s in zip(zones, seconds, strict=True)
    ]


def run_best_efforts(run: Run) -> list[RunEffort]:
    """``run``'s stored best efforts, shortest distance first: two queries, none for a run
    loaded through ``with_best_effort_flag`` that has no effort."""
    if getattr(run, "has_best_efforts", True) is False:
        return []
    efforts = list(RunBestEffort.objects.filter(run=run))
    if not efforts:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    # Adapted as the ORM would: SQLite stores and compares datetimes as text in its own format.
    before = connection.ops.adapt_datetimefield_value(run.started_at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT distance, MIN(elapsed_s) FROM ({effort_rows_sql()}) efforts "  # noqa: S608
            "WHERE started_at < %(before)s GROUP BY distance",
            {"runner_id": run.runner_id, "before": before},
        )
        earlier_best = dict(cursor.fetchall())
    return [
        RunEffort(
            distance=e.distance,
            distance_m=e.distance_m,
            # Tenths, as the personal bests are shown.
            elapsed_s=round(e.elapsed_s, 1),
            start_offset_s=round(e.start_offset_s, 1),
            start_offset_m=round(e.start_offset_m, 1),
            pace_s_per_km=round(e.elapsed_s / (e.distance_m / 1000), 1),
            new_personal_best=e.elapsed_s < earlier_best.get(e.distance, math.inf),
        )
        for e in efforts
    ]


def profile_with_calendar_token(token: str) -> RunnerProfile | None:
    """The profile (with its user) whose private calendar feed ``token`` opens, if any."""
    if not token:
        return None
    return RunnerProfile.objects.select_related("user").filter(calendar_token=token).first()


# Drafts are still being written by the coach and abandoned plans are over; the feed shows the
# plans a runner is following or has followed.
FEED_PLAN_STATUSES = (Plan.Status.ACTIVE, Plan.Status.COMPLETED)


def workouts_in_calendar_feed(runner: User) -> QuerySet[Workout]:
    """The workouts of ``runner``'s active and completed plans, in date order."""
    return Workout.objects.filter(
        plan__runner=runner, plan__status__in=FEED_PLAN_STATUSES
    ).order_by("scheduled_date", "created_at")
