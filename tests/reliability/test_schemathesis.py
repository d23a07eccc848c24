"""Schema fuzzing (issue 9): schemathesis generates requests from the live OpenAPI schema (valid
and deliberately invalid ones) and sends them in-process to the WSGI app as a runner with a real
token. Every response must be documented (status, content type, headers, body schema), no 5xx,
schema-invalid input is rejected with a 4xx, and every error is in the one error shape (docs/API.md,
Errors).

The number of examples per operation is bounded (``EXAMPLES_PER_OPERATION``) so the whole fuzz
stays around a minute on a 2-core machine; the totals are printed at the end of the run.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken

from tests.factories import PlanFactory, RunFactory, ShoeFactory, UserFactory, WorkoutFactory
from tests.reliability import fuzz_stats
from tests.training.importers.builders import Leg, gpx_bytes, route
from training import services
from training.history.models import ImportJob

EXAMPLES_PER_OPERATION = 20
_SMALL_ARCHIVE = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP: its job finds nothing
FUZZ_PASSWORD = "fuzz-password-1"


# pytest-django has configured Django before test modules are imported, so the schema is read
# from the running app itself (GET /api/schema/ through WSGI), exactly as clients see it.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Invalid input may also be refused by a documented rule that runs first: a stale If-Match (412)
# is checked before the body, a conflict (409) before nothing is written. Both are rejections.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "409", "412"]
# A well-formed If-Match naming a version that is not stored is refused with 412 however valid
# the rest of the request: like a 404 for an unknown id, a precondition on stored state.
_acceptance = schema.config.checks.positive_data_acceptance
_acceptance.expected_statuses = [*_acceptance.expected_statuses, "412"]
# The coverage phase enumerates every boundary of every parameter (about 5 000 requests, nearly
# three minutes here); its findings are pinned as plain tests in test_input_attacks.py, and the
# random fuzzing phase (valid and invalid data) runs on every suite run within a bounded budget.
schema.config.phases.coverage.enabled = False


@pytest.fixture
def _keep_test_connection():
    """The WSGI handler closes "old" connections when a request starts and ends, which would
    close the test's transaction on PostgreSQL; Django's own test client detaches the same
    receivers for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db, _keep_test_connection, import_archive_dir):
    """A runner with a token and one plan, workout, run, shoe and import job, so generated ids
    can name real objects (otherwise every detail request would be a 404)."""
    cache.clear()
    runner = UserFactory(username="fuzz_runner", password=FUZZ_PASSWORD)
    start = date(2026, 1, 5)
    plan = PlanFactory(runner=runner, start_date=start, end_date=start + timedelta(days=83))
    workout = WorkoutFactory(plan=plan, scheduled_date=start + timedelta(days=1))
    run = RunFactory(
        runner=runner, plan=plan, workout=workout, started_at=datetime(2026, 1, 6, 7, tzinfo=UTC)
    )
    shoe = ShoeFactory(runner=runner)
    _, token = AuthToken.objects.create(runner)
    template = services.plan_template_create(plan=plan, owner=runner)
    job = ImportJob.objects.create(runner=runner, original_name="export.zip")
    yield {
        "token": token,
        "template": template.pk,
        "import": job.pk,
        "plan": plan.pk,
        "workout": workout.pk,
        "run": run.pk,
        "shoe": shoe.pk,
        "runner_id": runner.pk,
        "plan_start": plan.start_date,
        "plan_end": plan.end_date,
    }
    cache.clear()


def real_id_for(path: str, world: dict) -> uuid.UUID:
    if path.startswith("/api/v1/workouts/"):
        return world["workout"]
    if path.startswith("/api/v1/runs/"):
        return world["run"]
    if path.startswith("/api/v1/plan-templates/"):
        return world["template"]
    if path.startswith("/api/v1/shoes/"):
        return world["shoe"]
    if path.startswith("/api/v1/imports/"):
        return world["import"]
    return world["plan"]


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None


