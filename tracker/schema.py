"""OpenAPI tweaks for the API v1 routes."""

from __future__ import annotations

import copy
from typing import Any

from drf_standardized_errors.openapi import AutoSchema

from tracker.concurrency import ENTITY_TAGS_PATTERN

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
            if detail_route and path.split("/")[3] in {"plans", "workouts", "runs", "shoes"}:
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


# --- A contract generated clients and fuzzers can trust (issue 15) --------------------------------
# What drf-spectacular cannot infer: the headers the middleware and views send, the rules the
# server enforces beyond field types, and response fields that are always present. Each rule
# written here is one the server applies; tests/reliability/test_schemathesis.py holds the two
# to each other (schema-valid input is accepted, invalid input refused).

# Path and query dates outside these years are refused (training/models.py EARLIEST_DATE and
# LATEST_DATE); the pattern says so for date and date-time strings alike.
YEARS_1900_TO_2999 = "^(19[0-9]{2}|2[0-9]{3})-"
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
# Objects that every response carries whole, so generated models need not type them as unset.
ALWAYS_COMPLETE = ("Plan", "Workout", "Run", "Shoe", "Deletion", "TokenResponse")
# Routes whose GET answers an ETag and honours If-None-Match (tracker/concurrency.py).
CONDITIONAL_GET_PATHS = {
    f"/api/v1/{path}"
    for path in (
        "plans",
        "workouts",
        "runs",
        "shoes",
        "plans/{id}",
        "workouts/{id}",
        "runs/{id}",
        "shoes/{id}",
        "plans/{id}/workouts",
        "plans/{id}/runs",
    )
}
DOWNLOAD_PATHS = {"/api/v1/runs/export.csv", "/api/v1/plans/{id}/calendar.ics"}


def _header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


HEADERS = {
    "X-Request-ID": _header("Id of this request, as logged; echoes a safe X-Request-ID sent."),
    "X-RateLimit-Limit": _header("Requests allowed per window.", {"type": "integer"}),
    "X-RateLimit-Remaining": _header("Requests left in the window.", {"type": "integer"}),
    "X-RateLimit-Reset": _header("Unix time when the window resets.", {"type": "integer"}),
    "Retry-After": _header("Seconds to wait before retrying.", {"type": "integer"}),
    "WWW-Authenticate": _header("The scheme to authenticate with: `Token`."),
    "ETag": _header(
        "Version of this representation. Send it in If-None-Match to read only if it changed "
        "(304 otherwise), and, for one object, in If-Match to write only if it did not (412)."
    ),
    "Idempotent-Replayed": _header(
        "`true` when this is the stored answer to an earlier request with the same "
        "Idempotency-Key and body; nothing was created again.",
        {"type": "string", "enum": ["true"]},
    ),
    "Content-Disposition": _header("`attachment` or `inline`, with the file name."),
}
IF_NONE_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "ETags you hold, comma-separated (or `*`). When one is current the answer is "
    "304 with no body; a malformed value is a 400.",
}
NOT_MODIFIED = {
    "description": "Not modified: If-None-Match holds the current ETag. No body.",
    "headers": {"ETag": _header_ref("ETag")},
}
AUTH_SCHEME_HELP = (
    "An API token from `POST /api/v1/auth/token`, sent with its prefix: "
    "`Authorization: Token 5f2b…`. Without it (or with an expired one) the answer is 401 with "
    "`WWW-Authenticate: Token`."
)


class FilteredDownloadSchema(AutoSchema):  # type: ignore[misc]  # untyped base
    """For a download that takes a list's filters but answers a file, not a page: document its
    filter parameters, which drf-spectacular adds to list views only."""

    def get_filter_backends(self) -> list[Any]:
        return list(getattr(self.view, "filter_backends", []))


