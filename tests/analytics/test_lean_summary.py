"""``analytics.api.serializers.summary_data`` (the summary body built without DRF's nested
serializers) gives exactly ``SummarySerializer(...).data`` — with runs, with nothing, and in
another time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from analytics import selectors
from analytics.api.serializers import SummarySerializer, summary_data
from tests.analytics.helpers import TODAY
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db


def both(runner, **period):
    summary = selectors.runner_summary(runner=runner, today=TODAY, **period)
    return summary_data(summary), SummarySerializer(summary).data


def test_lean_summary_equals_the_serializer_with_runs(runner, summary_runs):
    lean, drf = both(runner, date_from=None, date_to=None)
    assert lean["personal_bests"] and lean["predictions"] and lean["longest_run"]
    assert lean == drf


def test_lean_summary_equals_the_serializer_for_a_period_and_a_zone(runner, summary_runs):
    RunFactory(runner=runner, started_at=summary_runs["R1"].started_at, distance_m=1_000.5)
    with timezone.override(ZoneInfo("America/New_York")):
        lean, drf = both(runner, date_from=TODAY.replace(day=1), date_to=TODAY)
    assert lean == drf


def test_lean_summary_equals_the_serializer_without_runs(runner):
    lean, drf = both(runner, date_from=None, date_to=None)
    assert lean["longest_run"] is None and lean["period"]["from"] is None
    assert lean == drf