def keep_documented_rules(case, world: dict) -> None:
    """Make a schema-valid request keep the rules the schema states only in words (each is in its
    operation's or field's description): dates that relate to each other or to stored objects,
    ids of objects the caller may name, no start in the future. Only positive cases are touched,
    so positive-data acceptance checks everything the schema can state, and no more."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    path, method = case.operation.path, case.method.upper()
    query = case.query if isinstance(case.query, dict) else {}
    if path.endswith("/analytics/summary"):
        if "period" in query:
            query.pop("from", None)
            query.pop("to", None)
        elif "from" in query and "to" in query and str(query["from"]) > str(query["to"]):
            query["from"], query["to"] = query["to"], query["from"]
    if path.endswith("/weekly-summary"):
        query["week_number"] = 1
    if path.endswith(("/cancel", "/undo")) and path.startswith("/api/v1/imports/"):
        # Cancel and undo are refused (409) once done; each example meets a job still queued.
        ImportJob.objects.filter(pk=world["import"]).update(status=ImportJob.Status.QUEUED)
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    if path.endswith("/auth/token"):  # wrong credentials are a 400 however well formed
        body.update(username="fuzz_runner", password=FUZZ_PASSWORD)
    if path.endswith("/imports"):  # any bytes fit the schema; an empty upload is refused
        body["archive"] = _SMALL_ARCHIVE
        return
    if path.endswith("/runs/import"):  # any bytes fit the schema; only activity files import
        body["file"] = gpx_bytes(
            route([Leg(duration_s=900, speed_m_s=3.3)], start=datetime(2026, 1, 20, 7, tzinfo=UTC))
        )
        if "shoe" in body:
            body["shoe"] = str(world["shoe"])
        return
    plan_start, plan_end = world["plan_start"], world["plan_end"]
    if "runner" in body:
        body["runner"] = world["runner_id"]
    if "coach" in body:
        body["coach"] = None
    if path.endswith("/copy") or path.endswith("/apply"):
        start = _date(str(body.get("start_date"))) or plan_start
        body["start_date"] = min(start, date(2999, 9, 1)).isoformat()
        # A template saved from the start takes a start date, never a race date (exactly one).
        body.pop("race_date", None)
    if path.endswith("/save-as-template"):
        body["anchor"] = "start"  # anchoring on race day needs a race workout, which it has not
    if path.endswith("/shift"):
        _keep_shift_rules(body, world)
    elif _is_plan_route(path) and ("start_date" in body or "end_date" in body):
        if method == "POST":
            start = min(_date(str(body.get("start_date"))) or plan_start, date(2999, 1, 1))
            end = start + timedelta(days=30)
            body["start_date"], body["end_date"] = start.isoformat(), end.isoformat()
        else:  # the stored plan's workouts must stay inside it
            body["start_date"], body["end_date"] = plan_start.isoformat(), plan_end.isoformat()
    if "workout" in path or path.endswith("/workouts"):
        _keep_workout_rules(body, world)
    if "/runs" in path:
        _keep_run_rules(body, world, method)
    if path.endswith("/profile"):
        _keep_profile_rules(body)
    if "/shoes" in path:
        _keep_shoe_rules(body)


def _keep_shoe_rules(body: dict) -> None:
    # A retired shoe is never the default (docs/API.md, Shoes); an earlier example may have
    # retired the stored shoe, so making it the default says it is in use again.
    if body.get("is_default"):
        body["retired"] = False


def _keep_shift_rules(body: dict, world: dict) -> None:
    """Exactly one of ``days`` and ``start_on``, over a range holding the plan's workouts, and
    no workout leaving the plan: the earliest moved to the plan's first day (workouts only ever
    sit on or after it), or by 0 days."""
    body["first_day"] = world["plan_start"].isoformat()
    body.pop("last_day", None)
    if "start_on" in body and "days" not in body:
        body["start_on"] = world["plan_start"].isoformat()
    else:
        body.pop("start_on", None)
        body["days"] = 0


def _is_plan_route(path: str) -> bool:
    return path in {"/api/v1/plans", "/api/v1/plans/{id}"}


def _ordered_bounds(fields: dict, low: str, high: str) -> None:
    # One bound sent alone (even as null) would pair with the stored other one on an update.
    if (fields.get(low) is None) != (fields.get(high) is None) or (low in fields) != (
        high in fields
    ):
        fields.pop(low, None)
        fields.pop(high, None)
    elif fields.get(low) is not None and fields[low] > fields[high]:
        fields[low], fields[high] = fields[high], fields[low]


def _keep_workout_rules(body: dict, world: dict) -> None:
    if "plan" in body:
        body["plan"] = str(world["plan"])
    if "scheduled_date" in body:
        body["scheduled_date"] = (world["plan_start"] + timedelta(days=2)).isoformat()
    _ordered_bounds(body, "target_pace_min_s_per_km", "target_pace_max_s_per_km")
    steps = list(body.get("steps") or [])
    # A repeat block's own steps keep the same pace rules (training/steps.py).
    for block in list(steps):
        if isinstance(block, dict) and isinstance(block.get("steps"), list):
            steps += block["steps"]
    for step in steps:
        if isinstance(step, dict):
            _ordered_bounds(step, "target_pace_min_s_per_km", "target_pace_max_s_per_km")
            if step.get("pace_zone") is not None:  # a zone or typed paces, not both
                step.pop("target_pace_min_s_per_km", None)
                step.pop("target_pace_max_s_per_km", None)


def _keep_profile_rules(body: dict) -> None:
    if body.get("timezone") is not None:
        body["timezone"] = "Europe/London"
    # The stored profile has neither heart rate, so only a pair sent together can clash.
    if body.get("max_hr") is not None and body.get("resting_hr") is not None:
        low, high = sorted((body["resting_hr"], body["max_hr"]))
        if low == high:
            low, high = (low - 1, high) if low > 25 else (low, high + 1)
        body["resting_hr"], body["max_hr"] = low, high


def _keep_run_rules(body: dict, world: dict, method: str) -> None:
    if body.get("shoe") is not None:
        body["shoe"] = str(world["shoe"])
    if body.get("workout") is not None:
        body["workout"], body["plan"] = str(world["workout"]), str(world["plan"])
    elif body.get("plan") is not None:
        body["plan"] = str(world["plan"])
    if "started_at" in body:
        started = None
        try:
            started = datetime.fromisoformat(str(body["started_at"]).replace("Z", "+00:00"))
            in_range = datetime(1900, 1, 3, tzinfo=UTC) <= started <= datetime.now(UTC)
        except (ValueError, OverflowError):
            in_range = False
        if not in_range:
            body["started_at"] = "2026-01-06T07:00:00Z"
    if body.get("timezone"):
        body["timezone"] = "Europe/London"
    if method == "PATCH":
        # The stored run's other values take part in these rules; keep them as they are.
        for first, second in (("elapsed_s", "duration_s"), ("avg_heart_rate", "max_heart_rate")):
            if (first in body) != (second in body):
                body.pop(first, None)
                body.pop(second, None)
    elif method == "PUT":
        # A PUT keeps the stored value of an optional field it leaves out (DRF), which earlier
        # examples may have changed: send the missing one of a pair, equal to the other.
        for first, second in (("elapsed_s", "duration_s"), ("avg_heart_rate", "max_heart_rate")):
            if body.get(first) is None and body.get(second) is not None:
                body[first] = body[second]
            elif body.get(second) is None and body.get(first) is not None:
                body[second] = body[first]
    if body.get("elapsed_s") is not None and body.get("duration_s") is not None:
        body["elapsed_s"] = max(body["elapsed_s"], body["duration_s"])
    if body.get("avg_heart_rate") is not None and body.get("max_heart_rate") is not None:
        low, high = sorted((body["avg_heart_rate"], body["max_heart_rate"]))
        body["avg_heart_rate"], body["max_heart_rate"] = low, high


def error_shape(ctx, response, case):
    """Every 4xx/5xx under /api is ``{"type", "errors": [{"code", "detail", "attr"}]}``."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert body["type"] in {"validation_error", "client_error", "server_error"}, body
    assert isinstance(body["errors"], list) and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
        assert isinstance(error["code"], str) and isinstance(error["detail"], str), error
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    print_blob=True,
)
def test_api_conforms_to_its_schema(case, fuzz_world):
    identifier = case.path_parameters.get("id") if case.path_parameters else None
    if identifier is not None:
        try:
            generated = uuid.UUID(str(identifier))
        except ValueError:
            generated = None  # a deliberately malformed id stays as generated (→ 404)
        # Half the well-formed ids name the runner's real object, half stay random (→ 404).
        if generated is not None and generated.int % 2 == 0:
            case.path_parameters["id"] = str(real_id_for(case.path, fuzz_world))
    keep_documented_rules(case, fuzz_world)
    response = case.call(headers={"Authorization": f"Token {fuzz_world['token']}"})
    fuzz_stats.requests_by_status[response.status_code] += 1
    fuzz_stats.operations.add(case.operation.label)
    # Every built-in check runs, positive-data acceptance included (keep_documented_rules).
    case.validate_response(
        response,
        headers={"Authorization": f"Token {fuzz_world['token']}"},
        additional_checks=[error_shape],
    )
