"""The coach's workspace (docs/ARCHITECTURE.md, Who uses it): plans with their workouts inline,
runners' runs read-only.

Scoping: a superuser sees everything; any other staff user (a coach) sees only the plans they
coach, those plans' workouts, and the runs of the runners they coach (read-only). Objects outside
that view answer 404, and foreign-key choices never list users or plans outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    F,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django_tasks_db.models import DBTaskResult

from analytics import science
from analytics import selectors as analytics_selectors
from coaching import calendar as coaching_calendar
from coaching.calendar import runner_units, workout_links
from training import formatting, selectors, services
from training.formatting import (
    NO_BREAK_SPACE,
    format_clock_short,
    format_distance_number,
    format_pace,
    format_pace_range,
)
from training.models import Plan, PlanTemplate, Run, RunnerProfile, Workout
from training.unit_parsers import (
    UnitParseError,
    parse_distance_m,
    parse_duration_s,
    parse_pace_s_per_km,
    parse_steps_text,
)

User = get_user_model()


# --- display helpers ------------------------------------------------------------------------


def format_duration(seconds: float | None) -> str:
    return format_clock_short(seconds)


def format_km(distance_m: float | None) -> str:
    return format_distance_number(distance_m, "km")


# --- scoping ----------------------------------------------------------------------------------


def coached_runners(user: Any) -> QuerySet[Any]:
    """Users a coach may pick as a plan's runner: those they already coach (all for superusers)."""
    if user.is_superuser:
        return User.objects.order_by("username")
    return User.objects.filter(pk__in=selectors.coached_runner_ids(user)).order_by("username")


def acting_user(request: HttpRequest) -> Any:
    """The admin's logged-in user (admin views are never anonymous), typed loosely so it can be
    assigned to user foreign keys."""
    return request.user


class ScopedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Answer 404 (not Django's redirect-with-message) for objects outside ``get_queryset``,
    so a coach cannot even learn that another coach's plan exists."""

    def _require_in_scope(self, request: HttpRequest, object_id: str) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such object in your workspace.")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._require_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)


# --- writes go through training.services ---------------------------------------------------------
# The admin validates with its model forms and then hands every write to the same services as the
# API and the dashboard, so a rule enforced there (workouts inside the plan's dates, sync
# tombstones, runs unlinked and marked changed when their plan goes) holds here too.


def edited_fields(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    """The values an admin form put on ``obj`` for the model fields among ``names`` (form-only
    names such as ``DELETE``, the primary key and an inline's parent key are left out)."""
    editable = {field.name for field in obj._meta.concrete_fields if not field.primary_key}
    return {name: getattr(obj, name) for name in names if name in editable}


def adopt(saved: Model, *, into: Model) -> None:
    """Let the admin's instance take over what a create service saved: Django's admin goes on
    with the instance its form built (inline rows point at it, the log and the redirect read its
    id), while the service built and saved its own."""
    for field in saved._meta.concrete_fields:
        setattr(into, field.attname, getattr(saved, field.attname))
    into._state.adding = False
    into._state.db = saved._state.db


class ServiceWritesMixin:
    """Saves (the add and change pages) and deletes (the delete page and the "delete selected"
    action) call the admin's ``create_one``/``update_one``/``delete_one``, each a domain service,
    with the fields its validated form edited."""

    def create_one(self, fields: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update_one(self, obj: Any, fields: dict[str, Any]) -> None:
        raise NotImplementedError

    def delete_one(self, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = edited_fields(obj, form.cleaned_data)
        if change:
            self.update_one(obj, fields)
        else:
            adopt(self.create_one(fields), into=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_one(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_one(obj)


# --- comments on workouts and runs (issue 17) -------------------------------------------------


class CommentAdminForm(forms.Form):
    body = forms.CharField(
        label="Your comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )


class CommentsAdminMixin:
    """A "comments" page for each workout or run in the admin (its thread, the other side's new
    comments marked, and a form to answer), a link to it on the change page, and a "new
    comments" column in the list. Writes go through ``comment_create``; the parent is looked
    up through the admin's scoped ``get_object`` (404 outside the coach's workspace)."""

    comments_parent = ""

    def comments_urls(self) -> list[Any]:
        info = self.model._meta.app_label, self.model._meta.model_name  # type: ignore[attr-defined]
        return [
            path(
                "<path:object_id>/comments/",
                self.admin_site.admin_view(self.comments_view),  # type: ignore[attr-defined]
                name="{}_{}_comments".format(*info),
            )
        ]

    def annotate_comments(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.annotate_unread_comments(
            queryset, user=request.user, parent=self.comments_parent
        )

    @admin.display(description="new comments", ordering="unread_comments")
    def new_comments(self, obj: Any) -> str:
        count = getattr(obj, "unread_comments", 0)
        return f"{count} new" if count else "—"

    @admin.display(description="comments")
    def comments_link(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "—"
        info = self.model._meta.app_label, self.model._meta.model_name  # type: ignore[attr-defined]
        url = reverse("admin:{}_{}_comments".format(*info), args=[obj.pk])
        count = getattr(obj, "unread_comments", 0)
        label = f"Read and answer the comments ({count} new)" if count else "Comments"
        return format_html('<a href="{}">{}</a>', url, label)

    def comments_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is None:
            raise Http404("No such object in your workspace.")
        parent = {self.comments_parent: obj}
        form = CommentAdminForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                services.comment_create(
                    author=acting_user(request), body=form.cleaned_data["body"], **parent
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, "Comment sent.", messages.SUCCESS)  # type: ignore[attr-defined]
                return HttpResponseRedirect(request.path)
        comments = [
            {
                "author": comment.author.get_username(),
                "body": comment.body,
                "created_at": comment.created_at,
                "new": comment.is_new,  # type: ignore[attr-defined]
            }
            for comment in selectors.comments_on(reader=request.user, **parent)
        ]
        services.comment_mark_seen(user=acting_user(request), **parent)
        opts = self.model._meta  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": f"Comments on {obj}",
            "opts": opts,
            "original": obj,
            "comments": comments,
            "form": form,
            "change_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
            ),
        }
        return TemplateResponse(request, "admin/training/comments.html", context)


# --- plans and workouts -----------------------------------------------------------------------


class PlanAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The plan form refuses new dates that would strand saved workouts outside the plan, with
    the error ``services.plan_update`` raises, before anything is saved."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            services.plan_validate_dates(
                plan=self.instance,
                start_date=cleaned.get("start_date"),
                end_date=cleaned.get("end_date"),
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class CopyPlanForm(forms.Form):
    runner = forms.ModelChoiceField(queryset=User.objects.none(), empty_label=None)
    start_date = forms.DateField(widget=AdminDateWidget, help_text="The copy's first day.")

    def __init__(self, *args: Any, runners: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        runner_field = self.fields["runner"]
        assert isinstance(runner_field, forms.ModelChoiceField)
        runner_field.queryset = runners


class PlanChangeList(ChangeList):
    """The plan list, with each plan's adherence counted as the API counts it
    (``analytics.selectors.annotate_plan_adherence``, on the runner's local today).

    Added here rather than in ``PlanAdmin.get_queryset``: that one also feeds the list filters and
    the change pages, and the adherence costs a query (the runners' time zones) each time it is
    added. The column sorts by an expression, which is resolved after this annotation."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Plan]:
        queryset = super().get_queryset(request, exclude_parameters)
        return analytics_selectors.annotate_plan_adherence(queryset)


@admin.register(Plan)
class PlanAdmin(ServiceWritesMixin, ScopedModelAdmin):
    form = PlanAdminForm
    list_display = (
        "name",
        "runner",
        "coach",
        "start_date",
        "end_date",
        "status",
        "workouts_count",
        "adherence_so_far",
    )
    list_filter = (
        "status",
        ("coach", admin.RelatedOnlyFieldListFilter),
        ("runner", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("runner", "coach")
    search_fields = ("name", "runner__username")
    date_hierarchy = "start_date"
    ordering = ("-start_date", "name")
    actions = ["copy_to_runner", "save_as_template", "shift_workouts"]
    fieldsets = (
        (None, {"fields": ("name", "runner", "coach", "status")}),
        ("Dates", {"fields": (("start_date", "end_date"),)}),
        ("About", {"fields": ("goal", "description")}),
        ("Workouts", {"fields": ("schedule",)}),
    )
    readonly_fields = ("schedule",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(coach=acting_user(request))
        return self.annotate_progress(queryset)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PlanChangeList

    def formfield_for_dbfield(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None:
            return formfield
        if db_field.name in {"goal", "description"}:
            formfield.widget.attrs["rows"] = 2 if db_field.name == "goal" else 4
        return formfield

    @staticmethod
    def annotate_progress(queryset: QuerySet[Plan]) -> QuerySet[Plan]:
        """Add ``workouts_total`` (rest days included) with a correlated subquery, so the
        changelist costs the same number of queries for any page size. The adherence counts are
        added by ``PlanChangeList``, for the listed plans only."""
        workouts = Workout.objects.filter(plan=OuterRef("pk")).order_by().values("plan")
        total = workouts.annotate(n=Count("pk")).values("n")
        return queryset.annotate(
            workouts_total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0))
        )

    @admin.display(description="workouts", ordering="workouts_total")
    def workouts_count(self, plan: Plan) -> int:
        return int(plan.workouts_total)  # type: ignore[attr-defined]

    @admin.display(
        description="adherence so far",
        ordering=F("adherence_completed") + F("adherence_missed"),
    )
    def adherence_so_far(self, plan: Plan) -> str:
        """The plan's adherence as the API reports it (docs/API.md, "Plan adherence"), with the
        completed and due counts; a dash while nothing is due."""
        completed = int(plan.adherence_completed)  # type: ignore[attr-defined]
        missed = int(plan.adherence_missed)  # type: ignore[attr-defined]
        if not completed + missed:
            return "—"
        percentage = science.adherence_percentage(completed, missed)
        return f"{percentage:g}% ({completed}/{completed + missed})"

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        user = acting_user(request)
        if db_field.name == "runner":
            kwargs["queryset"] = coached_runners(user)
        elif db_field.name == "coach":
            coaches = selectors.coach_candidates().order_by("username")
            if user.is_superuser:
                kwargs["queryset"] = coaches
            else:
                # A coach plans only for themself: the one choice, preselected and required.
                kwargs["queryset"] = coaches.filter(pk=user.pk)
                kwargs["initial"] = user.pk
                kwargs["empty_label"] = None
                kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("coach", str(request.user.pk))
        return initial

    def save_model(self, request: HttpRequest, obj: Plan, form: Any, change: bool) -> None:
        if not request.user.is_superuser:
            obj.coach = acting_user(request)  # belt and braces: the form offers no other choice
        super().save_model(request, obj, form, change)

    def create_one(self, fields: dict[str, Any]) -> Plan:
        return services.plan_create(**fields)

    def update_one(self, obj: Plan, fields: dict[str, Any]) -> None:
        services.plan_update(plan=obj, **fields)

    @admin.display(description="workouts")
    def schedule(self, plan: Plan) -> str:
        """A compact list of the plan's workouts, each a link to its own form, and the calendar
        where they are added (the form no longer carries one inline row per workout)."""
        if plan.pk is None or plan._state.adding:
            return "Save the plan, then add its workouts on its calendar."
        return workout_links(plan)

    def get_urls(self) -> list[URLPattern]:
        calendar = path(
            "<path:object_id>/calendar/",
            self.admin_site.admin_view(self.calendar_view),
            name="training_plan_calendar",
        )
        return [calendar, *super().get_urls()]

    def calendar_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The athlete's calendar: the plan's weeks with the workouts and the runs that completed
        them, coloured as on the runner's plan page; each day adds a workout, each chip opens
        its form."""
        plan = self.get_object(request, unquote(object_id))
        if plan is None:
            raise Http404("No such object in your workspace.")
        return TemplateResponse(
            request,
            "admin/training/plan/calendar.html",
            {
                **self.admin_site.each_context(request),
                **coaching_calendar.calendar_context(plan),
                "title": f"{plan.runner.get_full_name() or plan.runner}: {plan.name}",
                "opts": self.model._meta,
                "plan": plan,
            },
        )

    def delete_one(self, obj: Plan) -> None:
        services.plan_delete(plan=obj)

    @admin.action(description="Copy plan to another runner", permissions=["add"])
    def copy_to_runner(self, request: HttpRequest, queryset: QuerySet[Plan]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one plan to copy.", messages.WARNING)
            return None
        plan = queryset.get()
        runners = coached_runners(request.user)
        form = CopyPlanForm(request.POST if "apply" in request.POST else None, runners=runners)
        if form.is_valid():
            try:
                copy = services.plan_copy_to_runner(
                    plan=plan,
                    runner=form.cleaned_data["runner"],
                    start_date=form.cleaned_data["start_date"],
                    coach=None if request.user.is_superuser else acting_user(request),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    format_html(
                        "Copied “{}” to {}, starting {} ({} workouts). The copy is a draft.",
                        plan.name,
                        copy.runner,
                        copy.start_date,
                        copy.workouts.count(),
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:training_plan_change", args=[copy.pk]))
        return action_form_page(
            self,
            request,
            title=f"Copy “{plan.name}” to another runner",
            intro=(
                f"“{plan.name}” runs from {plan.start_date} to {plan.end_date} "
                f"({plan.length_days} days) for {plan.runner}. The copy keeps every workout on the "
                "same day of the plan, shifted so that the copy starts on the date you choose. It "
                "is saved as a draft; runs are never copied."
            ),
            form=form,
            action="copy_to_runner",
            submit="Copy plan",
            selected=plan.pk,
        )

    @admin.action(description="Save plan as a template", permissions=["add"])
    def save_as_template(
        self, request: HttpRequest, queryset: QuerySet[Plan]
    ) -> HttpResponse | None:
        return save_as_template_view(self, request, queryset)

    @admin.action(description="Shift workouts of the plan", permissions=["change"])
    def shift_workouts(self, request: HttpRequest, queryset: QuerySet[Plan]) -> HttpResponse | None:
        return shift_workouts_view(self, request, queryset)


# --- the workout form, in human units --------------------------------------------------------
# Coaches type what they would write on a whiteboard; training/unit_parsers.py reads it into the
# SI units the database keeps, and training/formatting.py shows the saved values the same way.


class WorkoutAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The workout form with distances, durations, paces and steps as text in the runner's
    units (``units``, set per request by ``WorkoutAdmin.get_form``). A field the coach left as
    shown keeps its saved value exactly (the text is rounded for reading)."""

    units = formatting.DEFAULT_UNITS

    planned_distance_m = forms.CharField(label="Distance", required=False)
    planned_duration_s = forms.CharField(label="Duration", required=False)
    target_pace_min_s_per_km = forms.CharField(label="Fastest pace", required=False)
    target_pace_max_s_per_km = forms.CharField(label="Slowest pace", required=False)
    steps = forms.CharField(
        label="Steps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "spellcheck": "false"}),
    )

    class Meta:
        model = Workout
        fields = (
            "plan",
            "scheduled_date",
            "name",
            "workout_type",
            "planned_distance_m",
            "planned_duration_s",
            "target_pace_min_s_per_km",
            "target_pace_max_s_per_km",
            "steps",
            "notes",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = self.units
        unit = formatting.unit_label(units)
        shown: dict[str, Callable[[Any, str], str]] = {
            "planned_distance_m": formatting.format_distance_input,
            "planned_duration_s": lambda value, _units: formatting.format_clock_short(
                value, empty=""
            ),
            "target_pace_min_s_per_km": formatting.format_pace_input,
            "target_pace_max_s_per_km": formatting.format_pace_input,
            "steps": formatting.format_steps_text,
        }
        for name, show in shown.items():
            value = getattr(self.instance, name) if self.instance.pk else None
            if value not in (None, []):
                self.initial[name] = show(value, units)
        distance_help = f"In {unit} unless you type a unit: 10, 10 km, 6.2 mi or 400 m."
        self.fields["planned_distance_m"].help_text = distance_help
        self.fields["planned_duration_s"].help_text = "As mm:ss or h:mm:ss: 45:00 or 1:42:40."
        pace_help = f"Minutes:seconds per {unit}, e.g. 5:45."
        self.fields["target_pace_min_s_per_km"].help_text = pace_help
        self.fields["target_pace_max_s_per_km"].help_text = pace_help
        self.fields["steps"].help_text = (
            f"Optional structured session, one step per row in {unit}: warmup 2 km · "
            "work 1 km at 4:00 · recovery 2:00 (or jog 2 min) · cooldown 10 min · "
            "6 x work 400 m at 1:30-1:35 · and a repeat block 5 x [work 1 km at 4:00; jog 2 min]. "
            "Planned distance and duration are worked out from the steps when left empty."
        )

    def _typed(self, name: str, parse: Any) -> Any:
        if self.instance.pk and name not in self.changed_data:
            return getattr(self.instance, name)
        try:
            return parse(self.cleaned_data.get(name) or "")
        except UnitParseError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def clean_planned_distance_m(self) -> float | None:
        return self._typed("planned_distance_m", lambda text: parse_distance_m(text, self.units))  # type: ignore[no-any-return]

    def clean_planned_duration_s(self) -> int | None:
        return self._typed("planned_duration_s", parse_duration_s)  # type: ignore[no-any-return]

    def clean_target_pace_min_s_per_km(self) -> float | None:
        return self._typed(  # type: ignore[no-any-return]
            "target_pace_min_s_per_km", lambda text: parse_pace_s_per_km(text, self.units)
        )

    def clean_target_pace_max_s_per_km(self) -> float | None:
        return self._typed(  # type: ignore[no-any-return]
            "target_pace_max_s_per_km", lambda text: parse_pace_s_per_km(text, self.units)
        )

    def clean_steps(self) -> list[dict[str, Any]]:
        steps = self._typed("steps", lambda text: parse_steps_text(text, self.units))
        return steps or []


@admin.register(Workout)
class WorkoutAdmin(CommentsAdminMixin, ServiceWritesMixin, ScopedModelAdmin):
    """Each workout on its own form, in the runner's units (``WorkoutAdminForm``); the plan's
    calendar leads here, and a plain save goes back there."""

    form = WorkoutAdminForm
    fieldsets = (
        (None, {"fields": ("plan", ("scheduled_date", "workout_type"), "name")}),
        (
            "Targets",
            {
                "fields": (
                    ("planned_distance_m", "planned_duration_s"),
                    ("target_pace_min_s_per_km", "target_pace_max_s_per_km"),
                )
            },
        ),
        ("Structure", {"fields": ("steps", "notes")}),
        ("Comments", {"fields": ("comments_link",)}),
    )

    comments_parent = "workout"
    list_display = (
        "scheduled_date",
        "name",
        "workout_type",
        "plan",
        "runner",
        "distance_km",
        "duration",
        "pace_range",
        "new_comments",
    )
    readonly_fields = ("comments_link",)
    list_filter = ("workout_type", ("plan", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("plan", "plan__runner")
    search_fields = ("name", "plan__name", "notes")
    date_hierarchy = "scheduled_date"
    ordering = ("scheduled_date",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Workout]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(plan__coach=acting_user(request))
        return self.annotate_comments(request, queryset)

    def get_urls(self) -> list[Any]:
        return [*self.comments_urls(), *super().get_urls()]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """The form in the units of the workout's runner: the saved workout's, or on the add
        page the runner of the plan named in the form or the query string."""
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"units": self.units_for(request, obj)})

    def units_for(self, request: HttpRequest, obj: Workout | None) -> str:
        plan: Plan | None = obj.plan if obj is not None else None
        if plan is None:
            plan_id = request.POST.get("plan") or request.GET.get("plan") or ""
            try:
                plan = self.plan_choices(request).select_related("runner__profile").get(pk=plan_id)
            except (Plan.DoesNotExist, ValidationError, ValueError):
                plan = None
        return runner_units(plan) if plan is not None else formatting.DEFAULT_UNITS

    def plan_choices(self, request: HttpRequest) -> QuerySet[Plan]:
        if request.user.is_superuser:
            return Plan.objects.all()
        return Plan.objects.filter(coach=acting_user(request))

    def response_add(
        self, request: HttpRequest, obj: Workout, post_url_continue: str | None = None
    ) -> HttpResponse:
        if self.back_to_calendar(request):
            return self.calendar_redirect(request, obj, "added")
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Workout) -> HttpResponse:
        if self.back_to_calendar(request):
            return self.calendar_redirect(request, obj, "changed")
        return super().response_change(request, obj)

    @staticmethod
    def back_to_calendar(request: HttpRequest) -> bool:
        """Plain "Save" returns to the plan's calendar, where the coach came from; "Save and
        continue" and "Save and add another" keep Django's behaviour."""
        return not {"_continue", "_addanother", "_saveasnew"} & set(request.POST)

    def calendar_redirect(self, request: HttpRequest, obj: Workout, verb: str) -> HttpResponse:
        self.message_user(request, f"Workout “{obj.name}” on {obj.scheduled_date} {verb}.")
        return HttpResponseRedirect(reverse("admin:training_plan_calendar", args=[obj.plan_id]))

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "plan" and not request.user.is_superuser:
            kwargs["queryset"] = self.plan_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create_one(self, fields: dict[str, Any]) -> Workout:
        return services.workout_create(**fields)

    def update_one(self, obj: Workout, fields: dict[str, Any]) -> None:
        services.workout_update(workout=obj, **fields)

    def delete_one(self, obj: Workout) -> None:
        services.workout_delete(workout=obj)

    @admin.display(description="runner", ordering="plan__runner__username")
    def runner(self, workout: Workout) -> str:
        return str(workout.plan.runner)

    @admin.display(description="distance (km)", ordering="planned_distance_m")
    def distance_km(self, workout: Workout) -> str:
        return format_km(workout.planned_distance_m)

    @admin.display(description="duration", ordering="planned_duration_s")
    def duration(self, workout: Workout) -> str:
        return format_duration(workout.planned_duration_s)

    @admin.display(description="pace range")
    def pace_range(self, workout: Workout) -> str:
        fastest, slowest = workout.target_pace_min_s_per_km, workout.target_pace_max_s_per_km
        return format_pace_range(fastest, slowest, "km", gap=NO_BREAK_SPACE)


# --- runs -------------------------------------------------------------------------------------


@admin.register(Run)
class RunAdmin(CommentsAdminMixin, ServiceWritesMixin, ScopedModelAdmin):
    """Read-mostly: coaches view their runners' runs; only superusers change them here
    (runners log and edit runs in the dashboard and the API). Coaches comment on them from
    their comments page."""

    comments_parent = "run"
    list_display = (
        "local_date",
        "runner",
        "distance_km",
        "duration",
        "pace",
        "avg_heart_rate",
        "perceived_effort",
        "plan",
        "workout",
        "new_comments",
    )
    list_filter = ("source", ("runner", admin.RelatedOnlyFieldListFilter), "local_date")
    list_select_related = ("runner", "plan", "workout")
    search_fields = ("notes",)
    date_hierarchy = "local_date"
    ordering = ("-started_at",)
    raw_id_fields = ("runner", "plan", "workout")
    readonly_fields = (
        "comments_link",
        "local_date",
        "pace",
        "source_hash",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Run]:
        runs = selectors.runs_visible_to(request.user).select_related("runner", "plan", "workout")
        return self.annotate_comments(request, runs)

    def get_urls(self) -> list[Any]:
        return [*self.comments_urls(), *super().get_urls()]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Run | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Run | None = None) -> bool:
        return request.user.is_superuser

    def create_one(self, fields: dict[str, Any]) -> Run:
        return services.run_create(**fields)

    def update_one(self, obj: Run, fields: dict[str, Any]) -> None:
        services.run_update(run=obj, **fields)

    def delete_one(self, obj: Run) -> None:
        services.run_delete(run=obj)

    @admin.display(description="distance (km)", ordering="distance_m")
    def distance_km(self, run: Run) -> str:
        return format_km(run.distance_m)

    @admin.display(description="moving time", ordering="duration_s")
    def duration(self, run: Run) -> str:
        return format_duration(run.duration_s)

    @admin.display(description="pace")
    def pace(self, run: Run) -> str:
        return format_pace(run.pace_s_per_km, "km", gap=NO_BREAK_SPACE)


# --- runner profiles --------------------------------------------------------------------------


class RunnerProfileInline(admin.StackedInline):  # type: ignore[type-arg]
    model = RunnerProfile
    can_delete = False
    fields = ("units", "timezone", "sex", "max_hr", "resting_hr")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):  # type: ignore[type-arg]
    inlines = [RunnerProfileInline]

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # The post_save signal creates the profile when the user is added; an inline on the add
        # page would try to create a second one.
        return [] if obj is None else super().get_inline_instances(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The profile row is saved through ``profile_update`` (the dashboard's service)."""
        formset.save(commit=False)
        for profile in formset.new_objects:  # a user from before profiles existed
            existing = services.profile_get_or_create(user=form.instance)
            fields = edited_fields(profile, RunnerProfileInline.fields)
            services.profile_update(profile=existing, **fields)
        for profile, changed in formset.changed_objects:
            services.profile_update(profile=profile, **edited_fields(profile, changed))


@admin.register(RunnerProfile)
class RunnerProfileAdmin(ServiceWritesMixin, ScopedModelAdmin):
    """Coaches read their runners' heart-rate settings (they feed TRIMP); the calendar token is
    never shown."""

    list_display = ("user", "units", "timezone", "max_hr", "resting_hr", "sex")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "units", "timezone", "sex", "max_hr", "resting_hr")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RunnerProfile]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(user__in=selectors.coached_runner_ids(request.user))
        return queryset

    def update_one(self, obj: RunnerProfile, fields: dict[str, Any]) -> None:
        services.profile_update(profile=obj, **fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # every user gets a profile automatically

    def has_change_permission(self, request: HttpRequest, obj: RunnerProfile | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: RunnerProfile | None = None) -> bool:
        return False


# --- plan templates and the bulk shift (issue 17) ------------------------------------------------
# The forms only shape input; training.services does the work, as for the API's routes
# (POST /plans/{id}/save-as-template, /plans/{id}/shift, /plan-templates/{id}/apply).


class SaveTemplateForm(forms.Form):
    name = forms.CharField(max_length=255, required=False, help_text="Defaults to the plan's.")
    anchor = forms.ChoiceField(
        choices=PlanTemplate.Anchor.choices,
        initial=PlanTemplate.Anchor.START,
        help_text="Count the workouts' days from the plan's first day, or from its race day "
        "(its last race workout), so the template can be applied with a race date.",
    )


class ShiftWorkoutsForm(forms.Form):
    days = forms.IntegerField(
        required=False,
        min_value=-365,
        max_value=365,
        help_text="Move by this many days (negative: earlier); or give a new first day.",
    )
    start_on = forms.DateField(
        required=False,
        widget=AdminDateWidget,
        label="New first day",
        help_text="The earliest of the moved workouts lands on this day.",
    )
    first_day = forms.DateField(
        required=False,
        widget=AdminDateWidget,
        label="From",
        help_text="Move the workouts scheduled from this day; empty: from the runner's today.",
    )
    last_day = forms.DateField(
        required=False,
        widget=AdminDateWidget,
        label="To",
        help_text="…to this day; empty: to the plan's end.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("days") is None) == (cleaned.get("start_on") is None):
            raise ValidationError("Give either a number of days or a new first day (one).")
        return cleaned


class ApplyTemplateForm(forms.Form):
    runner = forms.ModelChoiceField(queryset=User.objects.none(), empty_label=None)
    start_date = forms.DateField(
        required=False, widget=AdminDateWidget, help_text="The plan's first day; or a race date."
    )
    race_date = forms.DateField(
        required=False,
        widget=AdminDateWidget,
        help_text="Race day, for a template counted from race day.",
    )

    def __init__(self, *args: Any, runners: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        runner_field = self.fields["runner"]
        assert isinstance(runner_field, forms.ModelChoiceField)
        runner_field.queryset = runners


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on the field it names when the form
    has that field, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


def action_form_page(
    modeladmin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    *,
    title: str,
    intro: str,
    form: forms.Form,
    action: str,
    submit: str,
    selected: Any = None,
) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "form": form,
        "action": action,
        "submit": submit,
        "selected": selected,
        "media": modeladmin.media + form.media,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/training/action_form.html", context)


def save_as_template_view(
    modeladmin: PlanAdmin, request: HttpRequest, queryset: QuerySet[Plan]
) -> HttpResponse | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one plan to save.", messages.WARNING)
        return None
    plan = queryset.get()
    form = SaveTemplateForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        try:
            template = services.plan_template_create(
                plan=plan, owner=acting_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            modeladmin.message_user(
                request,
                format_html(
                    "Saved “{}” as the template “{}” ({} workouts).",
                    plan.name,
                    template.name,
                    template.workouts.count(),
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:training_plantemplate_changelist"))
    return action_form_page(
        modeladmin,
        request,
        title=f"Save “{plan.name}” as a template",
        intro=f"The template keeps the {plan.length_days} days of the plan and its workouts; "
        "later changes to the plan do not change it.",
        form=form,
        action="save_as_template",
        submit="Save template",
        selected=plan.pk,
    )


def shift_workouts_view(
    modeladmin: PlanAdmin, request: HttpRequest, queryset: QuerySet[Plan]
) -> HttpResponse | None:
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one plan to shift.", messages.WARNING)
        return None
    plan = queryset.select_related("runner").get()
    form = ShiftWorkoutsForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        try:
            result = services.plan_shift_workouts(plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            modeladmin.message_user(
                request,
                f"Moved {len(result.workouts)} workouts of “{plan.name}” by {result.days} days.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:training_plan_change", args=[plan.pk]))
    return action_form_page(
        modeladmin,
        request,
        title=f"Shift workouts of “{plan.name}”",
        intro=f"The plan runs from {plan.start_date} to {plan.end_date}. A shift that would "
        "move a workout outside these dates is refused, and then nothing moves.",
        form=form,
        action="shift_workouts",
        submit="Shift workouts",
        selected=plan.pk,
    )


@admin.register(PlanTemplate)
class PlanTemplateAdmin(ScopedModelAdmin):
    """A coach's own templates (``templates_visible_to``): read, renamed, deleted, and applied
    to a runner from the "apply" page."""

    list_display = ("name", "anchor", "length_days", "workouts_count", "created_at", "apply_link")
    search_fields = ("name",)
    fields = ("name", "description", "goal", "anchor", "length_days", "start_offset_days")
    readonly_fields = ("anchor", "length_days", "start_offset_days")
    ordering = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PlanTemplate]:
        return selectors.templates_visible_to(request.user).annotate(
            workouts_total=Count("workouts")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a template is saved from a plan (the plan list's action)

    def save_model(self, request: HttpRequest, obj: PlanTemplate, form: Any, change: bool) -> None:
        services.plan_template_update(template=obj, **edited_fields(obj, form.changed_data))

    def delete_model(self, request: HttpRequest, obj: PlanTemplate) -> None:
        services.plan_template_delete(template=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PlanTemplate]) -> None:
        with transaction.atomic():
            for template in queryset:
                services.plan_template_delete(template=template)

    @admin.display(description="workouts", ordering="workouts_total")
    def workouts_count(self, template: PlanTemplate) -> int:
        return int(template.workouts_total)  # type: ignore[attr-defined]

    @admin.display(description="apply")
    def apply_link(self, template: PlanTemplate) -> str:
        url = reverse("admin:training_plantemplate_apply", args=[template.pk])
        return format_html('<a href="{}">Apply to a runner…</a>', url)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/apply/",
                self.admin_site.admin_view(self.apply_view),
                name="training_plantemplate_apply",
            ),
            *super().get_urls(),
        ]

    def apply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        template = self.get_object(request, unquote(object_id))
        if template is None or not self.has_view_permission(request, template):
            raise Http404("No such template in your workspace.")
        if not request.user.has_perm("training.add_plan"):
            raise PermissionDenied
        form = ApplyTemplateForm(
            request.POST if request.method == "POST" else None,
            runners=coached_runners(request.user),
        )
        if form.is_valid():
            try:
                plan = services.plan_template_apply(
                    template=template,
                    coach=None if request.user.is_superuser else acting_user(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    format_html(
                        "Made “{}” for {} from {} to {} ({} workouts). The plan is a draft.",
                        plan.name,
                        plan.runner,
                        plan.start_date,
                        plan.end_date,
                        plan.workouts.count(),
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:training_plan_change", args=[plan.pk]))
        anchor = (
            "race day (give the race date, or a start date)"
            if template.has_race_day
            else "the plan's first day (give a start date)"
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Apply the template “{template.name}”",
            "intro": f"{template.length_days} days; the workouts are counted from {anchor}.",
            "opts": self.model._meta,
            "form": form,
            "action": None,
            "submit": "Make the plan",
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/training/action_form.html", context)


# django-tasks-db registers its queue table; the queue is the import workers' plumbing, not the
# coach workspace (a runner follows an import on its page and in the API), so it stays out.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
