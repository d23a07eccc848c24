"""Dashboard forms. They check input shape only (a number, a time, a choice) and convert it to
SI units; the rules about runs live in ``training.services`` / the models and come back as
field errors through ``add_model_errors``.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from training import formatting
from training.models import (
    DEFAULT_SHOE_RETIREMENT_M,
    Run,
    RunnerProfile,
    Shoe,
    Workout,
    available_timezones,
)
from training.selectors import runner_shoe_choices, runner_workouts_linkable
from training.uploads import UPLOAD_FIELD

# Model field → form field, so a service's ValidationError lands next to the right input.
RUN_MODEL_TO_FORM_FIELD = {
    "started_at": "started_at",
    "distance_m": "distance",
    "duration_s": "duration",
    "avg_heart_rate": "avg_heart_rate",
    "max_heart_rate": "max_heart_rate",
    "perceived_effort": "perceived_effort",
    "notes": "notes",
    "workout": "workout",
    "plan": "workout",
    "shoe": "shoe",
}
SHOE_MODEL_TO_FORM_FIELD = {
    "name": "name",
    "starting_distance_m": "starting_distance",
    "retirement_distance_m": "retirement_distance",
    "is_default": "is_default",
    "retired": "retired",
}


def add_model_errors(
    form: forms.BaseForm, error: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Attach a model/service ``ValidationError`` to ``form``: per field where the form has
    that field, otherwise as a form-wide error."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for model_field, messages in error.message_dict.items():
        name = (field_map or {}).get(model_field, model_field)
        form.add_error(name if name in form.fields else None, messages)


class DurationField(forms.CharField):
    """One text input for a duration, typed as ``h:mm:ss`` or ``mm:ss``; cleans to seconds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "placeholder": "h:mm:ss or mm:ss",
                    "autocomplete": "off",
                    "maxlength": "12",
                    "pattern": r"(\d+:)?\d+:\d{1,2}",
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return formatting.parse_duration(text)
        except formatting.DurationParseError as exc:
            raise ValidationError(str(exc), code="invalid_duration") from exc


def week_start(day: date) -> date:
    """Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def linkable_workouts(runner: Any, around: date) -> QuerySet[Workout]:
    """Non-rest workouts of the runner's own plans in the week of ``around`` and the week
    before it (Monday's run often makes up Sunday's long run)."""
    start = week_start(around) - timedelta(days=7)
    return runner_workouts_linkable(
        runner=runner, first_day=start, last_day=start + timedelta(days=13)
    )


class WorkoutChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, units: str = "km", **kwargs: Any) -> None:
        self.units = units
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Workout) -> str:
        planned = ""
        if obj.planned_distance_m:
            planned = f" · {formatting.format_distance(obj.planned_distance_m, self.units)}"
        elif obj.planned_duration_s:
            planned = f" · {formatting.format_duration(obj.planned_duration_s)}"
        return f"{obj.scheduled_date:%a %d %b} · {obj.name}{planned}"


class ShoeChoiceField(forms.ChoiceField):
    """A run's shoe among the runner's, cleaned to the ``Shoe`` (or ``None``). Filled with
    ``offer_shoes`` from one query that also finds the default to preselect."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, label="Shoe", choices=[("", "No shoe")], **kwargs)
        self.shoes: dict[str, Shoe] = {}

    def offer(self, shoes: list[Shoe]) -> None:
        self.shoes = {str(shoe.pk): shoe for shoe in shoes}
        self.choices = [("", "No shoe")] + [(str(shoe.pk), self.label_for(shoe)) for shoe in shoes]

    @staticmethod
    def label_for(shoe: Shoe) -> str:
        if shoe.retired:
            return f"{shoe.name} (retired)"
        return f"{shoe.name} (default)" if shoe.is_default else shoe.name

    def clean(self, value: Any) -> Shoe | None:  # type: ignore[override]
        chosen = super().clean(value)
        return self.shoes.get(str(chosen)) if chosen else None


