"""Fixtures for the production-behaviour tests: small rates, a clean cache, probe URLs."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings

from tests.production.helpers import READ_LIMIT, WRITE_LIMIT
from tracker.throttling import cache_health


@pytest.fixture(autouse=True)
def _clean_rate_limits():
    """Small budgets and an empty cache for every test (rates are read from api_settings on
    each request, so patching them here takes effect; the cache holds the counters)."""
    rates = {"read": f"{READ_LIMIT}/minute", "write": f"{WRITE_LIMIT}/minute"}
    cache.clear()
    cache_health.reset()
    with mock.patch.object(api_settings, "DEFAULT_THROTTLE_RATES", rates):
        yield rates
    cache.clear()
    cache_health.reset()
