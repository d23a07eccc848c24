"""tracker.errors owns the API's error shape: one builder, and nobody else spelling it."""

from __future__ import annotations

import ast
from pathlib import Path

from tracker.errors import error_body, error_response

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tracker", "accounts", "training", "analytics", "coaching", "dashboard")


def test_error_response_is_the_drf_standardized_errors_shape_byte_for_byte():
    response = error_response(
        "client_error", "throttled", "Try later.", status=429, headers={"Retry-After": "3"}
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert response["Content-Type"] == "application/json"
    assert response.content == (
        b'{"type": "client_error", "errors": '
        b'[{"code": "throttled", "detail": "Try later.", "attr": null}]}'
    )
    assert error_body("validation_error", "invalid", "Bad.", attr="name")["errors"] == [
        {"code": "invalid", "detail": "Bad.", "attr": "name"}
    ]


def _builds_error_shape(node: ast.AST) -> bool:
    if not isinstance(node, ast.Dict):
        return False
    # A dict with "type" and a literal "errors" list is a body; training/api/files.py's
    # {"type": ..., "errors": inline_serializer(...)} documents the shape and is left alone.
    items = {
        key.value: value
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant)
    }
    return "type" in items and isinstance(items.get("errors"), ast.List)


def test_only_tracker_errors_builds_the_error_body():
    builders = sorted(
        str(source.relative_to(ROOT))
        for app in APPS
        for source in (ROOT / app).rglob("*.py")
        if any(map(_builds_error_shape, ast.walk(ast.parse(source.read_text()))))
    )
    assert builders == ["tracker/errors.py"]
