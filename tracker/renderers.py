"""The API's JSON renderer: DRF's output, byte for byte, encoded by orjson.

Profiling the run list (docs/PERFORMANCE.md) showed ``json.dumps`` with DRF's Python-level
encoder among the largest costs of a 50-run page. orjson encodes the same data several times
faster; where its output could differ from DRF's, this renderer hands the data to DRF's own
``JSONRenderer`` instead, so a client never sees a different byte:

- datetimes, dates and times go through DRF's encoder (``Z`` for UTC, same precision), as does
  anything else orjson does not know (lazy strings, Decimals, generators…);
- floats: both print the shortest round-tripping digits, but below 1e-4 and at or above 1e16
  they lay them out differently (``1e-05`` vs ``0.00001``), so any number in exponent form or
  starting ``0.0000`` sends the data to DRF's renderer (found by a fast scan of the output);
- U+2028/U+2029 are escaped as DRF does; pretty-printing (``indent=``) is left to DRF;
- anything orjson refuses (integers beyond 64 bits, non-string keys) falls back too.

One difference remains by design: NaN and infinities, which DRF's strict renderer refuses with
an error (a 500), come out as ``null``. The models' constraints keep them out of the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_DRF_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# Where orjson's float layout can differ from Python's ``repr``: an exponent (orjson always signs
# it: ``1e-7``, ``1e+16``) or a number below 1e-4 printed in full (``0.00001``). Both searches
# start on a literal, so they are fast; a hit inside a string (a UUID's ``…3e-4…``) is told
# apart from a number token by what precedes it.
_EXPONENT = re.compile(rb"e[-+][0-9]")
_TINY = re.compile(rb"\.0000")
_DIGITS_AND_POINT = frozenset(b"0123456789.")
_BEFORE_A_NUMBER = frozenset(b":,[")


def _starts_number(body: bytes, end: int) -> int | None:
    """Start of the number token whose digits end just before ``end``, or ``None`` when those
    characters are part of a string rather than a JSON number."""
    start = end
    while start > 0 and body[start - 1] in _DIGITS_AND_POINT:
        start -= 1
    if start > 0 and body[start - 1] == 0x2D:  # "-"
        start -= 1
    if start == end or start == 0 or body[start - 1] not in _BEFORE_A_NUMBER:
        return None
    return start


def _may_differ(body: bytes) -> bool:
    for match in _EXPONENT.finditer(body):
        if _starts_number(body, match.start()) is not None:
            return True
    for match in _TINY.finditer(body):
        start = _starts_number(body, match.start())
        if start is not None and body[start : match.start()] in (b"0", b"-0"):
            return True
    return False


class RenderedJSON(bytes):
    """A body this renderer produced earlier (a list page kept in the cache, tracker.page_etags),
    handed back as response data: rendered as the very bytes it is."""


# Kept over drf-orjson-renderer: its bytes differ from DRF's (raw U+2028, tests pin), 2026-12-05
class FastJSONRenderer(JSONRenderer):
    """``application/json`` through orjson, identical to ``rest_framework``'s ``JSONRenderer``."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if type(data) is RenderedJSON:
            return bytes(data)
        if self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        # One-shot iterables (generators) that orjson's attempt consumed are remembered, so a
        # fallback to DRF's renderer prints their items rather than an empty list.
        consumed: dict[int, tuple[Any, Any]] = {}

        def default(obj: Any) -> Any:
            value = _DRF_ENCODER.default(obj)
            if isinstance(obj, Iterator):
                consumed[id(obj)] = (obj, value)
            return value

        try:
            body = orjson.dumps(data, default=default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return self._drf_render(data, accepted_media_type, renderer_context, consumed)
        if _may_differ(body):
            return self._drf_render(data, accepted_media_type, renderer_context, consumed)
        # DRF escapes these two so the JSON is also valid JavaScript; orjson writes them raw.
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")

    def _drf_render(
        self,
        data: Any,
        accepted_media_type: str | None,
        renderer_context: Mapping[str, Any] | None,
        consumed: dict[int, tuple[Any, Any]],
    ) -> bytes:
        if not consumed:
            return super().render(data, accepted_media_type, renderer_context)

        class ReplayingEncoder(JSONEncoder):
            def default(self, obj: Any) -> Any:
                if id(obj) in consumed:
                    return consumed[id(obj)][1]
                return super().default(obj)

        class ReplayingRenderer(JSONRenderer):
            encoder_class = ReplayingEncoder

        return ReplayingRenderer().render(data, accepted_media_type, renderer_context)
