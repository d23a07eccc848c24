"""``Idempotency-Key`` on creates (docs/API.md, Idempotency-Key): the same key from the same user
within 24 hours returns the first response again instead of creating a duplicate.

A key names one request, not just a route: reused with a different body (compared as parsed
JSON, so key order and spacing do not matter) it is refused with 409 ``idempotency_key_reused``,
as on another route, rather than replaying the first create and silently dropping the new one.

Only successful responses are stored: a failed create changed nothing, so repeating it is safe
and lets a client fix its request and retry with the same key. The record is written in the
same transaction as the object, so a concurrent retry either sees the record or loses the race on
the (user, key) unique constraint, rolls back its own create and replays the winner's response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from training.models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "This Idempotency-Key was already used for a different request (another route or "
        "another body). Use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


def request_signature(request: Request) -> tuple[str, str]:
    """What a retry must repeat: method, path and a digest of the parsed body. Also returns the
    method-and-path signature that records stored before bodies were compared still carry."""
    route = f"{request.method} {request.path.rstrip('/')}"[:220]
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)
    return f"{route} sha256={hashlib.sha256(body.encode()).hexdigest()}", route


def _replay(record: IdempotencyRecord, signatures: tuple[str, str]) -> Response:
    if record.request_signature not in signatures:
        raise IdempotencyKeyReused()
    response = Response(record.response_body, status=record.response_status)
    response[REPLAY_HEADER] = "true"
    return response


def idempotent_create(request: Request, create: Callable[[], Response]) -> Response:
    """Run ``create`` once per (user, Idempotency-Key); without the header just run it."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return create()
    if not key.isprintable():
        # A control character (NUL above all: PostgreSQL refuses it in text) is no key.
        raise ValidationError(
            {IDEMPOTENCY_HEADER: ["Use printable characters only."]}, code="invalid"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            {IDEMPOTENCY_HEADER: [f"At most {MAX_KEY_LENGTH} characters."]}, code="max_length"
        )
    user = cast(User, request.user)  # creates require authentication
    signatures = request_signature(request)
    fresh_after = timezone.now() - IDEMPOTENCY_TTL
    # An expired key starts over, as if it had never been used; the user's other expired records
    # go at the same time, so the table holds about one day of creates per user.
    IdempotencyRecord.objects.filter(user=user, created_at__lt=fresh_after).delete()
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, signatures)
    try:
        with transaction.atomic():
            response = create()
            if status.is_success(response.status_code):
                body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    request_signature=signatures[0],
                    response_status=response.status_code,
                    response_body=body,
                )
    except IntegrityError:
        # A concurrent request with the same key committed first: this create was rolled back.
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, signatures)
    return response
