"""knox token authentication with a verified-token cache shared through Redis.

knox stays the source of truth: a token is valid while its row exists and has not expired. What
changes is how often the database is asked. When the database verifies a presented token, a
small entry keyed by the token's digest is written to the shared cache (the user's id and the
flags the request path reads, with a Redis expiry no later than the token's own). The next
request with that token reads the entry **and** counts the read or write budget in one Redis
round trip (one Lua call, :func:`tracker.token_cache.authenticate_and_count`), with no database
query at all; the user row itself is loaded only if a view reads more than its id and flags
(:class:`CachedUser`).

Revocation is immediate on every worker and host because every deletion of a token row (logout,
logout-all, knox's expiry check, the admin, a deleted user) replaces its entry with a
*tombstone* (``post_delete``), and saving a user (deactivated, flags changed) tombstones all of
that user's tokens. An entry is only ever written with ``SET NX``, so a request that verified a
token in the database just before its deletion cannot write the entry back over the tombstone.

If the cache is unreachable, requests fall back to the database exactly as before (fail open for
the throttle, closed for authentication: the database still decides). A revocation made while
Redis is unreachable cannot reach Redis: an entry written before it then lives at most
``TOKEN_CACHE_TTL_S`` (docs/PRODUCTION.md, Token cache).

knox also sweeps the user's *other* expired tokens on each verification; that sweep is
housekeeping (an expired token never authenticates, its own expiry is checked when presented), so
it runs at most once a minute per user and process on the database path.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.signals import token_expired

from tracker import token_cache

logger = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 60.0
_MAX_REMEMBERED_USERS = 10_000
TOKEN_CACHE_TTL_S = token_cache.TOKEN_CACHE_TTL_S


def token_cache_key(digest: str) -> str:
    """The cache key of the verified-token entry for a knox digest."""
    return f"knox:{digest}"


# Facts about a user that an app keeps in the token entry, so that a request reads them with the
# token instead of asking the database: name → a function of the user id giving a tuple of ints.
# An app registers its facts (``register_entry_fact``) and must call ``forget_user_tokens_of``
# for the users whose facts a write changes; this module knows nothing of what they mean.
_ENTRY_FACTS: dict[str, Callable[[int], tuple[int, ...]]] = {}


def register_entry_fact(name: str, compute: Callable[[int], tuple[int, ...]]) -> None:
    """Keep ``compute(user_id)`` in every verified-token entry, read back as the lazy user's
    attribute ``name`` (a tuple of ints)."""
    _ENTRY_FACTS[name] = compute


def encode_entry(auth_token: Any, user: Any) -> str:
    """``user_id|expiry_unix|is_superuser|is_staff|token_key|created_unix`` and then one field
    per registered fact, its ints joined by commas (the Lua script reads the leading user id to
    pick the user's rate-limit key)."""
    expiry = "" if auth_token.expiry is None else f"{auth_token.expiry.timestamp():.6f}"
    fields = [
        str(user.pk),
        expiry,
        "1" if user.is_superuser else "0",
        "1" if user.is_staff else "0",
        auth_token.token_key,
        f"{auth_token.created.timestamp():.6f}",
    ]
    fields += [",".join(map(str, compute(user.pk))) for compute in _ENTRY_FACTS.values()]
    return "|".join(fields)


def _from_unix(value: str) -> datetime | None:
    return datetime.fromtimestamp(float(value), tz=UTC) if value else None


@functools.cache
def _instance_attributes(model: type) -> frozenset[str]:
    """What ``Model.__init__`` sets on an instance beyond the class's own attributes."""
    fields = model._meta.concrete_fields  # type: ignore[attr-defined]
    return frozenset({"_state", *(field.attname for field in fields)})


class CachedUser(SimpleLazyObject):
    """The authenticated user, loaded from the database only when a view reads more than its id,
    ``is_superuser`` or ``is_staff`` (which the cached entry carries). ``isinstance`` checks and
    the ORM (``filter(runner=user)``) see the user model without loading it."""

    def __init__(
        self,
        user_id: int,
        is_superuser: bool,
        is_staff: bool,
        facts: dict[str, tuple[int, ...]] | None = None,
    ) -> None:
        model = get_user_model()
        super().__init__(lambda: model._default_manager.get(pk=user_id))
        self.__dict__["_known"] = {
            **(facts or {}),
            "pk": user_id,
            "id": user_id,
            "is_authenticated": True,
            "is_anonymous": False,
            "is_active": True,
            "is_superuser": is_superuser,
            "is_staff": is_staff,
            "_meta": model._meta,
            "_is_pk_set": lambda: True,  # the ORM's check before filter(runner=user)
        }
        self.__dict__["_model"] = model

    def __getattr__(self, name: str) -> Any:
        if self._wrapped is empty:
            known = self.__dict__["_known"]
            if name in known:
                return known[name]
            model = self.__dict__["_model"]
            if not hasattr(model, name) and name not in _instance_attributes(model):
                # A freshly loaded user would not have it either: the ORM's hasattr() probes
                # (resolve_expression ...) are answered without loading the row.
                raise AttributeError(name)
        return super().__getattr__(name)  # type: ignore[misc]

    def __bool__(self) -> bool:
        return True  # a user instance is truthy; DRF's IsAuthenticated asks

    def __hash__(self) -> int:
        return hash(self.__dict__["_known"]["pk"])  # as Model.__hash__: the primary key

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        if self._wrapped is empty:
            return self.__dict__["_model"]  # type: ignore[no-any-return]
        return self._wrapped.__class__  # type: ignore[no-any-return]


class TokenAuthentication(KnoxTokenAuthentication):
    _last_sweep: dict[int, float] = {}

    def authenticate(self, request: Any) -> Any:
        # DRF builds the authenticators per request; the request is needed to count its budget.
        self._drf_request = request
        return super().authenticate(request)

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        token_str = token.decode("utf-8")
        try:
            digest = hash_token(token_str)
        except (TypeError, ValueError):
            return super().authenticate_credentials(token)  # knox answers the malformed token
        request = getattr(self, "_drf_request", None)
        found = token_cache.authenticate_and_count(request, token_cache_key(digest))
        if found is not None:
            cached = self._from_entry(found, digest)
            if cached is not None:
                return cached
        user, auth_token = super().authenticate_credentials(token)
        ttl_ms = TOKEN_CACHE_TTL_S * 1000
        if auth_token.expiry is not None:
            ttl_ms = min(ttl_ms, int((auth_token.expiry - timezone.now()).total_seconds() * 1000))
        if ttl_ms > 0:
            token_cache.remember_token(
                token_cache_key(digest), encode_entry(auth_token, user), ttl_ms=ttl_ms
            )
        return user, auth_token

    @staticmethod
    def _from_entry(entry: str, digest: str) -> tuple[Any, Any] | None:
        try:
            user_id, expiry, superuser, staff, token_key, created, *fact_fields = entry.split("|")
            if len(fact_fields) != len(_ENTRY_FACTS):
                raise ValueError("an entry written with other facts")
            facts = {
                name: tuple(int(value) for value in field.split(",") if value)
                for name, field in zip(_ENTRY_FACTS, fact_fields, strict=True)
            }
            auth_token = get_token_model()(
                digest=digest,
                token_key=token_key,
                user_id=int(user_id),
                expiry=_from_unix(expiry),
                created=_from_unix(created),
            )
        except ValueError:
            return None  # not an entry this version wrote: ask the database
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            return None  # Redis expires entries with the token; this guards against clock skew
        auth_token._state.adding = False  # a stored row: delete() (logout) removes it
        user = CachedUser(int(user_id), superuser == "1", staff == "1", facts)
        auth_token._state.fields_cache["user"] = user  # request.auth.user without a query
        return user, auth_token

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


def forget_token(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_delete`` of a knox token: tombstone its entry on every worker's shared cache."""
    token_cache.forget_tokens([token_cache_key(instance.digest)])


def forget_user_tokens(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    """``post_save`` of a user: the cached flags (active, superuser, staff) may have changed, so
    every token of the user is verified by the database again. A login's ``last_login`` update
    changes none of them and is skipped."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    forget_user_tokens_of([instance.pk])


def forget_user_tokens_of(user_ids: Iterable[int | None]) -> None:
    """Tombstone every token entry of these users (``None`` ids are skipped): the next request
    of each verifies its token in the database and stores the entry again, with fresh facts.
    Call it inside the write's transaction, before it commits, as the signals do: a request
    that reads the old rows meanwhile then finds the tombstone and cannot store them."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return
    tokens = get_token_model().objects.filter(user_id__in=ids)
    keys = [token_cache_key(digest) for digest in tokens.values_list("digest", flat=True)]
    if keys:
        token_cache.forget_tokens(keys)


def connect_token_cache_signals() -> None:
    """Called by accounts' AppConfig.ready(), so every process that can revoke a token does."""
    from django.db.models.signals import post_delete, post_save

    post_delete.connect(forget_token, sender=get_token_model(), dispatch_uid="knox-cache-forget")
    post_save.connect(
        forget_user_tokens, sender=get_user_model(), dispatch_uid="knox-cache-forget-user"
    )


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme drf-spectacular documents for knox, for this subclass too."""

    target_class = "tracker.authentication.TokenAuthentication"
