"""Row versions copied into the cache, so that a conditional GET can compare them without a round
trip to the database.

The run list's versions (``RunListVersion``: one per runner, written in the transaction of every
run write, training/aggregates.py) decide whether a kept page and its tag still hold
(tracker.page_etags). Reading them from PostgreSQL, with the pool's checkout and return, was
most of what a 304 cost beyond its token (docs/PERFORMANCE.md, section 37). So each version also
has a copy in the cache, under ``<name><id>`` (``run-list-version:<runner id>``), which the
token's round trip reads together with the page's entry (tracker.token_cache).

A copy is ``=`` and the version. A reader may use it in place of the database only because a
copy never stands for a version the database has moved past. Three rules make that so:

- **Mark before writing.** A writer overwrites each key with a *mark* of its own (``~`` and a
  random nonce, never a version) before its statement writes the new versions, while it holds
  the runners' locks. From then on readers read the database.
- **Settle after the commit.** If the writer's own mark is still there, it becomes the
  committed version. If a copy is there (the mark expired during a very long transaction and a
  reader filled the key in), the key is deleted. Another writer's mark is left to that writer.
- **Fill in only what is absent.** A reader that had to read the database writes a copy only
  where the key is absent (``SET NX``), and only within ``FILL_WINDOW_S`` of that read, so the
  key cannot have held a newer copy that expired in between.

A rolled-back transaction leaves its marks until they expire (``MARK_TTL_S``), and readers read
the database meanwhile. A writer that cannot reach the cache cannot mark (it tries even during
this process's back-off after a fault, tracker.throttling.cache_health). A copy it leaves
standing may then be stale, for at most ``COPY_TTL_S``, the life of every copy
(docs/PRODUCTION.md, Cached list pages and ETags).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from tracker.throttling import cache_health, redis_client, registered_script

CACHE_ALIAS = "default"
RUN_LIST_VERSIONS = "run-list-version:"
# A copy's life: how long a copy can stay stale when its writer could not reach the cache. A 304
# that finds no copy reads the database once and fills it in again.
COPY_TTL_S = 10
# A mark outlives any transaction that writes runs (a history import's included), so that a
# reader cannot fill in the old version before the writer commits.
MARK_TTL_S = 900
# A reader fills in a key only this soon after its database read (see the module's docstring).
FILL_WINDOW_S = 1.0
COPY_PREFIX, MARK_PREFIX = "=", "~"

# KEYS: the marked keys. ARGV[1]: the writer's mark, ARGV[2]: a copy's life in ms, ARGV[3…]:
# each key's copy, in the order of KEYS.
_SETTLE = """
for i, key in ipairs(KEYS) do
    local held = redis.call('GET', key)
    if held == ARGV[1] then
        redis.call('SET', key, ARGV[i + 2], 'PX', ARGV[2])
    elseif held and string.sub(held, 1, 1) == '=' then
        redis.call('DEL', key)
    end
end
return 0
"""


def key_prefix(cache: Any, name: str) -> str:
    """The cache's full key for ``name`` without the id that ends it (Django's key function puts
    the key last, so a Lua script can append an id: tracker.token_cache)."""
    return str(cache.make_and_validate_key(name))


@contextmanager
def changing(name: str, versions: Mapping[int, Any]) -> Iterator[None]:
    """Around the statement that writes ``versions`` (id to new version): marks their copies
    first, and settles them once the transaction that statement is in commits (at once outside
    a transaction). A statement that fails settles nothing: the marks expire."""
    if not versions:
        yield
        return
    mark = MARK_PREFIX + secrets.token_hex(8)
    keys = [f"{name}{object_id}" for object_id in versions]
    _mark(keys, mark)
    yield
    copies = [COPY_PREFIX + _text(version) for version in versions.values()]
    transaction.on_commit(lambda: _settle(keys, mark, copies))


def _text(version: Any) -> str:
    return "" if version is None else str(version)


def _mark(keys: list[str], mark: str) -> None:
    def mark_keys() -> None:
        cache = caches[CACHE_ALIAS]
        if not isinstance(cache, RedisCache):
            cache.set_many(dict.fromkeys(keys, mark), MARK_TTL_S)
            return
        client = redis_client(cache)
        if len(keys) == 1:  # a run's write: a pipeline object costs more than its command
            client.set(cache.make_and_validate_key(keys[0]), mark, px=MARK_TTL_S * 1000)
            return
        pipeline = client.pipeline(transaction=False)
        for key in keys:
            pipeline.set(cache.make_and_validate_key(key), mark, px=MARK_TTL_S * 1000)
        pipeline.execute()

    # Tried even while this process skips the cache after a fault, as a revocation is
    # (tracker.token_cache.forget_tokens): a mark missed is the one way a copy can go stale.
    cache_health.attempt(mark_keys, during_back_off=True)


def _settle(keys: list[str], mark: str, copies: list[str]) -> None:
    def settle_keys() -> None:
        cache = caches[CACHE_ALIAS]
        if isinstance(cache, RedisCache):
            registered_script(cache, _SETTLE)(
                keys=[cache.make_and_validate_key(key) for key in keys],
                args=[mark, COPY_TTL_S * 1000, *copies],
            )
            return
        # Tests' local-memory cache: one process, so the same steps need no atomicity.
        for key, copy in zip(keys, copies, strict=True):
            held = cache.get(key)
            if held == mark:
                cache.set(key, copy, COPY_TTL_S)
            elif isinstance(held, str) and held.startswith(COPY_PREFIX):
                cache.delete(key)

    # Skipped during a back-off: the marks then stay until they expire, which is safe.
    cache_health.attempt(settle_keys)


def copies_read(request: Any, ids: list[int]) -> dict[int, str] | None:
    """The versions of ``ids`` from the copies the token's round trip read with this request
    (``prefetched_versions``, tracker.token_cache), or ``None`` unless every one had a copy."""
    prefetched: dict[int, str | None] | None = getattr(request, "prefetched_versions", None)
    if not prefetched:
        return None
    versions = {}
    for object_id in ids:
        held = prefetched.get(object_id)
        if held is None or not held.startswith(COPY_PREFIX):
            return None
        versions[object_id] = held[1:]
    return versions


def fill_in(request: Any, name: str, versions: Mapping[int, Any], read_at: float) -> None:
    """Copies of ``versions``, read from the database at ``read_at`` (``time.monotonic()``),
    for the keys the token's round trip found absent (not marked): ``SET NX`` each. Only for a
    request whose token round trip read copies, the one kind that will read them again."""
    prefetched: dict[int, str | None] | None = getattr(request, "prefetched_versions", None)
    if prefetched is None:
        return
    absent = {
        object_id: version
        for object_id, version in versions.items()
        if prefetched.get(object_id) is None
    }
    if not absent or time.monotonic() - read_at > FILL_WINDOW_S:
        return

    def fill_keys() -> None:
        cache = caches[CACHE_ALIAS]
        if not isinstance(cache, RedisCache):
            for object_id, version in absent.items():
                cache.add(f"{name}{object_id}", COPY_PREFIX + _text(version), COPY_TTL_S)
            return
        pipeline = redis_client(cache).pipeline(transaction=False)
        for object_id, version in absent.items():
            pipeline.set(
                cache.make_and_validate_key(f"{name}{object_id}"),
                COPY_PREFIX + _text(version),
                nx=True,
                px=COPY_TTL_S * 1000,
            )
        pipeline.execute()

    cache_health.attempt(fill_keys)
