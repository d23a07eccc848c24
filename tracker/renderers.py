"""The API's JSON renderer: DRF's output, byte for byte, encoded by orjson.

Profiling the run list (docs/PERFORMANCE.md) showed ``json.dumps`` with DRF's Python-level
encoder among the largest costs of a 50-run page. orjson encodes the same data several times
faster; where its output could differ from DRF's, this renderer hands the data to DRF's own
``JSONRenderer`` instead, so a client never sees a different byte:

- datetimes, dates and times go through DRF's encoder (``Z`` for UTC, same precision), as does
  anything else orjson does not know (lazy strings, Decimals, generators…);
- floats: both print the shortest round-tripping digits, but below 1e-4 and at or above 1e16
  they lay them out differently (``1e-05`` vs ``0.00001``), so any number in exponent form or
  starting ``0.0000`` sends the data to DRF's renderer (a cheap regex over the output);
- U+2028/U+2029 are escaped as DRF does; pretty-printing (``indent=``) is left to DRF;
- anything orjson refuses (integers beyond 64 bits, non-string keys) falls back too.

One difference remains by design: NaN and infinities, which DRF's strict renderer refuses with
an error (a 500), come out as ``null``. The models' constraints keep them out of the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_DRF_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# A JSON number token (after ``:``, ``,`` or ``[``) in exponent form or below 1e-4: the cases in
# which orjson's float layout differs from Python's ``repr``. Strings that happen to match only
# cost a fallback to the stock renderer.
_FLOAT_LAYOUT_MAY_DIFFER = re.compile(rb"[:,\[]-?(?:\d+(?:\.\d+)?[eE]|0\.0000)")


class FastJSONRenderer(JSONRenderer):
    """``application/json`` through orjson, identical to ``rest_framework``'s ``JSONRenderer``."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
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
        if _FLOAT_LAYOUT_MAY_DIFFER.search(body):
            return self._drf_render(data, accepted_media_type, renderer_context, consumed)
        # DRF escapes these two so the JSON is also valid JavaScript; orjson writes them raw.
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")

    def _drf_render(
        self,
        data: Any,
        accepted_media_type: str | None,
        renderer_context: dict[str, Any] | None,
        consumed: dict[int, tuple[Any, Any]],
    ) -> bytes:
        if not consumed:
            return super().render(data, accepted_media_type, renderer_context)

        class ReplayingEncoder(JSONEncoder):
            def default(self, obj: Any) -> Any:
                if id(obj) in consumed:
                    return consumed[id(obj)][1]
                return super().default(obj)

        renderer = JSONRenderer()
        renderer.encoder_class = ReplayingEncoder
        return renderer.render(data, accepted_media_type, renderer_context)
