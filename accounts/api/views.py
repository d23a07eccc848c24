"""API tokens (docs/API.md, Authentication): ``POST auth/token`` exchanges a username and password
for a hashed, expiring django-rest-knox token; ``auth/logout`` revokes it, ``auth/logout-all`` every
token of the user. Password guessing is limited per client IP and per username (docs/PRODUCTION.md,
Password guessing)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from knox.settings import knox_settings
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import TokenRequestSerializer, TokenResponseSerializer
from accounts.login_limits import login_attempts_exceeded
from tracker.authentication import TokenAuthentication

BAD_CREDENTIALS = "Unable to log in with the provided username and password."


class TokenView(APIView):
    # No authentication here: a stale token in the header must not stop a fresh login.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Get an API token",
        description="Exchange a username and password for a token to send as "
        "`Authorization: Token <token>`. Tokens expire after TOKEN_TTL_HOURS. Wrong credentials "
        "→ 400; too many attempts per client IP or username → 429 with Retry-After.",
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        username = data.get("username")
        # Counted before the password is checked, so guesses cost budget whether right or wrong.
        retry_after_s = login_attempts_exceeded(
            request._request, username if isinstance(username, str) else ""
        )
        if retry_after_s is not None:
            # Throttled(wait=…) would append its own "Expected available in …" to the detail;
            # the wait is set afterwards so Retry-After is sent and the wait is said once.
            throttled = Throttled(
                detail=f"Too many login attempts. Try again in {retry_after_s} seconds."
            )
            throttled.wait = retry_after_s  # type: ignore[attr-defined]  # set in __init__ only
            raise throttled
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [ErrorDetail(BAD_CREDENTIALS, code="authorization")]}
            )
        instance, token = AuthToken.objects.create(
            user=user, expiry=knox_settings.TOKEN_TTL, prefix=knox_settings.TOKEN_PREFIX
        )
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        body = TokenResponseSerializer({"token": token, "expiry": instance.expiry}).data
        return Response(body)


class LogoutView(KnoxLogoutView):
    # The project's knox subclass (tracker/authentication.py), so the schema has one token scheme.
    authentication_classes = [TokenAuthentication]

    @extend_schema(
        summary="Revoke this token",
        request=None,
        responses={204: OpenApiResponse(description="Token revoked.")},
    )
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)


class LogoutAllView(KnoxLogoutAllView):
    authentication_classes = [TokenAuthentication]

    @extend_schema(
        summary="Revoke every token of the user",
        request=None,
        responses={204: OpenApiResponse(description="All the user's tokens revoked.")},
    )
    def post(self, request: Request, format: Any = None) -> Response:
        return super().post(request, format)
