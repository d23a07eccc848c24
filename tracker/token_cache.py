"""The verified-token cache's Redis side: authentication and the rate count in one round trip.

tracker/authentication.py decides what an entry means (knox stays the source of truth); this
module stores, reads and tombstones entries in the ``default`` cache. With Redis, a request whose
token has an entry costs one ``EVALSHA``: the script reads the entry and, when one is there,
increments the user's rate-limit key (the same key, format and atomic ``INCR`` + ``EXPIRE`` as
tracker/throttling.py) and returns both. For a GET of a list whose answers the cache keeps
(tracker.page_etags), or of another kept answer (tracker.kept_answers), it also reads that
entry, so that a 304, or a 200 with the kept body, needs no round trip to Redis of its own; for
the run list, the copies of the versions that entry was stored at too (tracker.version_mirror),
so that it needs no round trip to PostgreSQL either.
Those keys are named after the user id inside the entry, so they are computed in the script:
like the throttle's own script this needs one Redis server (not Redis Cluster, where a script
may only touch the keys it is given).

Every cache fault is handled as the throttles handle theirs (:data:`throttling.cache_health`):
logged, remembered for ``/health/ready``, and the cache left alone for a few seconds; the caller
then verifies the token in the database and the throttle fails open.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.commands.core import Script

from tracker import page_etags, version_mirror
from tracker.throttling import (
    FixedWindowRateThrottle,
    Window,
    _django_request,
    cache_health,
    redis_client,
    registered_script,
)

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
# How long an entry (and a tombstone) lives at most. It bounds the one case where a revocation
# cannot reach the cache: Redis unreachable at the moment of logout (docs/PRODUCTION.md).
TOKEN_CACHE_TTL_S = 300
# Written over an entry when its token is revoked; entries are only ever written with SET NX.
TOMBSTONE = "-"

# KEYS[1]: the entry. ARGV: rate key before and after the user id ('' = count nothing), the
# rate key's expiry (s), a cached list's key before the user id ('' = none, see
# tracker.page_etags), '1' when the list's kept body is wanted ('': its versions and tag
# only, the lines before the second newline, for a conditional GET whose likely answer is 304),
# and the key of the versions' copies before the id ('' = none, tracker.version_mirror).
# Returns {entry or '', count or 0, the list's entry or '', {id, copy or '', …}}: the copies of
# the versions the list's entry names on its first line ("id:version,…").
_AUTHENTICATE_AND_COUNT = """
local entry = redis.call('GET', KEYS[1])
if (not entry) or entry == '-' then return {'', 0, '', {}} end
local user_id = string.match(entry, '^(%d+)|')
if not user_id then return {'', 0, '', {}} end
local used = 0
if ARGV[1] ~= '' then
    local key = ARGV[1] .. user_id .. ARGV[2]
    used = redis.call('INCR', key)
    if used == 1 then redis.call('EXPIRE', key, ARGV[3]) end
end
local function versions_and_tag(value)
    local first = string.find(value, '\\n', 1, true)
    local second = first and string.find(value, '\\n', first + 1, true)
    if second then return string.sub(value, 1, second - 1), true end
    return value, false
end
local page = false
if ARGV[4] ~= '' then
    local page_key = ARGV[4] .. user_id
    if ARGV[5] ~= '1' then
        -- The entry's head only, not its body (about 25 kB for 50 runs): less work for Redis.
        local cut
        page, cut = versions_and_tag(redis.call('GETRANGE', page_key, 0, 4095))
        if not cut and #page == 4096 then  -- a longer head (a coach of a hundred runners)
            page = versions_and_tag(redis.call('GET', page_key))
        end
    else
        page = redis.call('GET', page_key)
    end
