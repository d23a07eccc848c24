"""Helpers the suite shares: service guards, the API error-shape check, the small world of two
runners and their coaches, and date helpers. Fixtures live in the conftest files; anything a
test imports lives here."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from training.models import Plan, Run, Workout

REPO_ROOT = Path(__file__).resolve().parents[1]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def skip_or_fail(reason: str) -> None:
    """Skip on a developer machine; fail under CI, where every service must be present."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


API = "/api/v1"


def assert_error(
    response,
    status_code: int,
    attr: str | None = None,
    code: str | None = None,
    error_type: str | None = None,
):
    """The response is the drf-standardized-errors shape with ``status_code``; when ``attr`` is
    given, one of the errors names it. A 400 is a ``validation_error`` unless ``error_type`` says
    otherwise (an unparseable body is a ``client_error``)."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    expected_type = error_type or (
        "validation_error"
        if status_code == 400
        else ("server_error" if status_code >= 500 else "client_error")
    )
    assert body["type"] == expected_type
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}
        assert isinstance(error["detail"], str) and error["detail"]
    if attr is not None:
        assert attr in [error["attr"] for error in body["errors"]], body
    if code is not None:
        assert code in [error["code"] for error in body["errors"]], body
    return body


def iso(value: datetime) -> str:
    return value.isoformat()


@dataclass
class World:
    plan_a: Plan
    workout_a: Workout
    run_a: Run
    plan_b: Plan
    workout_b: Workout
    run_b: Run


def this_monday():
    today = timezone.localdate()  # profiles default to UTC, as does the test server
    return today - timedelta(days=today.weekday())