def offer_shoes(form: forms.BaseForm, runner: Any, *, keep: Any = None) -> None:
    """The runner's shoes in use (and ``keep``, a run's own shoe) in ``form``'s ``shoe`` field;
    an unbound form without a chosen shoe preselects the default one (docs/API.md, Shoes)."""
    shoes = list(runner_shoe_choices(runner, keep=keep))
    field: ShoeChoiceField = form.fields["shoe"]  # type: ignore[assignment]
    field.offer(shoes)
    if "shoe" not in form.initial:  # a new run (an edited run keeps its own, even none)
        default = next((shoe for shoe in shoes if shoe.is_default), None)
        form.initial["shoe"] = str(default.pk) if default else ""
    elif form.initial["shoe"] is not None:
        form.initial["shoe"] = str(form.initial["shoe"])


class RunForm(forms.Form):
    """Log or edit a run. Distance is typed in the runner's unit, the start in their time
    zone; ``cleaned_run_fields()`` gives the SI keyword arguments for the run services."""

    started_at = forms.DateTimeField(
        label="Start",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    distance = forms.DecimalField(
        error_messages={"required": "Enter the distance you ran."},
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    duration = DurationField(
        label="Moving time",
        error_messages={"required": "Enter the moving time, e.g. 42:15 or 1:05:30."},
    )
    avg_heart_rate = forms.IntegerField(
        label="Avg HR (bpm)", required=False, widget=forms.NumberInput(attrs={"step": "1"})
    )
    max_heart_rate = forms.IntegerField(
        label="Max HR (bpm)", required=False, widget=forms.NumberInput(attrs={"step": "1"})
    )
    perceived_effort = forms.TypedChoiceField(
        label="Effort (RPE)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(n, f"{n}") for n in range(1, 11)],
    )
    workout = WorkoutChoiceField(
        queryset=Workout.objects.none(),
        required=False,
        label="Planned workout",
        empty_label="Not linked to a plan",
    )
    shoe = ShoeChoiceField()
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self, *args: Any, runner: Any, tz: zoneinfo.ZoneInfo, units: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.runner, self.tz, self.units = runner, tz, units
        offer_shoes(self, runner, keep=self.initial.get("shoe"))
        self.fields["distance"].label = f"Distance ({formatting.unit_label(units)})"
        self.fields["started_at"].widget.attrs["max"] = timezone.localtime(
            timezone.now(), tz
        ).strftime("%Y-%m-%dT%H:%M")
        workout_field: WorkoutChoiceField = self.fields["workout"]  # type: ignore[assignment]
        workout_field.units = units
        workout_field.queryset = linkable_workouts(runner, self._reference_date())

    def _reference_date(self) -> date:
        """The day whose week the workout choices come from: the typed start when it parses,
        else the initial start, else today."""
        if self.is_bound:
            raw = self.data.get(self.add_prefix("started_at"), "")
            for fmt in self.fields["started_at"].input_formats:  # type: ignore[attr-defined]
                try:
                    return datetime.strptime(raw.strip(), fmt).date()
                except ValueError:
                    continue
        initial = self.initial.get("started_at")
        if isinstance(initial, datetime):
            return initial.date()
        return timezone.localtime(timezone.now(), self.tz).date()

    def clean_started_at(self) -> datetime:
        value: datetime = self.cleaned_data["started_at"]
        # The typed wall-clock time is in the runner's zone, whatever zone the server runs in.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.tz)

    def cleaned_run_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "started_at": data["started_at"],
            "distance_m": formatting.distance_to_m(data["distance"], self.units),
            "duration_s": data["duration"],
            "avg_heart_rate": data["avg_heart_rate"],
            "max_heart_rate": data["max_heart_rate"],
            "perceived_effort": data["perceived_effort"],
            "workout": data["workout"],
            "plan": data["workout"].plan if data["workout"] else None,
            "shoe": data["shoe"],
            "notes": data["notes"],
        }

    @staticmethod
    def initial_for(run: Run, *, tz: zoneinfo.ZoneInfo, units: str) -> dict[str, Any]:
        distance = formatting.distance_in_units(run.distance_m, units) or 0
        return {
            "started_at": timezone.localtime(run.started_at, tz).replace(tzinfo=None),
            "distance": f"{distance:.2f}",
            "duration": formatting.format_duration(run.duration_s),
            "avg_heart_rate": run.avg_heart_rate,
            "max_heart_rate": run.max_heart_rate,
            "perceived_effort": run.perceived_effort,
            "workout": run.workout_id,
            "shoe": run.shoe_id,
            "notes": run.notes,
        }


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class ProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)

    class Meta:
        model = RunnerProfile
        fields = ["units", "timezone", "max_hr", "resting_hr", "sex"]
        widgets = {"units": forms.RadioSelect}
        labels = {"sex": "Sex (for TRIMP)", "max_hr": "Max heart rate (bpm)"}


