"""tracker.negotiation.FirstRendererNegotiation answers as DRF's DefaultContentNegotiation."""

from __future__ import annotations

import itertools

import pytest
from django.http import Http404
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings

from tests.helpers import assert_error
from tracker.negotiation import FirstRendererNegotiation
from tracker.renderers import FastJSONRenderer


class CalendarRenderer(BaseRenderer):
    media_type = "text/calendar; charset=utf-8"
    format = "ics"


RENDERER_SETS = [
    [FastJSONRenderer],
    [JSONRenderer, BrowsableAPIRenderer],
    [CalendarRenderer, JSONRenderer],
]
ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html, application/json;q=0.9",
    "text/calendar",
    "text/calendar; charset=utf-8",
    "image/png",
    "*/*;q=0.8",
    "",
]
QUERIES = ["", "format=json", "format=api", "format=ics", "format=xml", "limit=5", "formats=1"]
SUFFIXES = [None, "json", "api", "ics", "xml"]


def answer(negotiation, renderers, accept, query, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(RequestFactory().get(f"/api/v1/runs?{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(
            request, [renderer() for renderer in renderers], suffix
        )
    except (exceptions.NotAcceptable, Http404) as error:
        return type(error).__name__
    return type(renderer).__name__, media_type


def test_answers_as_drf_does():
    # Every combination of renderers, Accept header, query string and format suffix.
    differing = [
        (case, mine, drfs)
        for case in itertools.product(RENDERER_SETS, ACCEPTS, QUERIES, SUFFIXES)
        if (mine := answer(FirstRendererNegotiation(), *case))
        != (drfs := answer(DefaultContentNegotiation(), *case))
    ]
    assert differing == []


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_the_common_requests_skip_drfs_parsing(monkeypatch, accept):
    # The reason the class exists: these answers must not go through DRF's matching.
    def refuse(*args, **kwargs):
        raise AssertionError("DRF's negotiation was asked")

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", refuse)
    renderer, media_type = FirstRendererNegotiation().select_renderer(
        Request(RequestFactory().get("/", **({} if accept is None else {"HTTP_ACCEPT": accept}))),
        [FastJSONRenderer()],
    )
    assert (type(renderer), media_type) == (FastJSONRenderer, "application/json")


def test_it_is_the_apis_negotiation():
    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is FirstRendererNegotiation


@pytest.mark.django_db
def test_an_unacceptable_request_is_still_refused(api_client):
    # No browsable API: a client asking only for HTML gets a 406 in the API's error shape.
    response = api_client.get("/api/v1/runs", HTTP_ACCEPT="text/html")
    assert_error(response, 406, code="not_acceptable")
