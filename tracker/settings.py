"""Settings for the Running Training Tracker, read from the environment (docs/DEPLOYMENT.md,
Configuration).

One module for every environment: integrations switch on when their variable is present
(``DATABASE_URL`` → PostgreSQL, ``REDIS_URL`` → shared Redis cache), never through a separate
production settings file. ``.env`` is read when present. Tests use ``tracker.settings_test``,
which only fills in what the test run needs before importing this module.

Every setting is assigned once, in sections that always come in this order:
 1. paths and environment   2. core and security   3. apps, middleware, URLs, templates
 4. database and cache      5. files, static, request limits, i18n
 6. REST API and OpenAPI schema (DRF, knox, drf-standardized-errors, drf-spectacular)
 7. authentication          8. CORS and proxies    9. logging
10. the project's own settings (metrics, CSP, login limits).
tests/tracker/test_settings.py keeps each key assigned once.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# --- 1. Paths and environment -------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- 2. Core and security (docs/PRODUCTION.md, Request handling): secure unless DEBUG is on ----
DEBUG = env.bool("DEBUG", default=False)

# A known key in production would let anyone forge sessions and password-reset links, so without
# DEBUG the process refuses to start rather than fall back to one.
# Management commands that neither serve requests nor sign anything (checking migrations,
# collecting static files at image build, writing the schema) run with a throwaway key.
KEYLESS_COMMANDS = {
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "collectstatic",
    "spectacular",
}
_secret_key_from_env = env.str("SECRET_KEY", default="")
if _secret_key_from_env:
    SECRET_KEY = _secret_key_from_env
elif DEBUG:
    SECRET_KEY = "django-insecure-development-only-key-never-used-when-debug-is-off"
elif (
    len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" and sys.argv[1] in KEYLESS_COMMANDS
):
    SECRET_KEY = secrets.token_urlsafe(64)
else:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY (50+ random characters) in the environment or "
        ".env, or set DEBUG=true for local development."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Prometheus scrapes and probes arrive over plain HTTP on an internal address.
SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^health/(live|ready)/?$", r"^metrics/?$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- 3. Apps, middleware, URLs, templates -------------------------------------------------------
INSTALLED_APPS = [
    "coaching.apps.CoachAdminConfig",  # django.contrib.admin, the squad as its home
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_prometheus",
    "django_tasks",
    "django_tasks_db",
    # Domain first, then what reads it, then the faces (docs/ARCHITECTURE.md has the layers).
    "training",
    "analytics",
    "accounts",
    "coaching",
    "dashboard",
]

# Order (outermost first): metrics see everything; the request id and request log wrap all that
# can answer; probes answer before host validation and the HTTPS redirect; CORS answers
# preflights before they are counted; rate-limit headers wrap the body limit so a 413 carries
# them; the body limit runs before anything reads the body; database faults turn into 503s.
# Sessions, authentication and messages are Django's, skipped by API requests that carry a token
# (tracker/middleware.py, TokenRequestBypass); CSRF is Django's own for every request.
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "tracker.middleware.RequestIdMiddleware",
    "tracker.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "tracker.middleware.RateLimitHeadersMiddleware",
    "tracker.middleware.RequestBodyLimitMiddleware",
    "tracker.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "tracker.middleware.AuthenticationMiddleware",
    "tracker.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.middleware.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.runner",
            ],
        },
    },
]

# --- 4. Database and cache ----------------------------------------------------------------------
# No DATABASE_URL → the embedded SQLite file under var/ (README.md, Set up). PostgreSQL goes through
# psycopg 3 with Django's built-in connection pool.
(BASE_DIR / "var").mkdir(exist_ok=True)
MAX_POOL_SIZE = env.int("MAX_POOL_SIZE", default=20)
POOL_RECYCLE_S = env.int("POOL_RECYCLE", default=3600)
PREPARE_AFTER = 5
_database = env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
if _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_MAX_AGE"] = 0  # the pool owns connection lifetime
    # The pool checks each connection it hands out with tracker.database's check, which asks
    # the kernel rather than the server: Django's CONN_HEALTH_CHECKS would send an empty query,
    # a round trip on every request. tracker.database's backend installs it (see there why).
    _database["CONN_HEALTH_CHECKS"] = False
    _database.setdefault("OPTIONS", {})
    _database["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": MAX_POOL_SIZE,
        "max_lifetime": POOL_RECYCLE_S,
        # A request waiting for a connection gives up (→ 503) instead of hanging forever.
        "timeout": 5,
        "max_idle": 300,
        # psycopg_pool retries a failed connection with exponential backoff for
        # reconnect_timeout (default 300 s) before a new attempt may start, so after a long
        # outage the next try could be minutes away. Giving up after 10 s lets the next request
        # start a fresh attempt at once: service returns within seconds of the database
        # (docs/PRODUCTION.md: within 20 s).
        "reconnect_timeout": env.float("DB_RECONNECT_TIMEOUT", default=10.0),
    }
    # Fail fast when the server is unreachable rather than waiting out the OS TCP timeout.
    _database["OPTIONS"].setdefault("connect_timeout", 3)
    # A statement run through tracker.database.prepared_cursor is prepared on a connection once
    # it has run there PREPARE_AFTER times (psycopg's own default): preparing costs a round trip
    # of its own, which a one-off statement (a deep page's LIMIT/OFFSET) would not win back.
    # The ORM's cursors bind on the client and are never prepared whatever this says. Off
    # (None) for a connection pooler that cannot keep prepared statements (docs/PRODUCTION.md).
    _database["OPTIONS"]["prepare_threshold"] = (
        PREPARE_AFTER if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
    )
# Query counts and latencies per database (django-prometheus's backend wrappers, pool-safe).
_PROMETHEUS_ENGINES = {
    "django.db.backends.postgresql": "tracker.database",  # django-prometheus's, see there
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
_database["ENGINE"] = _PROMETHEUS_ENGINES.get(_database["ENGINE"], _database["ENGINE"])
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL → one cache shared by every process and host (rate limits depend on it). Without it
# the in-process cache is correct for a single process only.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A list page's rendered body kept in that cache beside its versions, so that reading the same
# page again costs the versions alone (tracker/page_etags.py; docs/PRODUCTION.md, Cached list
# pages). Off: every 200 reads its page; ETags are still kept for 304s.
KEEP_LIST_PAGES = env.bool("KEEP_LIST_PAGES", default=True)

# --- 5. Files, static, request limits, i18n ----------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Bodies above MAX_REQUEST_SIZE are refused (413) before they are read; views marked with
# tracker.middleware.accepts_uploads take activity files up to MAX_UPLOAD_SIZE.
MAX_REQUEST_SIZE = env.int("MAX_REQUEST_SIZE", default=10 * 1024 * 1024)
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=25 * 1024 * 1024)
# Views marked with tracker.middleware.accepts_archive_uploads take a whole export archive (a
# Strava or Garmin ZIP), streamed to IMPORT_ARCHIVE_DIR, never held in memory.
MAX_ARCHIVE_UPLOAD_SIZE = env.int("MAX_ARCHIVE_UPLOAD_SIZE", default=2 * 1024 * 1024 * 1024)
# Uploaded archives wait here for the import workers; on several hosts it is a shared volume.
IMPORT_ARCHIVE_DIR = env.path("IMPORT_ARCHIVE_DIR", default=BASE_DIR / "var" / "imports")
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_SIZE
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
REQUEST_TIMEOUT_S = env.int("REQUEST_TIMEOUT", default=30)
HEALTH_CHECK_INTERVAL_S = env.int("HEALTH_CHECK_INTERVAL", default=30)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Background jobs (whole-history imports) go through django-tasks' database backend: the queue
# lives in the one database every web and worker process already shares (docs/ARCHITECTURE.md,
# Background jobs). `manage.py import_worker` runs the jobs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["imports"]}}
# A worker works on a job for about this long, then re-enqueues it; a job whose worker has not
# renewed its lease for IMPORT_LEASE_S is taken over by another worker.
IMPORT_SLICE_S = env.float("IMPORT_SLICE_S", default=30.0)
IMPORT_LEASE_S = env.int("IMPORT_LEASE_S", default=120)

# --- 6. REST API and OpenAPI schema -------------------------------------------------------------
APP_NAME = env.str("APP_NAME", default="Running Trainer API")
API_TITLE = env.str("API_TITLE", default=APP_NAME)
API_VERSION = env.str("API_VERSION", default="1.0.0")
API_DESCRIPTION = env.str(
    "API_DESCRIPTION",
    default="Training plans, planned workouts, logged runs and analytics for runners and coaches.",
)
TOKEN_TTL_HOURS = env.int("TOKEN_TTL_HOURS", default=720)
RATE_LIMIT_READ = env.str("RATE_LIMIT_READ", default="100/minute")
RATE_LIMIT_WRITE = env.str("RATE_LIMIT_WRITE", default="30/minute")

REST_FRAMEWORK = {
    # Token first: DRF then answers 401 with WWW-Authenticate instead of 403 (docs/API.md,
    # Authentication). knox's token check behind a verified-token cache that also counts the rate
    # budget, one Redis round trip and no query per repeat request (docs/PRODUCTION.md, Token
    # cache); knox's sweep of the user's other expired tokens at most once a minute.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Reads and writes have separate budgets, keyed by user id (client IP when anonymous);
    # counted atomically in the cache (tracker/throttling.py). The rates are read on every
    # request.
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.throttling.ReadRateThrottle",
        "tracker.throttling.WriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"read": RATE_LIMIT_READ, "write": RATE_LIMIT_WRITE},
    "DEFAULT_PAGINATION_CLASS": "tracker.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # DRF's JSON output byte for byte, encoded by orjson (docs/PERFORMANCE.md). No browsable API.
    "DEFAULT_RENDERER_CLASSES": ["tracker.renderers.FastJSONRenderer"],
    # DRF's negotiation, with its commonest answers found without parsing (docs/PERFORMANCE.md).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tracker.negotiation.FirstRendererNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        # Over-deep or non-finite JSON → 400 instead of a 500 (tracker/parsers.py).
        "tracker.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    # Database outages answer 503 from DRF views too (the stock handler would say 500).
    "EXCEPTION_HANDLER_CLASS": "tracker.db_faults.DatabaseAwareExceptionHandler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": API_TITLE,
    "DESCRIPTION": API_DESCRIPTION,
    "VERSION": API_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": (
            "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices"
        ),
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "StatusEnum": "training.models.PLAN_STATUSES",
        "ImportJobStatusEnum": "training.history.models.IMPORT_JOB_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "tracker.schema.error_responses",
        "tracker.schema.contract_details",
    ],
    # Write bodies are JSON: forms cannot carry `steps` or null, and a generated client offered
    # them sends broken requests. The file import declares its own multipart body.
    "PARSER_WHITELIST": ["tracker.parsers.JSONParser"],
}

# --- 7. Authentication --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=True)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@localhost")

# Password-guessing limits (accounts/login_limits.py).
LOGIN_ATTEMPTS_PER_MINUTE = env.int("LOGIN_ATTEMPTS_PER_MINUTE", default=10)
# django-ratelimit's own checks insist on memcached/django-redis; Django's RedisCache and, in a
# single process, LocMemCache both give the atomic add/incr it relies on.
RATELIMIT_USE_CACHE = "default"
# The login limiter (django-ratelimit) resolves client IPs as the API throttles do.
RATELIMIT_IP_META_KEY = "tracker.throttling.client_ip"

# --- 8. CORS and proxies ------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
# Browsers may read these on cross-origin API responses.
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Idempotent-Replayed",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "X-Request-ID",
]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "origin",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "x-request-id",
    "idempotency-key",
    "if-match",
    "if-none-match",
]

# Behind a proxy that sets it (e.g. "X-Forwarded-For" or "X-Real-IP"), the client IP comes from
# this header; TRUSTED_PROXY_COUNT proxies append to X-Forwarded-For. Unset: REMOTE_ADDR only,
# so clients cannot choose their own anonymous budget.
TRUSTED_PROXY_IP_HEADER = env.str("TRUSTED_PROXY_IP_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# --- 9. Logging ---------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
USE_JSON_LOGS = env.bool("USE_JSON_LOGS", default=True)
LOG_DIR = Path(env.str("LOG_DIR", default=str(BASE_DIR / "logs")))
LOG_DIR.mkdir(parents=True, exist_ok=True)
# Every handler runs two filters: the request id (so each line of a request can be found by it)
# and secret redaction (passwords, tokens, Authorization headers never reach a log,
# docs/PRODUCTION.md, Logging).
_LOG_FORMAT = "json" if USE_JSON_LOGS else "human"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "tracker.logging_utils.RequestIdFilter"},
        "redact": {"()": "tracker.logging_utils.RedactSecretsFilter"},
    },
    "formatters": {
        "human": {
            "format": "[%(asctime)s] [%(levelname)s] [%(module)s] %(message)s "
            "request_id=%(request_id)s",
        },
        "json": {
            "()": "tracker.logging_utils.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(module)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "timestamp", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _LOG_FORMAT,
            "filters": ["request_id", "redact"],
        },
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOG_DIR / "app.log"),
            "maxBytes": 10 * 1024 * 1024,
            "backupCount": 5,
            "formatter": _LOG_FORMAT,
            "filters": ["request_id", "redact"],
            "delay": True,
        },
    },
    "root": {"handlers": ["console", "file"], "level": LOG_LEVEL},
    "loggers": {
        # tracker.request writes the one line per request; runserver's own line would repeat it.
        "django.server": {"level": "WARNING"},
        # Django logs every 4xx as a warning; the request line already records them.
        "django.request": {"level": "ERROR"},
        # One line per failed connection attempt while the database is down is enough.
        "psycopg.pool": {"level": "WARNING"},
    },
}

# --- 10. The project's own settings -------------------------------------------------------------
# /metrics is open when unset; otherwise scrapers send "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# HTML pages under these prefixes may run inline scripts (drf-spectacular's Swagger UI/ReDoc
# pages initialise inline and show no user content); every other page needs the CSP nonce.
CSP_INLINE_SCRIPT_PATHS = ["/docs", "/redoc"]