class RunUploadForm(forms.Form):
    """The dashboard's activity-file upload: one file, recognised later by its content (the
    ``accept`` list only helps the phone's file picker)."""

    file = forms.FileField(
        label="Activity file",
        error_messages={
            "required": "Choose a GPX, TCX or FIT file to upload.",
            "empty": "The file is empty.",
        },
        widget=forms.FileInput(attrs={"accept": ".gpx,.tcx,.fit,.gz"}),
        help_text="GPX, TCX or FIT, as your watch or app exports it; gzip-compressed is fine.",
    )
    shoe = ShoeChoiceField()

    def __init__(self, *args: Any, runner: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_shoes(self, runner)

    @classmethod
    def refused(cls, message: str, *, runner: Any) -> RunUploadForm:
        """The form as shown again for an upload refused before its file was read (over the
        size limit): ``message`` sits next to the file input, as any other file error."""
        form = cls(data={}, files=MultiValueDict(), runner=runner)
        form.errors[UPLOAD_FIELD] = form.error_class([message], renderer=form.renderer)
        return form


class ShoeForm(forms.Form):
    """Add or change a shoe; distances are typed in the runner's unit (whole or decimal)."""

    name = forms.CharField(max_length=100, error_messages={"required": "Name the shoe."})
    starting_distance = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=2,
        help_text="What it had run before you added it.",
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    retirement_distance = forms.DecimalField(
        min_value=Decimal("1"),
        max_digits=9,
        decimal_places=2,
        help_text="When to replace it: usually 500 to 800 km (300 to 500 mi).",
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "decimal"}),
    )
    is_default = forms.BooleanField(required=False, label="Default for new runs")
    retired = forms.BooleanField(required=False, label="Retired")

    def __init__(self, *args: Any, units: str, with_retired: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        unit = formatting.unit_label(units)
        self.fields["starting_distance"].label = f"Starting distance ({unit})"
        self.fields["retirement_distance"].label = f"Retirement distance ({unit})"
        if not with_retired:
            del self.fields["retired"]

    def cleaned_shoe_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "starting_distance_m": formatting.distance_to_m(
                data["starting_distance"] or 0, self.units
            ),
            "retirement_distance_m": formatting.distance_to_m(
                data["retirement_distance"], self.units
            ),
            "is_default": data["is_default"],
        }
        if "retired" in self.fields:
            fields["retired"] = data["retired"]
        return fields

    @staticmethod
    def initial_for(shoe: Shoe | None, *, units: str) -> dict[str, Any]:
        if shoe is None:
            retirement = formatting.distance_in_units(DEFAULT_SHOE_RETIREMENT_M, units) or 0
            return {"starting_distance": "0", "retirement_distance": f"{retirement:.0f}"}
        start = formatting.distance_in_units(shoe.starting_distance_m, units) or 0
        retire = formatting.distance_in_units(shoe.retirement_distance_m, units) or 0
        return {
            "name": shoe.name,
            "starting_distance": f"{start:.1f}",
            "retirement_distance": f"{retire:.0f}",
            "is_default": shoe.is_default,
            "retired": shoe.retired,
        }


class HistoryImportForm(forms.Form):
    """The dashboard's whole-history upload: one Strava or Garmin export archive."""

    archive = forms.FileField(
        label="Export archive",
        error_messages={
            "required": "Choose your Strava or Garmin export (a ZIP file) to upload.",
            "empty": "The file is empty.",
        },
        widget=forms.FileInput(attrs={"accept": ".zip,application/zip"}),
        help_text="The ZIP file from Strava's \u201cDownload your data\u201d or Garmin's export.",
    )

    @classmethod
    def refused(cls, message: str) -> HistoryImportForm:
        """The form shown again for an upload refused before its file was read."""
        form = cls(data={}, files=MultiValueDict())
        form.errors["archive"] = form.error_class([message], renderer=form.renderer)
        return form
