"""Settings for the gunicorn servers the live tests start: production settings from the
environment, plus the probe URLs and a per-test cache key prefix (so tests never touch other
keys in a shared Redis database)."""

import os

from tracker.settings import *  # noqa: F403
from tracker.settings import CACHES

ROOT_URLCONF = "tests.production.urls"
CACHES["default"]["KEY_PREFIX"] = os.environ.get("TEST_CACHE_PREFIX", "")
