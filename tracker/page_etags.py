"""List ETags remembered in the cache, valid while the versions they were computed at hold.

A conditional GET of a list (``If-None-Match``) must answer with the tag the list would carry
now (tracker/concurrency.py), and computing it reads the whole page: 50 rows' ids and versions,
formatted and hashed, about half of a 304's time (docs/PERFORMANCE.md, section 33). A view
that can name the *versions* of what its list shows in one cheap read (the run list: one
version per runner, moved by every run write with the aggregates, training/aggregates.py) lets
the 304 skip that page:

- the versions are read **before** the page, and the tag computed from the page is stored here
  beside them, under the caller, the absolute URL and the time zone (everything else the tag
  depends on);
- a later conditional GET reads the versions again; while they equal the stored ones, nothing
  the list shows has changed and the stored tag is the current one.

Reading the versions first makes every interleaving with a writer safe: a write that commits
before that read is in both the versions and the page; one that commits after it moves the
versions past what was stored, so the entry no longer matches. The versions are written in the
writer's own transaction, so there is no window in which a committed write has not moved them.
A write that bypasses the ORM and is not followed by ``aggregates.rebuild`` (which the summary
needs as well) is not seen: the expiry bounds how long such an entry can serve.

The cache is only ever a shortcut: no entry, an entry at other versions, or an unreachable
cache (handled as the throttles handle it, ``throttling.cache_health``) all mean "compute the
tag from the page", exactly as without this module.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from tracker.throttling import cache_health, redis_client

CACHE_ALIAS = "default"
# An entry serves while its versions hold; the expiry bounds the memory of lists nobody asks for
# again, and how long a write behind the ORM's back can go unseen (as TOKEN_CACHE_TTL_S does for
# a revocation Redis missed).
PAGE_ETAG_TTL_S = 300
_PREFIX = "page-etag:"


def entry_key_prefix(request: Any) -> str:
    """The entry's key without the user id that ends it: this list's absolute URL (path,
    filters, ordering, page) in the current time zone (the page's timestamps are shown in it),
    in this database. The token cache's script appends the id (tracker.token_cache). Computed
    once per request (the token's round trip asks first, the view again)."""
    known: str | None = getattr(request, "_page_etag_key_prefix", None)
    if known is not None:
        return known
    database = settings.DATABASES[DEFAULT_DB_ALIAS].get("NAME")
    text = "|".join(
        (str(database), request.build_absolute_uri(), timezone.get_current_timezone_name())
    )
    prefix = _PREFIX + hashlib.sha256(text.encode()).hexdigest()[:40] + ":"
    request._page_etag_key_prefix = prefix
    return prefix


def entry_key(request: Any) -> str:
    """The entry of this caller's list at this URL (``entry_key_prefix`` and the user id)."""
    return entry_key_prefix(request) + str(getattr(request.user, "pk", None))


def cached_tag(key: str, versions: str, request: Any = None) -> str | None:
    """The tag stored under ``key`` if it was computed at ``versions``; else ``None``. A token
    request's entry was read with its token, in the same round trip (``prefetched_page_etag``
    on the request, tracker.token_cache): whenever that read it, however long before the
    versions, an entry whose versions still hold is current."""
    prefetched = getattr(request, "prefetched_page_etag", None) if request is not None else None
    if prefetched is not None and prefetched[0] == key:
        return _tag_at(prefetched[1], versions)
    if cache_health.cache_skipped():
        return None
    cache = caches[CACHE_ALIAS]
    try:
        if isinstance(cache, RedisCache):
            found = redis_client(cache).get(cache.make_and_validate_key(key))
            entry = found.decode() if isinstance(found, bytes) else found
        else:
            entry = cache.get(key)
    except Exception as exc:  # redis-py raises several families; none may fail the request
        cache_health.record_fault(exc)
        return None
    cache_health.record_success()
    return _tag_at(entry, versions)


def _tag_at(entry: str | None, versions: str) -> str | None:
    if not entry:
        return None
    stored_versions, _, tag = entry.rpartition("\n")
    return tag if stored_versions == versions and tag else None


def remember_tag(key: str, versions: str, tag: str) -> None:
    """Store ``tag`` as the list's tag at ``versions`` (read before the page it came from)."""
    if cache_health.cache_skipped():
        return
    cache = caches[CACHE_ALIAS]
    entry = f"{versions}\n{tag}"
    try:
        if isinstance(cache, RedisCache):
            redis_client(cache).set(cache.make_and_validate_key(key), entry, ex=PAGE_ETAG_TTL_S)
        else:
            cache.set(key, entry, PAGE_ETAG_TTL_S)
    except Exception as exc:
        cache_health.record_fault(exc)
        return
    cache_health.record_success()
