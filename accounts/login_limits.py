"""Password-guessing limits (docs/PRODUCTION.md, Password guessing): the token endpoint and the
login form allow ``LOGIN_ATTEMPTS_PER_MINUTE`` attempts per minute per client IP and, separately,
per username.

Built on django-ratelimit's core, which counts with the cache's atomic add/increment, so the
budget is shared by every process when ``REDIS_URL`` points at Redis.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

LOGIN_RATE_GROUP = "login-attempts"
logger = logging.getLogger(__name__)


def _rate() -> str:
    return f"{getattr(settings, 'LOGIN_ATTEMPTS_PER_MINUTE', 10)}/m"


def login_attempts_exceeded(request: HttpRequest, username: str) -> int | None:
    """Count one login attempt for the request's client IP and for ``username``.

    Returns the seconds to wait (for ``Retry-After``) when either budget is spent, else ``None``.
    The cache being down must not lock everyone out, so a cache error counts as "not limited".
    """
    normalised = (username or "").strip().lower()
    keys = [
        "ip",
        # Per username, whatever IP the guesses come from (a botnet spreading its attempts).
        lambda group, req: f"user:{normalised}",
    ]
    retry_after_s: int | None = None
    for key in keys:
        try:
            usage = get_usage(
                request, group=LOGIN_RATE_GROUP, key=key, rate=_rate(), increment=True
            )
        except Exception:
            # Fail open on cache faults, as the API throttles do: a Redis outage must not lock
            # every runner out.
            logger.warning("login rate limit unavailable (cache error); allowing the attempt")
            continue
        if usage and usage["should_limit"]:
            wait_s = max(1, int(usage["time_left"]))
            retry_after_s = max(retry_after_s or 0, wait_s)
    return retry_after_s
