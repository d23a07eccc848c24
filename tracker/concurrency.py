"""Optimistic concurrency and conditional reads for the plan, workout and run routes (issues 9
and 15).

Retrieve, create and update responses carry an ``ETag`` naming the version of the object; a
client that sends it back in ``If-Match`` on PUT/PATCH/DELETE gets 412 when somebody else changed
the object in between, instead of silently overwriting their change. Without ``If-Match`` a write
keeps last-write-wins (documented in docs/API.md): existing clients keep working.

Reads are conditional: a list page's ``ETag`` names the versions of the rows on it, and a GET
whose ``If-None-Match`` holds the current tag answers 304 with no body. The tag is recomputed
from ``(id, updated_at)`` alone, so a 304 skips serializing and rendering the objects.

The version is the object's id and ``updated_at`` (``auto_now``: every save moves it). The check
and the write run in one transaction with the row locked (``SELECT … FOR UPDATE`` on PostgreSQL),
so two writers holding the same ETag cannot both pass the check. The OpenAPI schema documents
the header, the parameter and the 412 (tracker/schema.py ``error_responses``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from tracker import page_etags
from tracker.pagination import page_total_expression
from tracker.renderers import RenderedJSON
from tracker.rows import fetch_rows, iso_datetime

ETAG_HEADER = "ETag"
IF_MATCH_HEADER = "If-Match"
IF_NONE_MATCH_HEADER = "If-None-Match"
# RFC 9110 §8.8.3 / §13.1: "*" or a comma-separated list of entity tags, each optionally weak.
# The OpenAPI schema publishes the same pattern for both headers (tracker/schema.py).
ENTITY_TAGS_PATTERN = r'^[ \t]*(\*|(W/)?"[^"]*"([ \t]*,[ \t]*(W/)?"[^"]*")*)[ \t]*$'
_ENTITY_TAGS = re.compile(ENTITY_TAGS_PATTERN)


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


def if_none_match_tags(request: Request) -> list[str] | None:
    """The tags of ``If-None-Match`` (weak ones compared by their opaque part, as RFC 9110
    §13.1.2 asks), or None without the header. A malformed header is a 400: the schema declares
    its syntax, and a client sending something else has a bug it should hear about."""
    header = request.headers.get(IF_NONE_MATCH_HEADER)
    if header is None:
        return None
    if not _ENTITY_TAGS.match(header):
        raise serializers.ValidationError(
            {IF_NONE_MATCH_HEADER: ['Send "*" or entity tags as the ETag header gives them.']},
            code="invalid",
        )
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(tag: str) -> Response:
    response = Response(status=status.HTTP_304_NOT_MODIFIED)
    response[ETAG_HEADER] = tag
    return response


def etag_for_page(request: Request, count: int | None, versions: list[tuple[str, str]]) -> str:
    """The ETag of a list response: who asks, the exact URL (its filters, ordering and page
    links), the total and the ``(id, updated_at)`` of each row shown, in order."""
    user_id = getattr(request.user, "pk", None)
    rows = ";".join(f"{object_id}@{updated_at}" for object_id, updated_at in versions)
    text = f"{user_id}|{request.build_absolute_uri()}|{count}|{rows}"
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


class ETagMixin:
    """For ModelViewSets: ETag on retrieve/create/update responses, If-Match on writes."""

    def _locked_object(self) -> Any:
        view: Any = self
        queryset = view.filter_queryset(view.get_queryset())
        # The lock only means something inside the write's transaction (update/destroy open
        # it). OPTIONS also lands here, through DRF's metadata that asks for the object as if
        # for a PUT, outside any transaction: PostgreSQL would refuse the lock with a 500.
        if transaction.get_connection().in_atomic_block:
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
        tags = if_none_match_tags(request)
        if tags is not None:
            tag = etag_for(self.get_object())
            if tag in tags or "*" in tags:
                return not_modified(tag)
        return self._with_etag(super().retrieve(request, *args, **kwargs))  # type: ignore[misc]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tags = if_none_match_tags(request)
        # A view naming its list's versions (``list_versions()``: a string that changes whenever
        # anything the list could show changes; ``None``: not for this request) has its answers
        # kept in the cache (tracker.page_etags), read here before the page.
        keeps_body = page_etags.keeps_body(request)
        versions = (
            getattr(self, "list_versions", lambda: None)()
            if tags is not None or keeps_body
            else None
        )
        key = page_etags.entry_key(request) if versions is not None else ""
        cached = (
            page_etags.cached_page(key, versions, request=request._request)
            if versions is not None
            else None
        )
        if tags is not None:
            tag = cached.tag if cached is not None else self._conditional_page_etag(key, versions)
            if tag in tags or "*" in tags:
                return not_modified(tag)
        if cached is not None and cached.body is not None and keeps_body:
            response = Response(RenderedJSON(cached.body))
            response[ETAG_HEADER] = cached.tag
            return response
        response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        if status.is_success(response.status_code):
            data = response.data
            paged = isinstance(data, dict) and "results" in data
            rows = data["results"] if paged else data
            count = data.get("count") if paged else None
            versions_shown = [(str(row["id"]), str(row["updated_at"])) for row in rows]
            tag = etag_for_page(request, count, versions_shown)
            response[ETAG_HEADER] = tag
            if versions is not None and keeps_body:
                # Kept once rendered; the versions were read before the page (see above).
                def remember(rendered: Any) -> None:
                    if rendered.status_code == status.HTTP_200_OK:
                        page_etags.remember_page(key, versions, tag, rendered.content)

                response.add_post_render_callback(remember)
        return response

    def _conditional_page_etag(self, key: str, versions: str | None) -> str:
        """The tag ``list()`` would answer, for a conditional GET whose cache entry (if any) is
        not at ``versions``: computed from the page, and remembered at those versions when the
        view names them (read before the page: see tracker.page_etags for why that order)."""
        tag = self._current_page_etag()
        if versions is not None:
            page_etags.remember_page(key, versions, tag)
        return tag

    def _current_page_etag(self) -> str:
        """The tag ``list()`` would answer, from a count and the page's ids and versions only."""
        view: Any = self
        paginator = view.paginator
        count: int | None = None
        if paginator is None:
            queryset = view.filter_queryset(view.get_queryset())
            rows = list(queryset.values_list("pk", "updated_at"))
        else:
            offset = paginator.get_offset(view.request)
            limit = paginator.get_limit(view.request)

            def page_versions(rows: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
                # The total rides along the page query, as the paginator counts it (one query).
                counted = rows.annotate(_page_total=page_total_expression(rows, view))
                return counted.values_list("pk", "updated_at", "_page_total")[
                    offset : offset + limit
                ]

            # Through the view's compiled shape when it has one (tracker.statements), without
            # building the list's queryset: a shape is offered only for page parameters, so
            # get_queryset() counts an empty page as the filtered list would.
            shape = getattr(view, "own_list_shape", lambda: None)()
            page = (
                None if shape is None else shape.then(("etag", offset, limit), page_versions).rows()
            )
            if page is not None:
                count = page[0][2] if page else view.get_queryset().count()
            else:
                queryset = view.filter_queryset(view.get_queryset())
                page = fetch_rows(page_versions(queryset))
                count = page[0][2] if page else queryset.count()
            rows = [(object_id, updated_at) for object_id, updated_at, _total in page]
        # As the body shows them (DRF's DateTimeField in the current time zone).
        tz = timezone.get_current_timezone()
        versions = [
            (str(object_id), iso_datetime(updated_at, tz)) for object_id, updated_at in rows
        ]
        return etag_for_page(view.request, count, versions)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The row lock taken in get_object() lasts until the write commits.
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)  # type: ignore[misc]
        return self._with_etag(response)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            # A view whose delete writes other rows may need their locks before the object's
            # (``lock_before_object``), so that every writer takes them in one order.
            getattr(self, "lock_before_object", lambda: None)()
            return super().destroy(request, *args, **kwargs)  # type: ignore[misc]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._with_etag(super().create(request, *args, **kwargs))  # type: ignore[misc]
