"""One run-filter set (training.api.filters.RunFilter) serves GET /runs and GET
/runs/export.csv: the same names, the same 1900-2999 bounds and the same inclusivity
(``started_after`` ≥, ``started_before`` <), as docs/API.md documents once for both."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import RunFactory
from tests.helpers import API, assert_error

pytestmark = pytest.mark.django_db

LIST_URL = f"{API}/runs"
EXPORT_URL = f"{API}/runs/export.csv"
BOUNDARY = datetime(2026, 1, 7, 7, 0, tzinfo=UTC)


@pytest.fixture
def runs_around_the_boundary(runner):
    """A run one second before, at, and one second after ``BOUNDARY``, by notes."""
    for notes, offset_s in (("before", -1), ("at", 0), ("after", 1)):
        RunFactory(runner=runner, started_at=BOUNDARY + timedelta(seconds=offset_s), notes=notes)


def _listed(api_client, params: dict) -> set[str]:
    response = api_client.get(LIST_URL, params)
    assert response.status_code == 200, response.content
    return {run["notes"] for run in response.json()["results"]}


def _exported(api_client, params: dict) -> set[str]:
    response = api_client.get(EXPORT_URL, params)
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode()
    return {row["notes"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize(
    ("params", "selected"),
    [
        ({"started_after": BOUNDARY.isoformat()}, {"at", "after"}),  # inclusive
        ({"started_before": BOUNDARY.isoformat()}, {"before"}),  # exclusive
        (
            {"started_after": BOUNDARY.isoformat(), "started_before": BOUNDARY.isoformat()},
            set(),
        ),
        ({"started_before": "2026-01-07T08:00:00+01:00"}, {"before"}),  # the same instant
        # 23:41 on the 7th at +16:41 is 07:00 UTC: an offset Python parses but PostgreSQL refuses
        # (it allows ±15:59), so the filter must hand the database the UTC instant.
        ({"started_after": "2026-01-07T23:41:00+16:41"}, {"at", "after"}),
    ],
)
def test_list_and_export_select_the_same_runs_at_the_boundary(
    api_client, runs_around_the_boundary, params, selected
):
    assert _listed(api_client, params) == selected
    assert _exported(api_client, params) == selected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("started_before", "3000-01-01T00:00:00Z"),
        ("started_after", "1899-12-31T23:59:59Z"),
        ("started_before", "9999-12-31T23:59:59-14:00"),
        ("updated_after", "0001-01-01T00:00:00+14:00"),
    ],
)
@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_a_date_outside_1900_to_2999_is_a_400_on_both(api_client, url, name, value):
    assert_error(api_client.get(url, {name: value}), 400, attr=name)


@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
def test_both_endpoints_take_the_same_parameters(api_client, runner, url):
    RunFactory(runner=runner, notes="mine")
    for name in ("plan", "workout", "source", "runner", "started_after", "updated_after"):
        assert api_client.get(url, {name: "not-a-valid-value"}).status_code == 400, name
