"""Log output (docs/PRODUCTION.md, Logging): JSON lines parse, the human format, the request id on
every line of a request, and no password, token or Authorization header in any log line."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from copy import deepcopy

import pytest
from django.conf import settings as django_settings

from tracker.logging_utils import REDACTED, redact

pytestmark = pytest.mark.urls("tests.production.urls")


@pytest.fixture
def captured_logs(request):
    """The project's LOGGING applied for real, with its console handler writing to a buffer."""
    use_json = request.param == "json"
    stream = io.StringIO()
    config = deepcopy(django_settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json" if use_json else "human"
    config["handlers"]["console"]["stream"] = stream
    config["handlers"].pop("file")
    config["root"] = {"handlers": ["console"], "level": "INFO"}
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


@pytest.mark.parametrize("captured_logs", ["json"], indirect=True)
def test_json_log_lines_parse_and_carry_the_request_fields(captured_logs, api_client, runner):
    api_client.get("/api/v1/probe/private", HTTP_X_REQUEST_ID="json-req-1")
    lines = [line for line in captured_logs.getvalue().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    (request_line,) = [r for r in records if r["name"] == "tracker.request"]
    assert request_line["level"] == "INFO"
    assert request_line["method"] == "GET"
    assert request_line["path"] == "/api/v1/probe/private"
    assert request_line["status"] == 200
    assert request_line["user_id"] == runner.pk
    assert request_line["request_id"] == "json-req-1"
    assert isinstance(request_line["duration_ms"], float)
    assert "timestamp" in request_line


@pytest.mark.parametrize("captured_logs", ["human"], indirect=True)
def test_human_log_lines_have_timestamp_level_module_then_message(captured_logs, anon_client):
    anon_client.get("/api/v1/probe/open", HTTP_X_REQUEST_ID="human-1")
    (line,) = [ln for ln in captured_logs.getvalue().splitlines() if "/api/v1/probe/open" in ln]
    assert line.startswith("[20")
    assert "] [INFO] [middleware] GET /api/v1/probe/open 200 " in line
    assert line.endswith("request_id=human-1")


@pytest.mark.parametrize("captured_logs", ["json", "human"], indirect=True)
def test_no_secret_reaches_a_log_line(captured_logs, anon_client):
    log = logging.getLogger("tracker.probe")
    log.info("login attempt %s", {"username": "demo", "password": "hunter2-secret"})
    log.info("headers: Authorization: Token 9f8e7d6c5b4a39281706abcdef")
    log.warning("calling with Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")
    log.info("form data password=swordfish&username=demo")
    log.info('json body {"password": "pa55-word", "token": "tok-123456"}')
    log.info("extra fields", extra={"password": "in-extra", "payload": {"api_key": "k-999"}})
    log.info("feed /calendar/3c1f2a9b8d7e6f5a4b3c2d1e0f9a8b7c.ics requested")
    try:
        raise ValueError("bad password='in-a-traceback'")
    except ValueError:
        log.exception("failure")
    anon_client.get("/api/v1/probe/open?token=query-secret")
    text = captured_logs.getvalue()
    for secret in (
        "hunter2-secret",
        "9f8e7d6c5b4a39281706abcdef",
        "eyJhbGciOiJIUzI1NiJ9",
        "swordfish",
        "pa55-word",
        "tok-123456",
        "in-extra",
        "k-999",
        "3c1f2a9b8d7e6f5a4b3c2d1e0f9a8b7c",
        "in-a-traceback",
        "query-secret",
    ):
        assert secret not in text, secret
    assert REDACTED in text
    assert "demo" in text  # usernames are not secrets: the log stays useful


def test_redact_leaves_ordinary_text_alone():
    text = "GET /api/v1/runs 200 12.0ms user=7 tokenizer=ok"
    assert redact(text) == text


@pytest.mark.urls("tracker.urls")
@pytest.mark.parametrize("captured_logs", ["json"], indirect=True)
def test_the_private_calendar_feed_token_in_the_url_is_not_logged(captured_logs, client, db):
    token = "f00dfacecafebeef0123456789abcdef"
    client.get(f"/calendar/{token}.ics")
    client.get(f"/accounts/reset/MQ/{token}/")
    text = captured_logs.getvalue()
    assert "/calendar/[REDACTED].ics" in text
    assert "/accounts/reset/MQ/[REDACTED]" in text
    assert token not in text


def test_djangos_own_error_line_for_a_request_carries_its_id(client, caplog, settings):
    # django.request logs a 5xx after the middleware chain returned; the id must still be there.
    from tracker.logging_utils import RequestIdFilter

    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.ERROR, logger="django.request"):
        client.get("/probe/broken-db", HTTP_X_REQUEST_ID="after-the-chain")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.status_code == 503
    assert record.request_id == "after-the-chain"


def test_redact_after_the_quick_search_equals_every_pattern_applied():
    # redact() skips the substitutions when its quick search finds no word any pattern needs;
    # on text built from those words, values and separators it must agree with all six patterns.
    from random import Random

    from tracker.logging_utils import _apply_patterns

    words = [
        "Authorization", "authorization", "TOKEN", "token", "Bearer", "basic", "password",
        "Password2", "passwd", "secret_key", "api_key", "apikey", "cookie", "sessionid",
        "csrftoken", "access_token", "tokenizer", "user", "GET", "/calendar/", "/reset/MQ/",
        ".ics", "/api/v1/runs",
    ]  # fmt: skip
    glue = ["", " ", "=", ": ", '"', "'", "&", ",", "/", "{", "}", " 200 3.1ms "]
    values = ["abc123def456ghi", "x", "9f8e7d6c5b4a3928", "eyJ.payload.sig", "7", ""]
    rng = Random(20261127)  # fixed: a failure names a reproducible string
    for _ in range(20_000):
        text = "".join(
            rng.choice(words) + rng.choice(glue) + rng.choice(values) + rng.choice(glue)
            for _ in range(rng.randint(1, 4))
        )
        assert redact(text) == _apply_patterns(text), text


def test_two_handlers_sharing_the_json_formatter_get_one_line_built_once():
    from tracker.logging_utils import JsonFormatter

    formatter = JsonFormatter("%(message)s")
    first, second = io.StringIO(), io.StringIO()
    logger = logging.getLogger("tracker.test_two_handlers")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handlers = [logging.StreamHandler(first), logging.StreamHandler(second)]
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    built = []
    json_base = JsonFormatter.__mro__[1]  # python-json-logger's formatter, which builds the line
    original = json_base.format

    def counting_format(self, record):
        built.append(record.getMessage())
        return original(self, record)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(json_base, "format", counting_format)
            logger.info("one %s", "line")
            logger.info("one %s", "line")  # an equal record is still a new line
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
    assert first.getvalue() == second.getvalue()
    assert [json.loads(line)["message"] for line in first.getvalue().splitlines()] == [
        "one line",
        "one line",
    ]
    assert built == ["one line", "one line"]  # once per record, not once per handler


def test_the_redaction_filter_cleans_a_record_once_for_both_handlers(monkeypatch):
    from tracker import logging_utils

    redact_filter = logging_utils.RedactSecretsFilter()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "password=%s", ("hunter2",), None)
    calls = []
    monkeypatch.setattr(logging_utils, "redact", lambda text: calls.append(text) or text)

    assert redact_filter.filter(record) and redact_filter.filter(record)
    assert calls == ["password=hunter2"]  # the second handler's pass redacts nothing again
    other = logging.LogRecord("x", logging.INFO, __file__, 1, "password=%s", ("hunter2",), None)
    assert redact_filter.filter(other)
    assert calls == ["password=hunter2", "password=hunter2"]  # a new record is cleaned anew
