"""knox token authentication without a sweep query on every request.

knox checks the presented token (one query, with its user) and then, on every request, loads all
of the user's tokens to delete the *other* ones that have expired (a second query). That sweep is
housekeeping: an expired token can never authenticate, because its own expiry is checked when it
is presented. Profiles of the run list (docs/PERFORMANCE.md) showed the sweep as one of six
database round trips per request, so here it runs at most once a minute per user and process;
the presented token is still checked, and deleted when expired, on every request as knox does.
"""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired

SWEEP_INTERVAL_S = 60.0
_MAX_REMEMBERED_USERS = 10_000


class TokenAuthentication(KnoxTokenAuthentication):
    _last_sweep: dict[int, float] = {}

    def _cleanup_token(self, auth_token: Any) -> bool:
        now = time.monotonic()
        last = self._last_sweep.get(auth_token.user_id)
        if last is None or now - last >= SWEEP_INTERVAL_S:
            if len(self._last_sweep) >= _MAX_REMEMBERED_USERS:
                self._last_sweep.clear()
            self._last_sweep[auth_token.user_id] = now
            return super()._cleanup_token(auth_token)
        # Between sweeps: only the presented token's expiry, exactly as knox handles it.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme drf-spectacular documents for knox, for this subclass too."""

    target_class = "tracker.authentication.TokenAuthentication"
