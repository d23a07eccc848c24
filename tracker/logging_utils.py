"""Logging filters for settings.LOGGING (docs/PRODUCTION.md, Logging): the request id on every
record of a request, and redaction so passwords, tokens and Authorization headers never reach a
log."""

from __future__ import annotations

import logging
import re
import weakref
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from pythonjsonlogger.json import JsonFormatter as _JsonFormatterBase

# Set by tracker.middleware.RequestIdMiddleware for the duration of one request. A ContextVar is
# per thread (and per asyncio task), so concurrent requests never see each other's id.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

REDACTED = "[REDACTED]"

_SENSITIVE_KEYS = (
    r"password\d?|passwd|new_password\d?|old_password|secret|secret_key|token|access_token|"
    r"refresh_token|api_key|apikey|authorization|cookie|sessionid|csrfmiddlewaretoken|csrftoken"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization: Token abc / Bearer abc / Basic abc — header lines, reprs and JSON alike.
    (
        re.compile(
            r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:(token|bearer|basic)\s+)?[^'\",\s}]+"
        ),
        r"\1\2 " + REDACTED,
    ),
    (re.compile(r"(?i)\b(token|bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}"), r"\1 " + REDACTED),
    # key=value, key: value, "key": "value", 'key': 'value' for the sensitive keys.
    (
        re.compile(
            rf"(?i)(['\"]?\b(?:{_SENSITIVE_KEYS})\b['\"]?\s*[:=]\s*)(['\"])(?:\\.|(?!\2).)*\2"
        ),
        r"\1\2" + REDACTED + r"\2",
    ),
    (
        re.compile(rf"(?i)(\b(?:{_SENSITIVE_KEYS})\b=)[^&\s'\",;]+"),
        r"\1" + REDACTED,
    ),
    # Secrets carried in URL paths: the private calendar feed and password-reset links.
    (re.compile(r"(/calendar/)[^/\s'\"]+(\.ics)"), r"\1" + REDACTED + r"\2"),
    (re.compile(r"(/reset/[^/\s'\"]+/)[^/\s'\"]+"), r"\1" + REDACTED),
]


# Every pattern above needs one of these words or paths to match, so text without any of them
# (the request line, "GET /api/v1/runs 200 3.1ms user=7", and most other lines) is returned after
# one search instead of six substitutions: with two handlers each redacting the message and the
# string fields, that was 36 substitutions per request line, a seventh of an authenticated
# request that does no work (docs/PERFORMANCE.md).
_MAY_HOLD_SECRET = re.compile(
    rf"(?i)authorization|token|bearer|basic|{_SENSITIVE_KEYS}|/calendar/|/reset/"
)
_SENSITIVE_KEY = re.compile(_SENSITIVE_KEYS, re.IGNORECASE)


def _apply_patterns(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(text: str) -> str:
    """``text`` with every secret the patterns know replaced by ``[REDACTED]``."""
    if _MAY_HOLD_SECRET.search(text) is None:
        return text
    return _apply_patterns(text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            key: (REDACTED if _SENSITIVE_KEY.fullmatch(str(key)) else _redact_value(val))
            for key, val in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item) for item in value)
    return value


_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request) for the formatters to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            request_id = request_id_var.get()
            # django.request logs 4xx/5xx after the middleware chain has returned (outside the
            # context); the request it attaches still carries the id.
            request = getattr(record, "request", None)
            if request_id == "-" and isinstance(request, HttpRequest):
                request_id = getattr(request, "request_id", "-")
            record.request_id = request_id
        return True


class RedactSecretsFilter(logging.Filter):
    """Rewrites the record in place: message, arguments, exception text and extra fields.

    Installed on the handlers, so it sees records from every logger (Django's, libraries').
    Both handlers share this filter and hand it the same record in turn; the second time the
    record is already clean, so the last record is remembered (weakly) and passed at once.
    """

    _last: weakref.ref[logging.LogRecord] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        last = self._last
        if last is not None and last() is record:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD_ATTRS or key == "request_id":
                continue
            if _SENSITIVE_KEY.fullmatch(key):
                setattr(record, key, REDACTED)
            elif isinstance(value, HttpRequest):
                # django.request attaches the request; its repr includes the query string.
                setattr(record, key, redact(f"{value.method} {value.path}"))
            elif isinstance(value, str | dict | list | tuple):
                setattr(record, key, _redact_value(value))
        self._last = weakref.ref(record)  # only once the record is wholly clean
        return True


# Kept over python-json-logger's own formatter: +0.31 M instructions per request, 2026-12-05
class JsonFormatter(_JsonFormatterBase):
    """python-json-logger's formatter, redacting the traceback it formats itself from exc_info
    (it does not reuse the filter's redacted ``exc_text``).

    The console and the file handler share this formatter and each asks it to format the same
    record, so the last record's line is kept and handed to the second handler instead of being
    built again. The record is held weakly: a traceback it carries is not kept alive by this.
    """

    _last: tuple[weakref.ref[logging.LogRecord], str] | None = None

    def format(self, record: logging.LogRecord) -> str:
        last = self._last  # one read: another thread may replace it meanwhile
        if last is not None and last[0]() is record:
            return last[1]
        line = super().format(record)
        self._last = (weakref.ref(record), line)
        return line

    def formatException(self, ei: Any) -> Any:
        formatted = super().formatException(ei)
        if isinstance(formatted, list):  # exc_info_as_array
            return [redact(line) for line in formatted]
        return redact(formatted)

    def formatStack(self, stack_info: str) -> Any:
        formatted = super().formatStack(stack_info)
        if isinstance(formatted, list):
            return [redact(line) for line in formatted]
        return redact(formatted)