end
local copies = {}
if page and ARGV[6] ~= '' then
    for id in string.gmatch(string.match(page, '^[^\\n]*'), '(%d+):') do
        copies[#copies + 1] = id
        copies[#copies + 1] = redis.call('GET', ARGV[6] .. id) or ''
    end
end
return {entry, used, page or '', copies}
"""


def _script(cache: RedisCache) -> Script:
    return registered_script(cache, _AUTHENTICATE_AND_COUNT)


def _window_for(request: Any) -> Window | None:
    """The budget the view's own throttle would count this request against, if it is one of the
    project's fixed-window throttles (views without one are counted by the middleware)."""
    if request is None:
        return None
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None:
        return None
    for throttle in view.get_throttles():
        if (
            isinstance(throttle, FixedWindowRateThrottle)
            and throttle.cache_alias == CACHE_ALIAS
            and throttle.applies_to(request)
        ):
            return throttle.current_window()
    return None


def _page_etag_prefix(request: Any) -> tuple[str, bool, str]:
    """For a GET of a list whose view keeps its answers in the cache (``list_versions``,
    tracker.page_etags), or of another answer kept so (``answer_versions``,
    tracker.kept_answers), that entry's key without the user id, whether its body is wanted
    (not for a conditional GET of a list, nor one rendered other than as plain JSON), and the
    name of the copies of the list's versions (``version_copies``, tracker.version_mirror; ''
    for none): the script reads them with the token. ('', False, '') otherwise."""
    if request is None or request.method != "GET":
        return "", False, ""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if getattr(view, "action", None) == "list" and hasattr(view, "list_versions"):
        conditional = "If-None-Match" in request.headers
    elif hasattr(view, "answer_versions"):
        conditional = False  # an answer without a tag (tracker.kept_answers): only its body
    else:
        return "", False, ""
    wants_body = not conditional and page_etags.keeps_body(request)
    if not (conditional or wants_body):
        return "", False, ""
    copies = getattr(view, "version_copies", "") if getattr(view, "action", None) == "list" else ""
    return page_etags.entry_key_prefix(request), wants_body, copies


def authenticate_and_count(request: Any, key: str) -> str | None:
    """The entry stored under ``key``, counting the request's budget if there is one.

    ``None`` (nothing counted) when there is no entry, a tombstone, or the cache cannot be
    reached; the caller then asks the database. When an entry is found and the view throttles
    this request, the count is left on the request as ``rate_limit``, where the throttle and
    the headers middleware find it instead of counting again.
    """
    if cache_health.cache_skipped():
        return None
    cache = caches[CACHE_ALIAS]
    window = _window_for(request)
    page_prefix, wants_body, copies_name = _page_etag_prefix(request)
    page: bytes = b""
    copies: dict[int, str | None] = {}
    try:
        if isinstance(cache, RedisCache):
            args: list[Any] = ["", "", 0, "", "1" if wants_body else "", ""]
            if window is not None:
                # The throttle's key with the user id cut out: Django's key function puts the
                # key last ("prefix:version:key"), so the script can put the id back between.
                after = f":{window.window_s}:{window.window_start}"
                before = cache.make_and_validate_key(window.key("user:")).removesuffix(after)
                args[:3] = [before, after, window.timeout_s]
            if page_prefix:
                args[3] = cache.make_and_validate_key(page_prefix)  # the id goes last, as above
            if copies_name:
                args[5] = version_mirror.key_prefix(cache, copies_name)
            found, used, page_found, copies_found = _script(cache)(
                keys=[cache.make_and_validate_key(key)], args=args
            )
            entry = found.decode() if isinstance(found, bytes) else str(found)
            page = page_found if isinstance(page_found, bytes) else str(page_found).encode()
            used = int(used)
            for index in range(0, len(copies_found) - 1, 2):
                copy = copies_found[index + 1]
                copies[int(copies_found[index])] = copy.decode() if copy else None
        else:
            entry = cache.get(key) or ""
            used = 0
            if entry and entry != TOMBSTONE:
                user_id = entry.split("|", 1)[0]
                if window is not None:
                    used = _local_increment(cache, window.key(f"user:{user_id}"), window.timeout_s)
                if page_prefix:
                    page = cache.get(page_prefix + user_id) or b""
                if page and copies_name:
                    ids = [
                        int(part.split(b":", 1)[0])
                        for part in page.split(b"\n", 1)[0].split(b",")
                        if b":" in part
                    ]
                    found_copies = cache.get_many([f"{copies_name}{i}" for i in ids])
                    copies = {i: found_copies.get(f"{copies_name}{i}") for i in ids}
    except Exception as exc:  # redis-py raises several families; none may fail the request
        cache_health.record_fault(exc)
        return None
    cache_health.record_success()
    if not entry or entry == TOMBSTONE:
        return None
    if request is not None:
        django_request = _django_request(request)
        if window is not None:
            django_request.rate_limit = window.status(used)  # type: ignore[attr-defined]
        if page_prefix:
            # The user id is the entry's; tracker.page_etags checks the key it asks for.
            page_key = page_prefix + entry.split("|", 1)[0]
            django_request.prefetched_page_etag = (page_key, page)  # type: ignore[attr-defined]
            if copies_name:
                django_request.prefetched_versions = copies  # type: ignore[attr-defined]
    return entry


def _local_increment(cache: Any, key: str, timeout_s: int) -> int:
    # Same steps as FixedWindowRateThrottle._increment for caches other than Redis (tests).
    if cache.add(key, 1, timeout_s):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:
        return 1 if cache.add(key, 1, timeout_s) else int(cache.incr(key))


def remember_token(key: str, entry: str, *, ttl_ms: int) -> None:
    """Store ``entry`` unless the key holds anything (an entry, or a revocation's tombstone)."""

    def store_entry() -> None:
        cache = caches[CACHE_ALIAS]
        if isinstance(cache, RedisCache):
            redis_client(cache).set(cache.make_and_validate_key(key), entry, nx=True, px=ttl_ms)
        else:
            cache.add(key, entry, ttl_ms / 1000)

    cache_health.attempt(store_entry)


def forget_tokens(keys: list[str]) -> None:
    """Tombstone the entries under ``keys`` (a revocation: logout, expiry, deletion, user saved).

    Tried even while other requests skip the cache after a fault: a revocation is rare and must
    reach Redis if it can.
    """
    cache = caches[CACHE_ALIAS]
    ttl_ms = TOKEN_CACHE_TTL_S * 1000
    try:
        if isinstance(cache, RedisCache):
            pipe = redis_client(cache).pipeline(transaction=False)
            for key in keys:
                pipe.set(cache.make_and_validate_key(key), TOMBSTONE, px=ttl_ms)
            pipe.execute()
        else:
            cache.set_many(dict.fromkeys(keys, TOMBSTONE), TOKEN_CACHE_TTL_S)
    except Exception as exc:
        cache_health.record_fault(exc)
        logger.error(
            "revocation could not reach the cache (%s); an entry written before it may be "
            "honoured for up to %s s",
            exc,
            TOKEN_CACHE_TTL_S,
        )
        return
    cache_health.record_success()
