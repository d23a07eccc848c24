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
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from tests.reliability import fuzz_stats

EXAMPLES_PER_OPERATION = 20


# pytest-django has configured Django before test modules are imported, so the schema is read
# from the running app itself (GET /api/schema/ through WSGI), exactly as clients see it.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Invalid input may also be refused by a documented rule that runs first: a stale If-Match (412)
# is checked before the body, a conflict (409) before nothing is written. Both are rejections.
_rejection = schema.config.checks.negative_data_rejection
_rejection.expected_statuses = [*_rejection.expected_statuses, "409", "412"]
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
def fuzz_world(db, _keep_test_connection):
    """A runner with a token and one plan, workout and run, so generated ids can name real
    objects (otherwise every detail request would be a 404)."""
    cache.clear()
    runner = UserFactory(username="fuzz_runner")
    start = date(2026, 1, 5)
    plan = PlanFactory(runner=runner, start_date=start, end_date=start + timedelta(days=83))
    workout = WorkoutFactory(plan=plan, scheduled_date=start + timedelta(days=1))
    run = RunFactory(
        runner=runner, plan=plan, workout=workout, started_at=datetime(2026, 1, 6, 7, tzinfo=UTC)
    )
    _, token = AuthToken.objects.create(runner)
    yield {"token": token, "plan": plan.pk, "workout": workout.pk, "run": run.pk}
    cache.clear()


def real_id_for(path: str, world: dict) -> uuid.UUID:
    if path.startswith("/api/v1/workouts/"):
        return world["workout"]
    if path.startswith("/api/v1/runs/"):
        return world["run"]
    return world["plan"]


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
    response = case.call(headers={"Authorization": f"Token {fuzz_world['token']}"})
    fuzz_stats.requests_by_status[response.status_code] += 1
    fuzz_stats.operations.add(case.operation.label)
    # positive_data_acceptance expects every schema-valid body to be accepted, but the schema
    # cannot express cross-field rules (end ≥ start, a workout inside its plan, dates of
    # existing objects), which rightly answer 400; every other built-in check runs.
    case.validate_response(
        response,
        headers={"Authorization": f"Token {fuzz_world['token']}"},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[error_shape],
    )
