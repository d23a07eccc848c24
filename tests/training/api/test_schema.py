"""The OpenAPI schema documents every API route, and the docs pages are served with local assets
(docs/API.md, Conventions): no CDN, so they render offline."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

EXPECTED_OPERATIONS = {
    ("/api/v1/auth/token", "post"),
    ("/api/v1/auth/logout", "post"),
    ("/api/v1/auth/logout-all", "post"),
    ("/api/v1/plans", "get"),
    ("/api/v1/plans", "post"),
    ("/api/v1/plans/{id}", "get"),
    ("/api/v1/plans/{id}", "put"),
    ("/api/v1/plans/{id}", "patch"),
    ("/api/v1/plans/{id}", "delete"),
    ("/api/v1/plans/{id}/copy", "post"),
    ("/api/v1/plans/{id}/workouts", "get"),
    ("/api/v1/plans/{id}/workouts", "post"),
    ("/api/v1/plans/{id}/runs", "get"),
    ("/api/v1/plans/{id}/runs", "post"),
    ("/api/v1/workouts", "get"),
    ("/api/v1/workouts", "post"),
    ("/api/v1/workouts/{id}", "get"),
    ("/api/v1/workouts/{id}", "put"),
    ("/api/v1/workouts/{id}", "patch"),
    ("/api/v1/workouts/{id}", "delete"),
    ("/api/v1/runs", "get"),
    ("/api/v1/runs", "post"),
    ("/api/v1/runs/{id}", "get"),
    ("/api/v1/runs/{id}", "put"),
    ("/api/v1/runs/{id}", "patch"),
    ("/api/v1/runs/{id}", "delete"),
    ("/api/v1/shoes", "get"),
    ("/api/v1/shoes", "post"),
    ("/api/v1/shoes/{id}", "get"),
    ("/api/v1/shoes/{id}", "put"),
    ("/api/v1/shoes/{id}", "patch"),
    ("/api/v1/shoes/{id}", "delete"),
    ("/api/v1/deletions", "get"),
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    # Generated once for the module: reading it is all these tests do.
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_operation(schema):
    found = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert EXPECTED_OPERATIONS - found == set()


def test_schema_documents_auth_errors_and_parameters(schema):
    schemes = schema["components"]["securitySchemes"]
    token_scheme = next(s for s in schemes.values() if s.get("name") == "Authorization")
    assert token_scheme["in"] == "header"
    runs_list = schema["paths"]["/api/v1/runs"]["get"]
    names = {p["name"] for p in runs_list["parameters"]}
    assert {
        "plan",
        "workout",
        "source",
        "started_after",
        "started_before",
        "updated_after",
        "ordering",
        "limit",
        "offset",
    } <= names
    assert {"400", "401", "500"} <= set(runs_list["responses"])
    create = schema["paths"]["/api/v1/runs"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    # The token endpoint is the one operation that needs no authentication.
    assert schema["paths"]["/api/v1/auth/token"]["post"].get("security") in (None, [], [{}])
    assert schema["paths"]["/api/v1/plans"]["get"]["security"]
    plans = schema["paths"]["/api/v1/plans"]["get"]
    assert {"status", "q", "updated_after"} <= {p["name"] for p in plans["parameters"]}
    deletions = schema["paths"]["/api/v1/deletions"]["get"]
    assert "since" in {p["name"] for p in deletions["parameters"]}


def test_schema_validates_without_warnings(tmp_path):
    # The same check as `make schema`: --fail-on-warn turns any warning into an error.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/docs", "/docs/", "/redoc", "/redoc/"])
def test_docs_pages_use_only_local_assets(path):
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar" in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []


# --- The contract generated clients rely on (issue 15) -------------------------------------------
WRITE_OPERATIONS = [
    (path, method)
    for path, method in EXPECTED_OPERATIONS
    if method in {"post", "put", "patch"} and "auth/logout" not in path
]


@pytest.mark.parametrize(("path", "method"), WRITE_OPERATIONS)
def test_write_bodies_are_json_only(schema, path, method):
    content = schema["paths"][path][method]["requestBody"]["content"]
    assert list(content) == ["application/json"]


def test_the_file_import_stays_multipart(schema):
    content = schema["paths"]["/api/v1/runs/import"]["post"]["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]


def _body(schema, path, method):
    ref = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_flat_creates_declare_their_plan_and_nested_ones_take_it_from_the_path(schema):
    for path in ("/api/v1/workouts", "/api/v1/workouts/{id}"):
        method = "post" if path.endswith("workouts") else "put"
        body = _body(schema, path, method)
        assert "plan" in body["properties"] and "plan" in body["required"]
    assert "plan" in _body(schema, "/api/v1/runs", "post")["properties"]
    assert "plan" not in _body(schema, "/api/v1/plans/{id}/workouts", "post")["properties"]
    assert "plan" not in _body(schema, "/api/v1/plans/{id}/runs", "post")["properties"]


def test_a_plans_runner_is_writable_on_create_only(schema):
    assert "runner" in _body(schema, "/api/v1/plans", "post")["properties"]
    assert "runner" not in _body(schema, "/api/v1/plans/{id}", "put")["properties"]
    assert "runner" not in _body(schema, "/api/v1/plans/{id}", "patch")["properties"]


def _parameter(schema, path, method, name):
    return next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/plans",
        "/api/v1/workouts",
        "/api/v1/runs",
        "/api/v1/plans/{id}/workouts",
        "/api/v1/plans/{id}/runs",
    ],
)
def test_ordering_is_an_enum_of_the_sortable_fields(schema, path):
    ordering = _parameter(schema, path, "get", "ordering")["schema"]
    assert ordering["type"] == "string"
    assert "updated_at" in ordering["enum"] and "-updated_at" in ordering["enum"]


def test_the_runner_filter_is_an_integer(schema):
    for path in ("/api/v1/plans", "/api/v1/runs"):
        runner = _parameter(schema, path, "get", "runner")["schema"]
        assert runner["type"] == "integer" and runner["minimum"] == 1


def test_the_csv_export_declares_its_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/runs/export.csv"]["get"]["parameters"]}
    assert {"plan", "workout", "source", "started_after", "started_before"} <= names


def test_always_present_fields_are_required(schema):
    components = schema["components"]["schemas"]
    for name in (
        "Plan",
        "Workout",
        "Run",
        "Shoe",
        "Deletion",
        "PlanTemplate",
        "TemplateWorkout",
        "PlanShiftResult",
    ):
        assert set(components[name]["required"]) == set(components[name]["properties"]), name
    assert components["DeletionTypeEnum"]["enum"] == ["plan", "workout", "run", "shoe", "comment"]


def test_every_nullable_schema_has_a_type(schema):
    def walk(node):
        if isinstance(node, dict):
            if node.get("nullable"):
                assert "type" in node, node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    summary = schema["components"]["schemas"]["Summary"]["properties"]
    assert summary["longest_run"]["type"] == "object" and summary["longest_run"]["nullable"]


def test_every_id_in_a_path_is_a_uuid(schema):
    for path, item in schema["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"] == {"type": "string", "format": "uuid"}, path


def test_response_and_conditional_headers_are_declared(schema):
    headers = set(schema["components"]["headers"])
    assert {
        "ETag",
        "Idempotent-Replayed",
        "Retry-After",
        "WWW-Authenticate",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-Request-ID",
        "Content-Disposition",
    } <= headers
    create = schema["paths"]["/api/v1/runs"]["post"]["responses"]["201"]["headers"]
    assert {"ETag", "Idempotent-Replayed", "X-Request-ID"} <= set(create)
    listing = schema["paths"]["/api/v1/runs"]["get"]
    assert "ETag" in listing["responses"]["200"]["headers"]
    assert "304" in listing["responses"]
    assert "pattern" in _parameter(schema, "/api/v1/runs", "get", "If-None-Match")["schema"]
    assert "pattern" in _parameter(schema, "/api/v1/runs/{id}", "put", "If-Match")["schema"]
    assert "WWW-Authenticate" in listing["responses"]["401"]["headers"]
    assert "Retry-After" in listing["responses"]["429"]["headers"]
    export = schema["paths"]["/api/v1/runs/export.csv"]["get"]["responses"]["200"]
    assert "Content-Disposition" in export["headers"]
    for path in ("/api/v1/plans/{id}/copy", "/api/v1/runs/import"):
        assert "ETag" in schema["paths"][path]["post"]["responses"]["201"]["headers"]


def test_enforced_rules_are_in_the_schema(schema):
    components = schema["components"]["schemas"]
    distance, timed = components["DistanceStep"], components["TimedStep"]
    assert (
        distance["required"] == ["kind", "distance_m"]
        and "duration_s" not in distance["properties"]
    )
    assert timed["required"] == ["kind", "duration_s"] and "distance_m" not in timed["properties"]
    assert distance["additionalProperties"] is False
    assert components["PlanRequest"]["properties"]["start_date"]["pattern"].startswith("^(19")
    period = _parameter(schema, "/api/v1/analytics/summary", "get", "period")
    assert "from/to" in period["description"]


def test_steps_may_be_repeat_blocks_of_plain_steps(schema):
    """docs/API.md, Structured workout steps: a step is a distance step, a timed step or a
    repeat block, whose own steps are plain steps (no nesting)."""
    components = schema["components"]["schemas"]
    items = components["WorkoutRequest"]["properties"]["steps"]["items"]["oneOf"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in items] == [
        "DistanceStep",
        "TimedStep",
        "RepeatBlock",
    ]
    block = components["RepeatBlock"]
    assert block["required"] == ["kind", "steps"] and block["additionalProperties"] is False
    assert block["properties"]["kind"]["enum"] == ["repeat"]
    inner = block["properties"]["steps"]["items"]["oneOf"]
    assert "RepeatBlock" not in str(inner)


def test_the_token_scheme_shows_its_prefix(schema):
    scheme = next(
        s for s in schema["components"]["securitySchemes"].values() if s.get("in") == "header"
    )
    assert "Authorization: Token " in scheme["description"]
    assert scheme["x-example"].startswith("Token ")


def test_no_operation_takes_an_internal_docstring_for_its_description(schema):
    # drf-spectacular describes an operation with its view's docstring, inherited ones included:
    # a mixin's or a base view's docstring written for engineers (reST ``markup``, module names)
    # would become API documentation. Views and mixins below them keep such notes in comments.
    leaked = {
        (path, method): operation["description"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and any(mark in operation.get("description", "") for mark in ("``", "tracker."))
    }
    assert leaked == {}


def test_no_component_takes_an_internal_docstring_for_its_description(schema):
    # The same for a serializer's schema component: drf-spectacular takes the class's docstring,
    # a mixin's included (FieldsBuiltOnceMixin's engineering notes were published this way as
    # the description of Run, Workout and their request shapes until they became comments).
    # Markdown code spans are fine here; module and class names and performance notes are not.
    marks = ("tracker.", "training.", "analytics.", "Serializer", "Mixin", "PERFORMANCE.md")
    leaked = {
        name: component["description"]
        for name, component in schema["components"]["schemas"].items()
        if any(mark in component.get("description", "") for mark in marks)
    }
    assert leaked == {}
