"""API rate limits (docs/PRODUCTION.md, Rate limits): reads and writes counted separately, per user
or per client IP.

DRF's ``SimpleRateThrottle`` keeps a list of timestamps in the cache and writes it back after
reading it, so two concurrent requests can both read "19 of 20" and both get through. These
throttles count with the cache's atomic ``add`` + ``incr`` in fixed windows instead (the same
scheme as django-ratelimit's core): Redis ``INCR`` is atomic across processes and hosts, and
``LocMemCache`` increments under a lock within one process.

Every counted request leaves a :class:`RateLimitStatus` on the Django request; the middleware
(:class:`tracker.middleware.RateLimitHeadersMiddleware`) turns it into the ``X-RateLimit-*``
headers and counts, with these same classes, the API requests DRF never throttled (401s, 404s
for unknown URLs, 413s) so that every API response carries the headers.

If the cache is unreachable the API keeps serving without limits (fail open): the fault is logged
(at most once per ``CACHE_FAULT_LOG_INTERVAL_S``), remembered for ``/health/ready``, and the cache
is not asked again for ``CACHE_RETRY_AFTER_S`` so requests do not each wait for a dead socket.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty
from redis.commands.core import Script
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CACHE_RETRY_AFTER_S = 5.0
CACHE_FAULT_LOG_INTERVAL_S = 60.0
# A key outlives its window a little so a request at the very end of a window still finds it.
KEY_EXPIRY_GRACE_S = 5

_PERIOD_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class RateLimitStatus:
    """The budget that applied to one request, as the ``X-RateLimit-*`` headers report it."""

    scope: str
    limit: int
    remaining: int  # left after this request, never below 0
    reset_at: int  # Unix time (s) when the window ends and the budget refills
    allowed: bool
    counted: bool  # False when the cache was down and the request went through uncounted

    def retry_after_s(self, now: float | None = None) -> int:
        """Whole seconds until the budget refills (at least 1, as ``Retry-After`` needs)."""
        now = time.time() if now is None else now
        return max(1, math.ceil(self.reset_at - now))


_T = TypeVar("_T")


class _CacheHealth:
    """Per-process memory of the last cache fault, shared by the throttles and the health check."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.last_fault_at: float | None = None  # Unix time
        self.last_fault: str | None = None
        self._skip_until_monotonic = 0.0
        self._last_logged_monotonic = -math.inf

    def record_fault(self, exc: BaseException) -> None:
        now_monotonic = time.monotonic()
        with self._lock:
            self.last_fault_at = time.time()
            self.last_fault = f"{type(exc).__name__}: {exc}"
            self._skip_until_monotonic = now_monotonic + CACHE_RETRY_AFTER_S
            should_log = now_monotonic - self._last_logged_monotonic >= CACHE_FAULT_LOG_INTERVAL_S
            if should_log:
                self._last_logged_monotonic = now_monotonic
        if should_log:
            logger.error(
                "rate limiting disabled: cache unreachable (%s); serving without limits",
                self.last_fault,
            )

    def record_success(self) -> None:
        if self._skip_until_monotonic:
            with self._lock:
                if self._skip_until_monotonic:
                    logger.warning("rate limiting restored: cache reachable again")
                self._skip_until_monotonic = 0.0

    def cache_skipped(self) -> bool:
        """True while a recent fault says not to wait on the cache again yet."""
        return time.monotonic() < self._skip_until_monotonic

    def attempt(self, operation: Callable[[], _T], *, during_back_off: bool = False) -> _T | None:
        """``operation()``'s result, or ``None`` when it raised (the fault recorded) or the
        cache is being skipped after a fault, unless ``during_back_off`` (a write whose loss
        would cost more than waiting on the cache once more)."""
        if not during_back_off and self.cache_skipped():
            return None
        try:
            result = operation()
        except Exception as exc:  # redis-py raises several families; none may fail a request
            self.record_fault(exc)
            return None
        self.record_success()
        return result

    def reset(self) -> None:
        with self._lock:
            self.last_fault_at = None
            self.last_fault = None
            self._skip_until_monotonic = 0.0
            self._last_logged_monotonic = -math.inf


cache_health = _CacheHealth()


