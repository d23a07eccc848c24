"""The API's JSON parser: hostile JSON becomes a 400 in the one error shape (issue 9).

DRF's parser lets two things escape as a 500: JSON nested deeper than Python's recursion limit
(``RecursionError`` is not a ``ValueError``) and number literals too large for a float (``1e999``
becomes infinity, which no field of this API accepts; ``NaN``/``Infinity`` are refused already).
An oversized body is a 413, answered by ``tracker.errors.exception_handler``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:20]}")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = stream.read().decode(encoding)
            return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
        except ValueError as exc:  # includes UnicodeDecodeError and json.JSONDecodeError
            raise ParseError(f"JSON parse error - {exc}") from exc
