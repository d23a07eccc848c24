"""Optimistic concurrency for the plan, workout and run detail routes (issue 9).

Retrieve, create and update responses carry an ``ETag`` naming the version of the object; a
client that sends it back in ``If-Match`` on PUT/PATCH/DELETE gets 412 when somebody else changed
the object in between, instead of silently overwriting their change. Without ``If-Match`` a write
keeps last-write-wins (documented in docs/API.md): existing clients keep working.

The version is the object's id and ``updated_at`` (``auto_now``: every save moves it). The check
and the write run in one transaction with the row locked (``SELECT … FOR UPDATE`` on PostgreSQL),
so two writers holding the same ETag cannot both pass the check. The OpenAPI schema documents
the header, the parameter and the 412 (tracker/schema.py ``error_responses``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

ETAG_HEADER = "ETag"
IF_MATCH_HEADER = "If-Match"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it (If-Match does not match its ETag)."
    default_code = "precondition_failed"


def _etag(object_id: Any, updated_at: str) -> str:
    return '"' + hashlib.sha256(f"{object_id}:{updated_at}".encode()).hexdigest()[:32] + '"'


def etag_for(instance: Model) -> str:
    """The ETag of a stored object: the same as its API representation's (``etag_for_body``)."""
    updated_at = getattr(instance, "updated_at", None)
    shown = serializers.DateTimeField().to_representation(updated_at) if updated_at else ""
    return _etag(instance.pk, shown)


def etag_for_body(body: Any) -> str | None:
    if isinstance(body, dict) and body.get("id") and body.get("updated_at"):
        return _etag(body["id"], body["updated_at"])
    return None


def _if_match_tags(header: str) -> list[str]:
    # Weak validators (W/"…") never match for a write (RFC 9110 §13.1.1 uses strong comparison).
    return [tag.strip() for tag in header.split(",") if tag.strip()]


class ETagMixin:
    """For ModelViewSets: ETag on retrieve/create/update responses, If-Match on writes."""

    def _locked_object(self) -> Any:
        view: Any = self
        queryset = view.filter_queryset(view.get_queryset())
        if view.request.method in {"PUT", "PATCH", "DELETE"}:
            queryset = queryset.select_for_update(of=("self",))
        lookup = view.lookup_url_kwarg or view.lookup_field
        instance = get_object_or_404(queryset, **{view.lookup_field: view.kwargs[lookup]})
        view.check_object_permissions(view.request, instance)
        return instance

    def get_object(self) -> Any:
        view: Any = self
        if view.request.method in {"PUT", "PATCH", "DELETE"}:
            instance = self._locked_object()
            header = view.request.headers.get(IF_MATCH_HEADER)
            if header is not None:
                tags = _if_match_tags(header)
                if "*" not in tags and etag_for(instance) not in tags:
                    raise PreconditionFailed()
            return instance
        return super().get_object()  # type: ignore[misc]

    def _with_etag(self, response: Response) -> Response:
        if status.is_success(response.status_code):
            tag = etag_for_body(response.data)
            if tag:
                response[ETAG_HEADER] = tag
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._with_etag(super().retrieve(request, *args, **kwargs))  # type: ignore[misc]

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The row lock taken in get_object() lasts until the write commits.
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)  # type: ignore[misc]
        return self._with_etag(response)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)  # type: ignore[misc]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._with_etag(super().create(request, *args, **kwargs))  # type: ignore[misc]