def _walk(node: Any) -> Any:
    """Every dict in a schema tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _inline_nullable_reference(node: dict[str, Any], schemas: dict[str, Any]) -> None:
    """OpenAPI 3.0 ignores ``nullable`` where no ``type`` is given, so drf-spectacular's
    ``{nullable: true, allOf: [$ref]}`` allows no null to a strict validator. The referenced
    object written in place, with its type, says "this object or null" in a way every reader
    understands."""
    refs = node.get("allOf", [])
    if not node.get("nullable") or "type" in node or len(refs) != 1 or "$ref" not in refs[0]:
        return
    target = copy.deepcopy(schemas[refs[0]["$ref"].rsplit("/", 1)[-1]])
    node.pop("allOf")
    node.update({**target, **{k: v for k, v in node.items() if k != "allOf"}})


def _text_rules(field: dict[str, Any]) -> None:
    """Dates within the stored years; text without NUL (DRF and Django forms refuse it, and
    PostgreSQL cannot store it); required text not made of spaces only (it is trimmed)."""
    if field.get("format") in {"date", "date-time"}:
        field["pattern"] = YEARS_1900_TO_2999
    elif field.get("type") == "string" and "format" not in field and "enum" not in field:
        field["pattern"] = NOT_BLANK if field.get("minLength") == 1 else NO_NUL


def _component_rules(schemas: dict[str, Any]) -> None:
    for name in ALWAYS_COMPLETE:
        if name in schemas:
            schemas[name]["required"] = list(schemas[name].get("properties", {}))
    for name, component in schemas.items():
        if name.startswith("Paginated") and name.endswith("List"):
            component["required"] = list(component.get("properties", {}))
        for node in list(_walk(component)):
            _inline_nullable_reference(node, schemas)
        if name.endswith("Request"):
            for field in component.get("properties", {}).values():
                _text_rules(field)
    _step_variants(schemas)
    for name, component in schemas.items():
        if name == "RepeatBlock":
            continue  # its steps are plain steps: blocks are not nested
        steps = component.get("properties", {}).get("steps")
        if steps is not None and steps.get("type") == "array":
            steps["maxItems"] = 100
            steps["items"] = {
                "oneOf": [_ref("DistanceStep"), _ref("TimedStep"), _ref("RepeatBlock")]
            }
    schemas.pop("Step", None)
    schemas.pop("StepRequest", None)


def _step_variants(schemas: dict[str, Any]) -> None:
    """A step has exactly one of ``distance_m`` or ``duration_s`` (training/steps.py): two
    closed object shapes, one of which every step matches. The rule that cannot be written
    here, a minimum pace not above the maximum, is in the description."""
    step = schemas.get("StepRequest") or schemas.get("Step")
    if step is None:
        return
    common = {
        name: dict(field)
        for name, field in step["properties"].items()
        if name not in {"distance_m", "duration_s"}
    }
    for bound in ("target_pace_min_s_per_km", "target_pace_max_s_per_km"):
        common[bound].update(minimum=0, exclusiveMinimum=True)
    note = (
        " Target paces: both or neither, the minimum (faster) not above the maximum, in "
        "seconds per km; or a `pace_zone` instead of them, never both."
    )
    variants = {
        "DistanceStep": (
            "distance_m",
            {"minimum": 0, "exclusiveMinimum": True, "maximum": 500_000},
        ),
        "TimedStep": ("duration_s", {"minimum": 0, "exclusiveMinimum": True, "maximum": 86_400}),
    }
    for name, (measure, bounds) in variants.items():
        unit = "metres" if measure == "distance_m" else "seconds"
        schemas[name] = {
            "type": "object",
            "description": f"A step measured in {unit} (`{measure}`).{note}",
            "properties": {
                **common,
                measure: {"type": "number", "format": "double", "description": unit, **bounds},
            },
            "required": ["kind", measure],
            "additionalProperties": False,
        }
    schemas["RepeatBlock"] = {
        "type": "object",
        "description": (
            "A repeat block: its steps in turn, `repeat` times (5 x [1 km + 2 min jog]). "
            "Blocks are not nested; every step inside counts towards the 100 steps."
        ),
        "properties": {
            "kind": {"type": "string", "enum": ["repeat"]},
            "repeat": {"type": "integer", "minimum": 1, "maximum": 50, "default": 1},
            "steps": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100,
                "items": {"oneOf": [_ref("DistanceStep"), _ref("TimedStep")]},
            },
        },
        "required": ["kind", "steps"],
        "additionalProperties": False,
    }


def _operation_rules(path: str, method: str, operation: dict[str, Any]) -> None:
    parameters = operation.get("parameters", [])
    for parameter in parameters:
        schema = parameter.get("schema", {})
        if parameter["in"] == "path" and parameter["name"] == "id":
            parameter["schema"] = {"type": "string", "format": "uuid"}
        elif parameter["in"] == "query" and "$ref" not in schema:
            _text_rules(schema)
        elif parameter["in"] == "header" and parameter["name"] == "If-Match":
            parameter["schema"] = {"type": "string", "pattern": ENTITY_TAGS_PATTERN}
    responses = operation.get("responses", {})
    conditional = method == "get" and path in CONDITIONAL_GET_PATHS
    if conditional:
        parameters.append(
            {
                **IF_NONE_MATCH_PARAMETER,
                "schema": {"type": "string", "pattern": ENTITY_TAGS_PATTERN},
            }
        )
        operation["parameters"] = parameters
        responses["304"] = NOT_MODIFIED
    creates = any(p["name"] == "Idempotency-Key" for p in parameters) or path.endswith("/import")
    for code, response in responses.items():
        headers = response.setdefault("headers", {})
        for name in ("X-Request-ID", "X-RateLimit-Limit", "X-RateLimit-Remaining"):
            headers[name] = _header_ref(name)
        headers["X-RateLimit-Reset"] = _header_ref("X-RateLimit-Reset")
        if code == "401":
            headers["WWW-Authenticate"] = _header_ref("WWW-Authenticate")
        if code in {"429", "503"}:
            headers["Retry-After"] = _header_ref("Retry-After")
        if code in {"200", "201"} and (conditional or creates or "ETag" in headers):
            headers["ETag"] = _header_ref("ETag")
        if code in {"200", "201"} and creates and not path.endswith("/import"):
            headers["Idempotent-Replayed"] = _header_ref("Idempotent-Replayed")
        if code == "200" and path in DOWNLOAD_PATHS:
            headers["Content-Disposition"] = _header_ref("Content-Disposition")


def contract_details(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document the headers, rules and always-present fields described above."""
    components = result.setdefault("components", {})
    components.setdefault("headers", {}).update(HEADERS)
    _component_rules(components.get("schemas", {}))
    for scheme in components.get("securitySchemes", {}).values():
        if scheme.get("in") == "header" and scheme.get("name") == "Authorization":
            scheme["description"] = AUTH_SCHEME_HELP
            scheme["x-example"] = "Token 5f2b8c0e9d7a41c3b6e2f0a9d8c7b6a5"
    for path, item in result.get("paths", {}).items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                if method in {"get", "post", "put", "patch", "delete"}:
                    _operation_rules(path, method, operation)
    return result
