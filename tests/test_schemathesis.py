"""schemathesis against /api/openapi.json, as a customer and as staff: no 5xx, no answer the spec does not allow.

A bounded number of generated requests per operation (ONEXP_SCHEMATHESIS_EXAMPLES, default 10),
on both backends: PostgreSQL refuses inputs SQLite takes (NUL bytes, out-of-range integers).
Driven through schemathesis' Python API (one pytest test per operation and role), since its
lazy pytest fixture does not run under pytest 9.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking import create_app

EXAMPLES = int(os.environ.get("ONEXP_SCHEMATHESIS_EXAMPLES", "10"))
# What "conforms to the spec" means here; the other default checks judge API design choices
# (e.g. that any schema-valid body is accepted, when business rules may refuse it with 422/409).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
METHODS = ("get", "post", "put", "patch", "delete")


def operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation; the spec needs no database."""
    spec = create_app({"DATABASE_URL": "sqlite://", "TESTING": True}).test_client().get("/api/openapi.json").json
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS]


def pytest_generate_tests(metafunc):
    if "operation" in metafunc.fixturenames:
        found = operations()
        metafunc.parametrize("operation", found, ids=[f"{method} {path}" for method, path in found])


@pytest.fixture(params=["customer", "staff"])
def caller(request, auth, make_user) -> dict:
    return auth(make_user(request.param, org="acme" if request.param == "customer" else None))


def test_operation_conforms_to_the_openapi_description(app, operation, caller):
    method, path = operation
    api_operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)[path][method]

    @given(case=api_operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: a failure here is reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case):
        case.call_and_validate(headers=caller, checks=CHECKS)

    conforms()
