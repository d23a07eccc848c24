"""Test settings: the production module with only what a test run needs filled in.

Values come from the environment first, so ``DATABASE_URL`` still selects PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("USE_JSON_LOGS", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The API throttles are on for every view; a whole suite shares one cache, so the production
# budgets would run out between unrelated tests. Throttle tests patch
# api_settings.DEFAULT_THROTTLE_RATES with small rates (tests/production/conftest.py).
os.environ.setdefault("RATE_LIMIT_READ", "100000/minute")
os.environ.setdefault("RATE_LIMIT_WRITE", "100000/minute")

from tracker.settings import *  # noqa: F403
from tracker.settings import ALLOWED_HOSTS, BASE_DIR

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# Hashing is deliberately slow in production; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests serve static files through the finders (no collectstatic run), as development does.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Archives uploaded by tests stay apart from a developer's own imports.
IMPORT_ARCHIVE_DIR = BASE_DIR / "var" / "test-imports"