@dataclass(frozen=True)
class Window:
    """One scope's current fixed window: the key a client's count lives under, and what a count
    means for the ``X-RateLimit-*`` headers."""

    scope: str
    limit: int
    window_s: int
    window_start: int

    @property
    def timeout_s(self) -> int:
        return self.window_s + KEY_EXPIRY_GRACE_S

    def key(self, ident: str) -> str:
        return f"rl:{self.scope}:{ident}:{self.window_s}:{self.window_start}"

    def status(self, used: int | None) -> RateLimitStatus:
        """The budget after the count ``used`` (``None``: the cache was down, fail open)."""
        reset_at = self.window_start + self.window_s
        if used is None:
            return RateLimitStatus(self.scope, self.limit, self.limit, reset_at, True, False)
        return RateLimitStatus(
            self.scope,
            self.limit,
            max(0, self.limit - used),
            reset_at,
            allowed=used <= self.limit,
            counted=True,
        )


def parse_rate(rate: str) -> tuple[int, int]:
    """``"100/minute"`` → ``(100, 60)``: requests allowed and window length in seconds.

    Same format as DRF (the period's first letter: s, m, h, d).
    """
    num, _, period = rate.partition("/")
    period = period.strip().lower()
    if not num.strip().isdigit() or not period or period[0] not in _PERIOD_S:
        raise ValueError(f"rate {rate!r} is not like '100/minute'")
    return int(num), _PERIOD_S[period[0]]


def client_ip(request: HttpRequest) -> str:
    """The client's IP address for anonymous budgets and login limits.

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_IP_HEADER`` is set (only do that behind a proxy that
    overwrites or appends to that header; otherwise clients could pick their own budget). For a
    list such as ``X-Forwarded-For`` the entry ``TRUSTED_PROXY_COUNT`` places from the right is
    the address the outermost trusted proxy saw.
    """
    header = getattr(settings, "TRUSTED_PROXY_IP_HEADER", "") or ""
    if header:
        meta_key = header.upper().replace("-", "_")
        if not meta_key.startswith("HTTP_"):
            meta_key = f"HTTP_{meta_key}"
        value = request.META.get(meta_key, "")
        hops = [part.strip() for part in value.split(",") if part.strip()]
        if hops:
            count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)))
            return str(hops[-min(count, len(hops))])
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _django_request(request: Any) -> HttpRequest:
    # DRF hands throttles its Request wrapper; the headers middleware only sees the HttpRequest.
    return cast(HttpRequest, getattr(request, "_request", request))


def _known_user_id(request: Any) -> Any:
    """The authenticated user's id if authentication already ran, else ``None``.

    Never triggers a lazy session lookup: in the middleware that would be a database query,
    which must not happen while the database is down.
    """
    if hasattr(request, "_request"):  # DRF Request: authentication has run by now
        user = request.user
    else:
        user = request.__dict__.get("user")
        if (
            isinstance(user, SimpleLazyObject)
            and user._wrapped is empty
            # tracker.authentication.CachedUser knows its id without loading the row
            and "_known" not in user.__dict__
        ):
            return None  # AuthenticationMiddleware's lazy user, not evaluated yet
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


# INCR, and the window's expiry when this request opened it, in one atomic step. Django's
# RedisCache needs three round trips for the same (add = SET NX, then incr = EXISTS + INCR),
# which py-spy showed as a sixth of a run-list request (docs/PERFORMANCE.md).
_INCR_WITH_EXPIRY = (
    "local used = redis.call('INCR', KEYS[1]) "
    "if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return used"
)
# One registered script per cache backend (Django keeps one backend per cache and thread). Django's
# get_client() builds a new redis-py client on every call, and building one fills a table of ~170
# response callbacks: a tenth of an authenticated request that does no work (the benchmark's token
# floor, docs/PERFORMANCE.md). The client only wraps the backend's connection pool, so one per
# backend is the same connections. The script sends EVALSHA (the script's hash, not its text) and
# reloads the script by itself if Redis lost it (a restart or SCRIPT FLUSH).
_SCRIPTS: weakref.WeakKeyDictionary[Any, dict[str, Script]] = weakref.WeakKeyDictionary()
_CLIENTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def redis_client(cache: RedisCache) -> Any:
    """One redis-py client per cache backend (its connection pool), built once (see above)."""
    backend = cache._cache
    client = _CLIENTS.get(backend)
    if client is None:
        client = backend.get_client(write=True)
        _CLIENTS[backend] = client
    return client


def registered_script(cache: RedisCache, source: str) -> Script:
    """The Lua ``source`` registered once per cache backend (the throttle's, the token cache's
    and the version copies' scripts): calling it sends EVALSHA, reloading it if Redis lost it."""
    scripts = _SCRIPTS.setdefault(cache._cache, {})
    script = scripts.get(source)
    if script is None:
        script = scripts[source] = redis_client(cache).register_script(source)
    return script


def _increment_script(cache: RedisCache) -> Script:
    return registered_script(cache, _INCR_WITH_EXPIRY)


