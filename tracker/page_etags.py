"""List pages and their ETags remembered in the cache, valid while the versions they were
computed at hold.

A list answer costs its page: 50 rows read, formatted into bodies and rendered, about two
thirds of a 50-run list's time; even a conditional GET (``If-None-Match``) must compute the tag
the list would carry now (tracker/concurrency.py) from the page's ids and versions. A view that
can name the *versions* of what its list shows in one cheap read (the run list: one version per
runner, moved by every run write with the aggregates, training/aggregates.py) lets both skip
the page (docs/PERFORMANCE.md, sections 33 and 34):

- the versions are read **before** the page, and the tag computed from the page, with the
  rendered JSON body when the request asked for plain ``application/json``, is stored here
  beside them, under the caller, the absolute URL, the time zone and the code that shaped the
  body (everything else the answer depends on);
- a later GET reads the versions again; while they equal the stored ones, nothing the list
  shows has changed, and the stored tag and body are the current ones: a 304, or the 200 with
  those very bytes.

Reading the versions first makes every interleaving with a writer safe: a write that commits
before that read is in both the versions and the page; one that commits after it moves the
versions past what was stored, so the entry no longer matches. The versions are written in the
writer's own transaction, so there is no window in which a committed write has not moved them,
and they are random, so a version never comes back. A write that bypasses the ORM and is not
followed by ``aggregates.rebuild`` (which the summary needs as well) is not seen: the expiry
bounds how long such an entry can serve.

A token request's run list reads the versions from their copies in the cache, which its token's
round trip brought (tracker.version_mirror): a copy is read before the page too, and never stands
for a version the database has moved past, so the same argument holds.

The cache is only ever a shortcut: no entry, an entry at other versions, or an unreachable
cache (handled as the throttles handle it, ``throttling.cache_health``) all mean "read the
page", exactly as without this module.

An entry is bytes: ``versions \\n tag \\n body`` (the body may be absent: a 304 computed the
tag without rendering anything). Neither the versions nor the tag holds a newline.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from tracker.renderers import FastJSONRenderer
from tracker.throttling import cache_health, redis_client

CACHE_ALIAS = "default"
# An entry serves while its versions hold; the expiry bounds the memory of lists nobody asks for
# again, and how long a write behind the ORM's back can go unseen (as TOKEN_CACHE_TTL_S does for
# a revocation Redis missed).
PAGE_ETAG_TTL_S = 300
# A body larger than this is not kept (a 100-run page is about 50 kB): the cache is for the
# pages clients read again and again, not a store of arbitrary answers.
PAGE_BODY_MAX_BYTES = 256 * 1024
# The only media type whose rendering is kept: plain JSON, without ``indent`` or another format.
CACHED_MEDIA_TYPE = "application/json"
_PREFIX = "page-etag:"
# The libraries whose versions can change a rendered body byte for byte.
_RENDERING_DISTRIBUTIONS = ("Django", "djangorestframework", "orjson")


def keeps_body(request: Any) -> bool:
    """Whether this (DRF) request's answer may be kept in the cache, or answered from it:
    rendered as plain JSON by the API's renderer (not the browsable API's HTML, not
    ``indent=``), with ``KEEP_LIST_PAGES`` on (tags are always kept). Content negotiation runs
    before authentication, so the token's round trip (tracker.token_cache) asks this too."""
    return (
        getattr(request, "accepted_media_type", None) == CACHED_MEDIA_TYPE
        and type(getattr(request, "accepted_renderer", None)) is FastJSONRenderer
        and bool(getattr(settings, "KEEP_LIST_PAGES", True))
    )


class CachedPage(NamedTuple):
    tag: str
    body: bytes | None  # None: only the tag was stored


@functools.cache
def code_identity() -> str:
    """A digest of the code that shapes a list's tag and body: the project's own Python sources
    and the versions of the libraries that render them. Part of every entry's key, so that a
    deploy changing a serializer never serves a body the old code rendered, although the
    versions still hold. Computed once per process (tracker.wsgi does it at worker boot)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for name in _RENDERING_DISTRIBUTIONS:
        digest.update(f"{name}={importlib.metadata.version(name)};".encode())
    for package in sorted({app.split(".")[0] for app in settings.INSTALLED_APPS}):
        folder = root / package
        if not (folder / "__init__.py").is_file():
            continue  # a third-party app: its version is pinned in requirements.txt
        for source in sorted(folder.rglob("*.py")):
            digest.update(str(source.relative_to(root)).encode() + b"\0")
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def entry_key_prefix(request: Any) -> str:
    """The entry's key without the user id that ends it: this list's absolute URL (path,
    filters, ordering, page) in the current time zone (the page's timestamps are shown in it),
    in this database, by this code. The token cache's script appends the id
    (tracker.token_cache). Computed once per request (the token's round trip asks first, the
    view again)."""
    known: str | None = getattr(request, "_page_etag_key_prefix", None)
    if known is not None:
        return known
    database = settings.DATABASES[DEFAULT_DB_ALIAS].get("NAME")
    text = "|".join(
        (
            str(database),
            code_identity(),
            request.build_absolute_uri(),
            timezone.get_current_timezone_name(),
        )
    )
    prefix = _PREFIX + hashlib.sha256(text.encode()).hexdigest()[:40] + ":"
    request._page_etag_key_prefix = prefix
    return prefix


def entry_key(request: Any) -> str:
    """The entry of this caller's list at this URL (``entry_key_prefix`` and the user id)."""
    return entry_key_prefix(request) + str(getattr(request.user, "pk", None))


def cached_page(key: str, versions: str, request: Any = None) -> CachedPage | None:
    """The tag (and body, when one was kept) stored under ``key`` if computed at ``versions``;
    else ``None``. A token request's entry was read with its token, in the same round trip
    (``prefetched_page_etag`` on the request, tracker.token_cache): whenever that read it,
    however long before the versions, an entry whose versions still hold is current. That read
    leaves the body out when the request was conditional (``body`` is then ``None``)."""
    prefetched = getattr(request, "prefetched_page_etag", None) if request is not None else None
    if prefetched is not None and prefetched[0] == key:
        return _page_at(prefetched[1], versions)

    def read_entry() -> Any:
        cache = caches[CACHE_ALIAS]
        if isinstance(cache, RedisCache):
            return redis_client(cache).get(cache.make_and_validate_key(key))
        return cache.get(key)

    return _page_at(cache_health.attempt(read_entry), versions)


def _page_at(entry: bytes | str | None, versions: str) -> CachedPage | None:
    if not entry:
        return None
    if isinstance(entry, str):
        entry = entry.encode()
    parts = entry.split(b"\n", 2)
    if len(parts) < 2 or parts[0] != versions.encode() or not parts[1]:
        return None
    return CachedPage(parts[1].decode(), parts[2] if len(parts) == 3 else None)


def remember_page(key: str, versions: str, tag: str, body: bytes | None = None) -> None:
    """Store ``tag``, and ``body`` unless it is ``None`` or too large, as the list's answer at
    ``versions`` (read before the page they came from)."""
    entry = f"{versions}\n{tag}".encode()
    if body is not None and len(body) <= PAGE_BODY_MAX_BYTES:
        entry += b"\n" + body

    def store_entry() -> None:
        cache = caches[CACHE_ALIAS]
        if isinstance(cache, RedisCache):
            redis_client(cache).set(cache.make_and_validate_key(key), entry, ex=PAGE_ETAG_TTL_S)
        else:
            cache.set(key, entry, PAGE_ETAG_TTL_S)

    cache_health.attempt(store_entry)
