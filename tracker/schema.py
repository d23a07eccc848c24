"""OpenAPI tweaks for the API v1 routes."""

from __future__ import annotations

from typing import Any

# --- Error documentation the generator cannot infer (issue 9, found by the schema fuzz) ----------
# drf-standardized-errors documents 400 validation errors only for request bodies and
# django-filter parameters, and enumerates each field's error codes from the serializer alone.
# The domain rules in the models' clean() (training/models.py) raise their own codes
# (``workouts_outside_plan``, ``invalid_timezone``, …) and some views validate query parameters
# with a serializer of their own, so the schema promised less than the API answers. These hooks
# document what is really sent: codes as strings (the known ones listed), a validation error for
# every operation that validates anything, and the status codes that middleware and services add.

GENERIC_VALIDATION_ERROR = "ValidationErrorResponse"
GENERIC_CLIENT_ERROR = "ClientErrorResponse"
GENERIC_SERVER_ERROR = "ServerErrorResponse"
GENERIC_ERROR_ITEM = "ErrorItem"

_ERROR_ITEM = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "attr": {"type": "string", "nullable": True},
    },
    "required": ["code", "detail", "attr"],
}


def _error_response(kind: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": [kind]},
            "errors": {"type": "array", "items": _ERROR_ITEM, "minItems": 1},
        },
        "required": ["type", "errors"],
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_response(description: str, name: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


EXTRA_RESPONSES = {
    "409": "The write conflicts with stored data (a concurrent change, a duplicate, or an "
    "Idempotency-Key reused for a different request).",
    "412": "If-Match names a version that is no longer stored (see the ETag header).",
    "413": "The request body is larger than MAX_REQUEST_SIZE.",
    "429": "Rate limit exceeded; Retry-After says when to try again.",
}
SERVICE_UNAVAILABLE = "The database is unreachable; retry later."


def _loosen_error_codes(schemas: dict[str, Any]) -> None:
    """Per-field error components keep their ``attr`` but take any ``code`` (the known ones stay
    listed in the description); each operation's list of field errors also accepts an error on
    a field the serializer does not declare (``ordering``, ``limit``, a model rule's field)."""
    for name, component in list(schemas.items()):
        properties = component.get("properties", {})
        code = properties.get("code")
        if name.endswith("ErrorComponent") and code and "enum" in code:
            known = ", ".join(f"`{value}`" for value in code["enum"])
            properties["code"] = {"type": "string", "description": f"Known codes include {known}."}
        if name.endswith("Error") and "oneOf" in component:
            component["anyOf"] = [*component.pop("oneOf"), _ref(GENERIC_ERROR_ITEM)]
            component.pop("discriminator", None)


def error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document every error the API v1 really answers (see the comment above)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[GENERIC_VALIDATION_ERROR] = _error_response("validation_error")
    schemas[GENERIC_CLIENT_ERROR] = _error_response("client_error")
    schemas[GENERIC_SERVER_ERROR] = _error_response("server_error")
    schemas[GENERIC_ERROR_ITEM] = _ERROR_ITEM
    _loosen_error_codes(schemas)
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        detail_route = path.count("{") == 1 and path.endswith("{id}")
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            _document_validation_errors(responses, schemas)
            for parameter in operation.get("parameters", []):
                # django-filter treats an empty value as "not filtering" (``?plan=``).
                if parameter.get("in") == "query":
                    parameter["allowEmptyValue"] = True
            if method in {"post", "put", "patch", "delete"}:
                responses.setdefault(
                    "409", _json_response(EXTRA_RESPONSES["409"], GENERIC_CLIENT_ERROR)
                )
            if "requestBody" in operation:
                responses.setdefault(
                    "413", _json_response(EXTRA_RESPONSES["413"], GENERIC_CLIENT_ERROR)
                )
            responses.setdefault(
                "429", _json_response(EXTRA_RESPONSES["429"], GENERIC_CLIENT_ERROR)
            )
            responses.setdefault("503", _json_response(SERVICE_UNAVAILABLE, GENERIC_SERVER_ERROR))
            if detail_route and path.split("/")[3] in {"plans", "workouts", "runs"}:
                _document_etag(method, operation, responses)
    return result


def _document_validation_errors(responses: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Every 400 accepts a validation error: add the generic one where only parse errors were
    documented (query-parameter serializers, token login)."""
    bad_request = responses.get("400")
    if bad_request is None:
        responses["400"] = _json_response("Invalid input.", GENERIC_VALIDATION_ERROR)
        return
    schema = bad_request.get("content", {}).get("application/json", {}).get("schema", {})
    target = schemas.get(schema.get("$ref", "").rsplit("/", 1)[-1], schema)
    mapping = target.get("discriminator", {}).get("mapping", {})
    if "oneOf" in target and "validation_error" not in mapping:
        target["oneOf"].append(_ref(GENERIC_VALIDATION_ERROR))
        mapping["validation_error"] = f"#/components/schemas/{GENERIC_VALIDATION_ERROR}"


def _document_etag(method: str, operation: dict[str, Any], responses: dict[str, Any]) -> None:
    etag_header = {
        "ETag": {
            "schema": {"type": "string"},
            "description": "Version of the object; send it back in If-Match to write safely.",
        }
    }
    for code in ("200", "201"):
        if code in responses and method in {"get", "put", "patch"}:
            responses[code].setdefault("headers", {}).update(etag_header)
    if method in {"put", "patch", "delete"}:
        operation.setdefault("parameters", []).append(
            {
                "in": "header",
                "name": "If-Match",
                "required": False,
                "schema": {"type": "string"},
                "description": "The ETag you read. If the object changed since, the write is "
                "refused with 412 and nothing changes; without it the last write wins.",
            }
        )
        responses.setdefault("412", _json_response(EXTRA_RESPONSES["412"], GENERIC_CLIENT_ERROR))
