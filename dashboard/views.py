"""The runner dashboard (docs/ARCHITECTURE.md, The runner dashboard): thin views over the
visibility selectors, the run services and the analytics selectors. Every page loads a fixed
number of queries, whatever the data size.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from analytics import science
from analytics import selectors as analytics_selectors
from dashboard import presenters
from dashboard.forms import (
    RUN_MODEL_TO_FORM_FIELD,
    SHOE_MODEL_TO_FORM_FIELD,
    CommentForm,
    HistoryImportForm,
    ProfileForm,
    RunForm,
    RunUploadForm,
    ShoeForm,
    add_model_errors,
    week_start,
)
from tracker.middleware import accepts_archive_uploads, accepts_uploads
from training import formatting, services
from training.history.selectors import import_jobs_of, import_jobs_reported_files
from training.history.services import (
    JobStateError,
    import_job_cancel,
    import_job_create,
    import_job_undo,
)
from training.importers import ActivityFileError, FileTooLarge
from training.models import Run, RunnerProfile, Workout
from training.selectors import (
    comments_on,
    plan_workouts_with_runs,
    plans_visible_to,
    run_best_efforts,
    run_heart_rate_zones,
    run_track_of,
    run_visible_to,
    runner_runs,
    runner_runs_between,
    runner_shoes,
    runner_workouts_between,
    runs_editable_by,
    workouts_visible_to,
)
from training.services import run_create, run_import_file, run_update
from training.uploads import ArchiveTooLarge, cap_archive_upload, cap_upload


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: ``user`` is a signed-in user."""

    user: User


RECENT_RUNS = 8
RUNS_PER_PAGE = 25


def _profile(request: AuthedRequest) -> RunnerProfile:
    """The signed-in user's profile, shared with the context processor's cached copy."""
    try:
        return request.user.profile
    except RunnerProfile.DoesNotExist:
        return services.profile_get_or_create(user=request.user)


def _today(profile: RunnerProfile) -> date:
    return timezone.localtime(timezone.now(), profile.tzinfo).date()


# --- Home ----------------------------------------------------------------------------------------


@dataclass
class DayPlan:
    day: date
    is_today: bool
    workouts: list[presenters.WorkoutItem] = field(default_factory=list)
    other_runs: list[Run] = field(default_factory=list)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    profile = _profile(request)
    today = _today(profile)
    monday = week_start(today)
    sunday = monday + timedelta(days=6)
    week_workouts = list(
        runner_workouts_between(runner=request.user, first_day=monday, last_day=sunday)
    )
    week_runs = list(runner_runs_between(runner=request.user, first_day=monday, last_day=sunday))
    week_plans = presenters.week_plan_context({w.plan for w in week_workouts}, today=today)
    bands = week_plans["bands"]
    days = [DayPlan(day=monday + timedelta(days=i), is_today=False) for i in range(7)]
    for day in days:
        day.is_today = day.day == today
    summary_context = presenters.home_context(runner=request.user, units=profile.units, today=today)
    linked_ids: set[uuid.UUID] = set()
    for workout in week_workouts:
        item = presenters.workout_item(
            workout, bands, paces=summary_context["summary"].training_paces
        )
        days[(workout.scheduled_date - monday).days].workouts.append(item)
        linked_ids |= {run.pk for run in item.runs}
    for run in week_runs:
        if run.pk not in linked_ids:
            days[(run.local_date - monday).days].other_runs.append(run)

    # The plan this week belongs to, for the "week n of N" link (the first one if several).
    current_plan = next(
        (w.plan for w in week_workouts if w.plan.start_date <= today <= w.plan.end_date), None
    )
    recent_runs = list(runner_runs(request.user)[:RECENT_RUNS])
    shoes = presenters.shoe_rows(
        runner_shoes(request.user).filter(retired=False), units=profile.units
    )
    context = {
        "profile": profile,
        "today": today,
        "monday": monday,
        "sunday": sunday,
        "days": days,
        "week_planned_m": week_plans["week_planned_m"],
        "recent_runs": recent_runs,
        "shoes": shoes,
        "current_plan": current_plan,
        "current_plan_week": (today - current_plan.start_date).days // 7 + 1
        if current_plan
        else None,
        **summary_context,
    }
    return render(request, "dashboard/home.html", context)


