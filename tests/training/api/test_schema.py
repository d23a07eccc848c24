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
    ("/api/v1/deletions", "get"),
}


@pytest.fixture
def schema(db) -> dict:
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
