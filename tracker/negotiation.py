"""The API's content negotiation: DRF's, with its commonest answers found without parsing.

Almost every API request names no format and sends no ``Accept`` header, ``*/*`` or the first
renderer's own media type. For those, DRF's ``DefaultContentNegotiation`` parses the query string
and the header into media types and matches each against each renderer, about 4 % of a 304's
Python (docs/PERFORMANCE.md, section 36), to choose the first renderer with its own media type.
This class gives that answer directly in those cases and hands every other request to DRF
unchanged; tests/tracker/test_negotiation.py checks that both answer alike across headers,
format parameters and suffixes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class FirstRendererNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)  # DRF passes a list; the stubs promise only an iterable
        if renderers and format_suffix is None and not self._may_name_a_format(request):
            first = renderers[0]
            accept = request.META.get("HTTP_ACCEPT")
            # A media type with parameters (``; charset=``) does not satisfy ``*/*`` for DRF,
            # which then looks further: only a bare one is answered here.
            if ";" not in first.media_type and accept in (None, "*/*", first.media_type):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)

    def _may_name_a_format(self, request: Request) -> bool:
        # The raw query string, not its parse: a parameter merely containing the name sends the
        # request to DRF, which is always right.
        parameter = self.settings.URL_FORMAT_OVERRIDE
        return bool(parameter) and parameter in request.META.get("QUERY_STRING", "")
