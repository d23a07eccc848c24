"""Request id, request log, body limit, security headers and CORS (docs/PRODUCTION.md, Request
handling)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.test import RequestFactory, override_settings

from tracker.logging_utils import request_id_var
from tracker.middleware import UPLOAD_MULTIPART_OVERHEAD_BYTES, RequestBodyLimitMiddleware

pytestmark = pytest.mark.urls("tests.production.urls")

OPEN = "/api/v1/probe/open"


# --- request id ---------------------------------------------------------------------------------


def test_a_safe_request_id_is_echoed(anon_client):
    rid = "abc-123_DEF.4:5"
    response = anon_client.get(OPEN, HTTP_X_REQUEST_ID=rid)
    assert response["X-Request-ID"] == rid


@pytest.mark.parametrize(
    "offered",
    ["", "has space", "x" * 129, "semi;colon", "new\nline", "<script>", "ünïcode"],
)
def test_an_unsafe_request_id_is_replaced_not_rejected(anon_client, offered):
    response = anon_client.get(OPEN, HTTP_X_REQUEST_ID=offered)
    assert response.status_code == 200
    generated = response["X-Request-ID"]
    assert generated != offered
    assert re.fullmatch(r"[0-9a-f]{32}", generated)


def test_a_128_character_request_id_is_still_accepted(anon_client):
    rid = "a" * 128
    assert anon_client.get(OPEN, HTTP_X_REQUEST_ID=rid)["X-Request-ID"] == rid


def test_every_response_gets_an_id_even_non_api_ones(client):
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/health/live")["X-Request-ID"])
    assert client.get("/probe/page")["X-Request-ID"]


def test_the_request_line_carries_method_path_status_duration_user_and_id(api_client, runner):
    logger = logging.getLogger("tracker.request")
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect()
    # The project's filter, as settings.LOGGING installs it on every handler.
    from tracker.logging_utils import RequestIdFilter

    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        api_client.get("/api/v1/probe/private?secret=1", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    (record,) = records
    assert record.method == "GET"
    assert record.path == "/api/v1/probe/private"  # no query string: it may hold secrets
    assert record.status == 200
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    assert record.user_id == runner.pk
    assert record.request_id == "req-42"
    assert record.getMessage().startswith("GET /api/v1/probe/private 200 ")
    assert request_id_var.get() == "-"  # reset once the request is over


def test_log_lines_written_inside_a_request_carry_its_id(anon_client, caplog, monkeypatch):
    from tests.production import urls

    def noisy_get(self, request):
        logging.getLogger("tracker.probe").warning("inside the view")
        return urls.Response({"ok": True})

    monkeypatch.setattr(urls.OpenProbe, "get", noisy_get)
    from tracker.logging_utils import RequestIdFilter

    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO):
        anon_client.get(OPEN, HTTP_X_REQUEST_ID="trace-me")
    ids = {r.name: r.request_id for r in caplog.records}
    assert ids["tracker.probe"] == "trace-me"
    assert ids["tracker.request"] == "trace-me"


# --- body limit ---------------------------------------------------------------------------------


@override_settings(MAX_REQUEST_SIZE=100, MAX_UPLOAD_SIZE=1000)
def test_a_declared_oversized_body_is_413_json_before_it_is_read(anon_client):
    response = anon_client.post(OPEN, {"name": "x" * 200}, format="json")
    assert response.status_code == 413
    body = response.json()
    assert body == {
        "type": "client_error",
        "errors": [
            {
                "code": "request_too_large",
                "detail": "Request body is larger than the limit of 100 bytes.",
                "attr": None,
            }
        ],
    }
    # 413s are API responses too: they carry the rate-limit headers and the request id.
    assert response["X-RateLimit-Limit"] and response["X-Request-ID"]


@override_settings(MAX_REQUEST_SIZE=100, MAX_UPLOAD_SIZE=1000)
def test_a_body_at_the_limit_is_accepted(anon_client):
    payload = json.dumps({"name": "a"}).encode()
    padded = payload[:-1] + b" " * (100 - len(payload)) + b"}"
    assert len(padded) == 100
    response = anon_client.generic("POST", OPEN, padded, content_type="application/json")
    assert response.status_code == 200, response.content


@override_settings(MAX_REQUEST_SIZE=100, MAX_UPLOAD_SIZE=1000)
def test_the_upload_url_uses_the_upload_limit_plus_multipart_framing(anon_client, monkeypatch):
    seen_by_views = []
    middleware = RequestBodyLimitMiddleware(lambda request: seen_by_views.append(request) or 200)
    factory = RequestFactory()
    limit = 1000 + UPLOAD_MULTIPART_OVERHEAD_BYTES
    for path, size, expected in [
        ("/api/v1/runs/import", 500, 200),
        ("/api/v1/runs/import", limit, 200),  # a full-size file with its framing passes
        ("/api/v1/runs/import/", limit + 1, 413),
        (OPEN, 500, 413),  # everything else: MAX_REQUEST_SIZE
    ]:
        request = factory.post(path, b"x" * size, content_type="application/octet-stream")
        response = middleware(request)
        status = response if isinstance(response, int) else response.status_code
        assert status == expected, (path, size)
    assert len(seen_by_views) == 2


def _chunked_request(body: bytes):
    request = RequestFactory().post(OPEN, data=b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(body)
    return request


class _Counting(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


@override_settings(MAX_REQUEST_SIZE=1000)
def test_a_chunked_body_over_the_limit_is_413_after_reading_only_just_past_the_limit():
    request = _chunked_request(b"")
    stream = _Counting(b"y" * 50_000)
    request.META["wsgi.input"] = stream
    seen = []
    middleware = RequestBodyLimitMiddleware(lambda r: seen.append(r))
    response = middleware(request)
    assert response.status_code == 413
    assert json.loads(response.content)["errors"][0]["code"] == "request_too_large"
    assert seen == []  # the view never ran
    assert stream.bytes_read == 1001  # stopped one byte past the limit


@override_settings(MAX_REQUEST_SIZE=1000)
def test_a_chunked_body_under_the_limit_reaches_the_view_with_its_length():
    payload = b'{"name": "chunky"}'
    request = _chunked_request(payload)
    middleware = RequestBodyLimitMiddleware(lambda r: r)
    passed = middleware(request)
    assert passed.META["CONTENT_LENGTH"] == str(len(payload))
    assert passed.body == payload


def test_a_non_numeric_content_length_is_a_400(anon_client):
    response = anon_client.generic(
        "POST", OPEN, b"{}", content_type="application/json", CONTENT_LENGTH="lots"
    )
    assert response.status_code == 400


# --- security headers and CORS -----------------------------------------------------------------


def test_html_pages_get_a_csp_with_a_fresh_nonce_and_frame_denial(client):
    first = client.get("/probe/page")
    second = client.get("/probe/page")
    csp = first["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert nonce not in second["Content-Security-Policy"]
    assert first["X-Frame-Options"] == "DENY"
    assert first["X-Content-Type-Options"] == "nosniff"


def test_json_responses_get_nosniff_but_no_csp(anon_client):
    response = anon_client.get(OPEN)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response


def test_api_docs_pages_may_run_their_inline_init_script(client):
    csp = client.get("/docs")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "'nonce-" not in csp  # a nonce would switch 'unsafe-inline' off


@override_settings(ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_exposes_rate_limit_and_request_id_headers(anon_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = anon_client.get(OPEN, HTTP_ORIGIN="https://app.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
        "x-request-id",
        "etag",
        "idempotent-replayed",
    } <= exposed
    other = anon_client.get(OPEN, HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other


@override_settings(ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_preflight_allows_the_conditional_and_idempotency_headers(anon_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = anon_client.options(
        OPEN,
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-match, if-none-match, idempotency-key",
    )
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"if-match", "if-none-match", "idempotency-key", "authorization"} <= allowed


def test_hsts_is_sent_when_not_debug_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/probe/page", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