def _redis_increment(cache: RedisCache, key: str, timeout_s: int) -> int:
    """``add(key, 1)`` or ``incr(key)`` as one Lua call; same key and value format as Django's
    RedisCache (integers are stored as plain integers), so either path can read the count."""
    redis_key = cache.make_and_validate_key(key)
    used = _increment_script(cache)(keys=[redis_key], args=[timeout_s])
    cache_health.record_success()
    return int(used)


class FixedWindowRateThrottle(BaseThrottle):
    """Counts requests of ``methods`` against the rate named ``scope`` in
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``. Requests of other methods pass untouched."""

    scope = ""
    methods: frozenset[str] = frozenset()
    cache_alias = "default"

    def applies_to(self, request: Any) -> bool:
        return request.method.upper() in self.methods

    def get_rate(self) -> tuple[int, int] | None:
        # Read on every request (not bound at import like SimpleRateThrottle.THROTTLE_RATES) so
        # tests can patch api_settings.DEFAULT_THROTTLE_RATES.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return parse_rate(str(rate)) if rate else None

    def get_ident(self, request: Any) -> str:
        user_id = _known_user_id(request)
        if user_id is not None:
            return f"user:{user_id}"
        return f"ip:{client_ip(_django_request(request))}"

    def count(self, request: Any) -> RateLimitStatus | None:
        """Count this request once and return the budget's state after it."""
        window = self.current_window()
        if window is None:
            return None
        key = window.key(self.get_ident(request))
        return window.status(self._increment(key, timeout_s=window.timeout_s))

    def current_window(self, now: float | None = None) -> Window | None:
        """This scope's fixed window at ``now``; ``None`` when the scope has no rate."""
        rate = self.get_rate()
        if rate is None:
            return None
        limit, window_s = rate
        now = time.time() if now is None else now
        window_start = int(now // window_s) * window_s
        return Window(self.scope, limit, window_s, window_start)

    def _increment(self, key: str, *, timeout_s: int) -> int | None:
        """Atomically add one to ``key``; ``None`` when the cache cannot be reached."""
        if cache_health.cache_skipped():
            return None
        cache = caches[self.cache_alias]
        try:
            if isinstance(cache, RedisCache):
                return _redis_increment(cache, key, timeout_s)
            if cache.add(key, 1, timeout_s):
                used = 1
            else:
                try:
                    used = cache.incr(key)
                except ValueError:
                    # Expired between add() and incr(): this request opens the window again.
                    used = 1 if cache.add(key, 1, timeout_s) else cache.incr(key)
        except Exception as exc:  # redis-py raises several families; none may fail the request
            cache_health.record_fault(exc)
            return None
        cache_health.record_success()
        return int(used)

    def allow_request(self, request: Any, view: Any) -> bool:
        if not self.applies_to(request):
            return True
        django_request = _django_request(request)
        counted: RateLimitStatus | None = getattr(django_request, "rate_limit", None)
        if counted is not None:
            # Already counted for this request (by the token cache's combined round trip,
            # tracker/token_cache.py); kept for wait(), which words the 429's detail.
            self._status = counted
            return counted.allowed
        status = self.count(request)
        if status is None:
            return True
        django_request.rate_limit = status  # type: ignore[attr-defined]
        self._status = status
        return status.allowed

    def wait(self) -> float | None:
        status: RateLimitStatus | None = getattr(self, "_status", None)
        return float(status.retry_after_s()) if status else None


class ReadRateThrottle(FixedWindowRateThrottle):
    """``RATE_LIMIT_READ`` for GET, HEAD and OPTIONS."""

    scope = "read"
    methods = SAFE_METHODS


class WriteRateThrottle(FixedWindowRateThrottle):
    """``RATE_LIMIT_WRITE`` for every other method."""

    scope = "write"
    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def applies_to(self, request: Any) -> bool:
        return request.method.upper() not in SAFE_METHODS


def configured_throttles() -> list[FixedWindowRateThrottle]:
    """Instances of the project's default throttle classes that count with this module."""
    classes: list[Any] = list(api_settings.DEFAULT_THROTTLE_CLASSES)  # imported classes
    return [
        throttle_class()
        for throttle_class in classes
        if isinstance(throttle_class, type) and issubclass(throttle_class, FixedWindowRateThrottle)
    ]


def count_outside_drf(request: HttpRequest) -> RateLimitStatus | None:
    """Count an API request that no DRF throttle saw (401 before throttling, unknown URL, 413)."""
    for throttle in configured_throttles():
        if throttle.applies_to(request):
            status = throttle.count(request)
            if status is not None:
                request.rate_limit = status  # type: ignore[attr-defined]
                return status
    return None