# --- Plans ---------------------------------------------------------------------------------------


@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    plans = list(
        plans_visible_to(request.user)
        .select_related("runner", "coach")
        .order_by("-start_date", "name")
    )
    profile = _profile(request)
    today = _today(profile)
    return render(
        request,
        "dashboard/plan_list.html",
        {
            "current": [p for p in plans if p.start_date <= today <= p.end_date],
            "upcoming": [p for p in plans if p.start_date > today],
            "past": [p for p in plans if p.end_date < today],
            "today": today,
        },
    )


def _workout_page_href(item: Any) -> str | None:
    if item.workout.is_rest and not item.runs:
        return None
    href: str = item.workout.get_absolute_url()
    return href


@login_required
def plan_detail(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    plan = get_object_or_404(
        plans_visible_to(request.user).select_related("runner", "coach"), pk=pk
    )
    profile = _profile(request)
    today = _today(profile)
    is_owner = plan.runner_id == request.user.pk
    analytics = presenters.plan_context(plan=plan, today=today)
    grid = presenters.plan_calendar_weeks(
        plan=plan,
        workouts=plan_workouts_with_runs(plan),
        bands=analytics.get("bands", {}),
        weeks_by_start=analytics.get("weeks_by_start", {}),
        today=today,
        log_run_url=reverse("dashboard:run-create") if is_owner else None,
        # Every day opens its workout's page: the plan, the runs that completed it, the log
        # link while none did, and the comment thread with the coach (issue 17).
        href_for=_workout_page_href,
    )
    return render(
        request,
        "dashboard/plan_detail.html",
        {
            "plan": plan,
            "grid": grid,
            "weekday_names": presenters.WEEKDAY_NAMES,
            "is_owner": is_owner,
            "today": today,
            "band_labels": presenters.PLAN_BAND_LABELS,
            **analytics,
        },
    )


# --- Runs ----------------------------------------------------------------------------------------


@login_required
def run_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(runner_runs(request.user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboard/run_list.html", {"page": page, "runs": page.object_list})


@dataclass(frozen=True)
class CommentRow:
    author: str
    body: str
    created_at: Any
    new: bool
    mine: bool


def _comment_thread(
    request: AuthedRequest, *, workout: Workout | None = None, run: Run | None = None
) -> tuple[CommentForm, HttpResponse | None, dict[str, Any]]:
    """The comments section of a workout or run page: a posted comment is saved through
    ``comment_create`` (then the answer is a redirect back to the thread); the page shows the
    thread with the other side's comments since the last visit marked new, and the visit is
    recorded."""
    parent: dict[str, Any] = {"workout": workout} if workout is not None else {"run": run}
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_create(author=request.user, body=form.cleaned_data["body"], **parent)
        except ValidationError as exc:
            add_model_errors(form, exc, {"body": "body"})
        else:
            messages.success(request, "Comment sent.")
            target = workout if workout is not None else run
            assert target is not None
            return form, redirect(f"{target.get_absolute_url()}#comments"), {}
    rows = [
        CommentRow(
            author=comment.author.get_username(),
            body=comment.body,
            created_at=comment.created_at,
            new=comment.is_new,  # type: ignore[attr-defined]
            mine=comment.author_id == request.user.pk,
        )
        for comment in comments_on(reader=request.user, **parent)
    ]
    services.comment_mark_seen(user=request.user, **parent)
    return form, None, {"comments": rows, "comment_form": form}


@login_required
def run_detail(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    run = get_object_or_404(
        run_visible_to(request.user, pk).select_related("workout", "plan", "runner", "shoe")
    )
    form, done, thread = _comment_thread(request, run=run)
    if done is not None:
        return done
    profile = _profile(request)
    track = run_track_of(run)
    split_m = formatting.metres_per_unit(profile.units)
    splits, chart, zones, route_map = [], None, None, None
    if track is not None:
        samples = track.samples or {}
        splits = science.track_splits(samples, split_m=split_m)
        chart = presenters.track_profile_chart(samples, units=profile.units)
        zones = run_heart_rate_zones(run, samples=samples)
        route_map = presenters.route_map_chart(
            samples, units=profile.units, distance_m=run.distance_m
        )
    return render(
        request,
        "dashboard/run_detail.html",
        {
            "run": run,
            "can_edit": run.runner_id == request.user.pk,
            "splits": splits,
            "profile_chart": chart,
            "route_map": route_map,
            "has_track": track is not None,
            "split_m": split_m,
            **thread,
            "efforts": presenters.run_efforts_context(run_best_efforts(run)) if track else [],
            "zones": zones,
        },
        status=400 if form.errors else 200,
    )


@login_required
def workout_detail(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    """One planned workout with the runs that completed it and its comments."""
    workout = get_object_or_404(
        workouts_visible_to(request.user).select_related("plan", "plan__runner"), pk=pk
    )
    form, done, thread = _comment_thread(request, workout=workout)
    if done is not None:
        return done
    return render(
        request,
        "dashboard/workout_detail.html",
        {
            "workout": workout,
            "runs": list(workout.runs.order_by("started_at")),
            "is_own": workout.plan.runner_id == request.user.pk,
            **thread,
        },
        status=400 if form.errors else 200,
    )


def _run_form_page(request: AuthedRequest, *, run: Run | None) -> HttpResponse:
    profile = _profile(request)
    tz, units = profile.tzinfo, profile.units
    if run is None:
        now_local = timezone.localtime(timezone.now(), tz).replace(second=0, microsecond=0)
        initial: dict[str, Any] = {"started_at": now_local.replace(tzinfo=None)}
        workout_id = request.GET.get("workout")
        if workout_id:
            initial["workout"] = workout_id
    else:
        initial = RunForm.initial_for(run, tz=tz, units=units)
    form = RunForm(request.POST or None, initial=initial, runner=request.user, tz=tz, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            if run is None:
                saved = run_create(runner=request.user, **form.cleaned_run_fields())
                messages.success(request, "Run logged.")
            else:
                saved = run_update(run=run, **form.cleaned_run_fields())
                messages.success(request, "Run updated.")
        except ValidationError as exc:
            add_model_errors(form, exc, RUN_MODEL_TO_FORM_FIELD)
        else:
            return redirect(saved)
    return render(
        request,
        "dashboard/run_form.html",
        {"form": form, "run": run, "units": units},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def run_create_view(request: AuthedRequest) -> HttpResponse:
    return _run_form_page(request, run=None)


@login_required
def run_update_view(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    run = get_object_or_404(runs_editable_by(request.user).select_related("runner"), pk=pk)
    return _run_form_page(request, run=run)


@login_required
def run_delete_view(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    run = get_object_or_404(runs_editable_by(request.user), pk=pk)
    if request.method == "POST":
        services.run_delete(run=run)
        messages.success(request, "Run deleted.")
        return redirect("dashboard:home")
    return render(request, "dashboard/run_confirm_delete.html", {"run": run})


@accepts_uploads  # bodies up to MAX_UPLOAD_SIZE pass the request-body limit
@csrf_exempt  # checked by ``_import_upload`` once the capped upload handler is in place
@login_required
def run_upload_view(request: AuthedRequest) -> HttpResponse:
    """Upload an activity file (docs/ARCHITECTURE.md, The runner dashboard): a GPX, TCX or FIT
    file becomes a run of the signed-in runner through ``run_import_file``, the same service as
    ``POST /api/v1/runs/import``.

    The body is read through ``training.uploads`` (the API's mechanism): a declared
    ``Content-Length`` over ``MAX_UPLOAD_SIZE`` is refused before anything is read, and the file
    is kept in memory and cut off at the limit; either way the page answers 413. Django's CSRF
    middleware would read the body first with the default handlers (spooling big files to
    disk), so this view is ``csrf_exempt`` and the CSRF check runs in ``_import_upload``.
    """
    if request.method == "POST":
        try:
            cap_upload(request)
            return _import_upload(request)
        except FileTooLarge as exc:
            form = RunUploadForm.refused(exc.message, runner=request.user)
            return _upload_page(request, form, status=413)
    return _upload_page(request, RunUploadForm(runner=request.user), status=200)


@csrf_protect
def _import_upload(request: AuthedRequest) -> HttpResponse:
    form = RunUploadForm(request.POST, request.FILES, runner=request.user)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            result = run_import_file(
                runner=request.user, uploaded_file=uploaded, shoe=form.cleaned_data["shoe"]
            )
        except FileTooLarge:
            raise  # the caller answers 413
        except ActivityFileError as exc:
            form.add_error("file", exc.message)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            units = _profile(request).units
            run = result.run
            what = run.get_source_display()  # "GPX file"
            if result.created:
                distance = formatting.format_distance(run.distance_m, units)
                messages.success(request, f"Imported {distance} from your {what}.")
                if len(result.runs) > 1:
                    messages.info(
                        request,
                        f"The file records {len(result.runs)} runs; all were imported, "
                        "this is the first.",
                    )
                for warning in result.warnings:  # what the import skipped
                    messages.warning(request, warning)
            else:
                messages.info(request, f"You already imported this {what}: here is that run.")
            return redirect(run)
        finally:
            uploaded.close()
    return _upload_page(request, form, status=400)


def _upload_page(request: AuthedRequest, form: RunUploadForm, *, status: int) -> HttpResponse:
    return render(
        request,
        "dashboard/run_upload.html",
        {"form": form, "max_upload_mb": settings.MAX_UPLOAD_SIZE / 1024 / 1024},
        status=status,
    )


# --- Shoes ---------------------------------------------------------------------------------------
# The signed-in runner's own shoes (a coach reads their runners' shoes over the API): any other
# shoe is a 404 here.


@login_required
def shoe_list(request: AuthedRequest) -> HttpResponse:
    """The runner's shoes with their distance and wear, and the form to add one."""
    units = _profile(request).units
    form = ShoeForm(
        request.POST or None,
        initial=ShoeForm.initial_for(None, units=units),
        units=units,
        with_retired=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            shoe = services.shoe_create(runner=request.user, **form.cleaned_shoe_fields())
        except ValidationError as exc:
            add_model_errors(form, exc, SHOE_MODEL_TO_FORM_FIELD)
        else:
            messages.success(request, f"Added {shoe.name}.")
            return redirect("dashboard:shoe-list")
    rows = presenters.shoe_rows(runner_shoes(request.user), units=units)
    return render(
        request,
        "dashboard/shoe_list.html",
        {
            "in_use": [row for row in rows if not row.shoe.retired],
            "retired": [row for row in rows if row.shoe.retired],
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def shoe_update_view(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    shoe = get_object_or_404(runner_shoes(request.user), pk=pk)
    units = _profile(request).units
    form = ShoeForm(
        request.POST or None,
        initial=ShoeForm.initial_for(shoe, units=units),
        units=units,
        with_retired=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.shoe_update(shoe=shoe, **form.cleaned_shoe_fields())
        except ValidationError as exc:
            add_model_errors(form, exc, SHOE_MODEL_TO_FORM_FIELD)
        else:
            messages.success(request, f"Saved {shoe.name}.")
            return redirect("dashboard:shoe-list")
    row = presenters.shoe_rows([shoe], units=units)[0]
    return render(
        request,
        "dashboard/shoe_form.html",
        {"form": form, "shoe": shoe, "row": row},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def shoe_retire_view(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    """Retire a shoe in use, or bring a retired one back (one button on the shoes page)."""
    shoe = get_object_or_404(runner_shoes(request.user), pk=pk)
    services.shoe_update(shoe=shoe, retired=not shoe.retired)
    verb = "Retired" if shoe.retired else "Back in use:"
    messages.success(request, f"{verb} {shoe.name}.")
    return redirect("dashboard:shoe-list")


# --- Whole-history import ------------------------------------------------------------------------

HISTORY_JOBS_SHOWN = 20


@accepts_archive_uploads  # bodies up to MAX_ARCHIVE_UPLOAD_SIZE pass the request-body limit
@csrf_exempt  # checked by ``_history_upload`` once the archive upload handler is in place
@login_required
def history_import_view(request: AuthedRequest) -> HttpResponse:
    """Upload a Strava or Garmin export archive and follow its imports (docs/API.md,
    Importing a whole history). The archive streams to disk through ``training.uploads`` (413
    over ``MAX_ARCHIVE_UPLOAD_SIZE``); a worker imports it, and the page's progress bars follow
    the job through ``GET /api/v1/imports/{id}`` (static/js/imports.js)."""
    if request.method == "POST":
        try:
            cap_archive_upload(request)
            return _history_upload(request)
        except ArchiveTooLarge as exc:
            return _history_page(request, HistoryImportForm.refused(str(exc)), status=413)
    return _history_page(request, HistoryImportForm(), status=200)


@csrf_protect
def _history_upload(request: AuthedRequest) -> HttpResponse:
    form = HistoryImportForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["archive"]
        try:
            import_job_create(runner=request.user, uploaded_file=uploaded)
        except ValidationError as exc:
            form.add_error("archive", exc.messages)
        else:
            messages.success(
                request, "Archive received: its runs are being imported in the background."
            )
            return redirect("dashboard:history-import")
        finally:
            uploaded.close()
    return _history_page(request, form, status=400)


@login_required
@require_POST
def history_import_cancel_view(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    """Stop a queued or running import; what it imported so far stays until undone."""
    job = get_object_or_404(import_jobs_of(request.user), pk=pk)
    return _history_action(request, lambda: import_job_cancel(job=job), "Import stopped.")


@login_required
@require_POST
def history_import_undo_view(request: AuthedRequest, pk: uuid.UUID) -> HttpResponse:
    """Remove every run an import created (tombstoned for syncing apps), in one action."""
    job = get_object_or_404(import_jobs_of(request.user), pk=pk)
    return _history_action(
        request, lambda: import_job_undo(job=job), "Import undone: its runs are removed."
    )


def _history_action(request: AuthedRequest, action: Any, done_message: str) -> HttpResponse:
    try:
        action()
    except JobStateError as exc:
        # The page again, with why (a 409 as the API's, docs/API.md, Importing a whole history).
        messages.error(request, str(exc))
        return _history_page(request, HistoryImportForm(), status=409)
    messages.success(request, done_message)
    return redirect("dashboard:history-import")


def _history_page(request: AuthedRequest, form: HistoryImportForm, *, status: int) -> HttpResponse:
    jobs = list(import_jobs_of(request.user)[:HISTORY_JOBS_SHOWN])
    # The files that did not import, with why, for the jobs shown (one query: the page's jobs
    # are few, each job lists at most MAX_LISTED_FILES).
    reported = import_jobs_reported_files(jobs)
    return render(
        request,
        "dashboard/history_import.html",
        {
            "form": form,
            "jobs": [(job, reported[job.pk]) for job in jobs],
            "max_archive_mb": settings.MAX_ARCHIVE_UPLOAD_SIZE / 1024 / 1024,
        },
        status=status,
    )


# --- Profile -------------------------------------------------------------------------------------


@login_required
def profile_view(request: AuthedRequest) -> HttpResponse:
    profile = _profile(request)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(profile=profile, **form.cleaned_data)
        except ValidationError as exc:
            add_model_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("dashboard:profile")
    feed_url = request.build_absolute_uri(
        reverse("calendar-feed", kwargs={"token": profile.calendar_token})
    )
    vdot_value, paces = analytics_selectors.runner_training_paces(
        request.user, today=_today(profile)
    )
    return render(
        request,
        "dashboard/profile.html",
        {
            "form": form,
            "profile": profile,
            "calendar_feed_url": feed_url,
            "units": profile.units,
            "vdot": vdot_value,
            "training_paces": presenters.training_paces_rows(paces),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def profile_calendar_token(request: AuthedRequest) -> HttpResponse:
    services.profile_regenerate_calendar_token(profile=_profile(request))
    messages.success(request, "New calendar feed address created; the old one stops working.")
    return redirect(reverse("dashboard:profile") + "#calendar")
