"""The benchmark's floors: what an API request costs before an endpoint does any work.

Both views answer an empty page (the shape of a list response) with no database query of their
own, through the whole production stack: gunicorn, every middleware (request log, security
headers, CORS, rate-limit headers, metrics), DRF's dispatch and the orjson renderer.

- ``/floor/anonymous``: no authentication and no DRF throttle. Like every API path it is still
  counted against the client's IP budget by the rate-limit middleware (one Redis call).
- ``/floor/token``: the project's default authentication (knox token: one query), permission
  and read throttle (one Redis call), exactly as every real endpoint has them.

An endpoint's throughput can never exceed the token floor's, so the ratio of that floor to the
ceiling bounds what the per-endpoint targets can ask of this stack (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

EMPTY_PAGE: dict[str, Any] = {"count": 0, "next": None, "previous": None, "results": []}


class TokenFloorView(APIView):
    """The project's default authentication, permission and throttle classes."""

    def get(self, request: Request) -> Response:
        return Response(EMPTY_PAGE)


class AnonymousFloorView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response(EMPTY_PAGE)


urlpatterns = [
    path("api/v1/floor/token", TokenFloorView.as_view()),
    path("api/v1/floor/anonymous", AnonymousFloorView.as_view()),
    path("", include("tracker.urls")),
]
