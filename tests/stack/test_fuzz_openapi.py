"""Property-based fuzzing of every API operation from the OpenAPI schema (schemathesis + Hypothesis).

Each operation gets its own freshly logged-in citizen and up to ``MAX_EXAMPLES`` generated requests,
valid and invalid (schemathesis' positive and negative modes, plus its coverage cases: wrong types,
missing fields, unsupported methods), sent to the real session stack over HTTP. Every answer must be
free of 5xx, carry a documented status code and content type, and match the documented body schema (the
standard error body for any 4xx and 503, see ``stack/app/error_model.py``).

Bounded and deterministic: a fixed number of examples per operation, ``derandomize`` (the examples are
a function of the test), no example database, no shrinking phase; time is bounded by the pytest timeout
and a per-request timeout, not by Hypothesis deadlines (no timing assertions). The schema is the app's
own, built in process, so that tests are generated at collection time; the first test checks that it is
exactly what the running stack serves. The cases run are counted and printed at the end of the module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stack.app.main import create_app
from stack.launcher import LocalStack
from stack.settings import StackSettings
from tests.stack.conftest import any_procedure, login, new_citizen_id

MAX_EXAMPLES = 25  # per operation: a few seconds for the whole API on the 2-core machine
REQUEST_TIMEOUT_S = 10.0
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

OPENAPI: dict[str, Any] = create_app(StackSettings()).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)

TALLY: Counter[str] = Counter()
"""Fuzz cases sent, per ``"METHOD /path"`` and per ``"status NNN"`` (read by the last test)."""


@pytest.fixture(scope="module", autouse=True)
def _report_fuzz_cases(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    cases = sum(n for key, n in TALLY.items() if not key.startswith("status "))
    statuses = ", ".join(f"{k.split()[1]}: {n}" for k, n in sorted(TALLY.items()) if k.startswith("status "))
    line = f"fuzz: {cases} cases against the OpenAPI schema; statuses {statuses}"
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
            reporter.write_line("\n" + line)


def test_the_fuzzed_schema_is_the_served_schema(client: httpx.Client) -> None:
    assert client.get("/openapi.json").json() == OPENAPI


class Identity:
    """The citizen a fuzzed operation acts as; a fresh one replaces it when it is rate limited."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http
        self.headers = login(http, new_citizen_id())

    def renew(self) -> None:
        self.headers = login(self._http, new_citizen_id())


@pytest.fixture
def identity(client: httpx.Client) -> Identity:
    return Identity(client)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    # One login per operation, shared by its examples, on purpose: function-scoped fixture.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_5xx_and_answers_match_the_schema(
    case: schemathesis.Case[Any], local_stack: LocalStack, identity: Identity
) -> None:
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    response = _send(case, local_stack.url, identity.headers, operation)
    if response.status_code == 429:  # the per-citizen limit worked; go on fuzzing as someone else
        identity.renew()
        _send(case, local_stack.url, identity.headers, operation)


def _send(
    case: schemathesis.Case[Any], base_url: str, headers: dict[str, str], operation: str
) -> schemathesis.Response:
    response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S)
    TALLY[operation] += 1
    TALLY[f"status {response.status_code}"] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response


def test_the_fuzzer_reached_every_operation_and_the_app() -> None:
    """Runs after the fuzz tests (file order): the fuzzing was not vacuous."""
    operations = {
        f"{method.upper()} {path}"
        for path, item in OPENAPI["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations <= set(TALLY), operations - set(TALLY)
    statuses = {int(k.split()[1]) for k in TALLY if k.startswith("status ")}
    assert {200, 404, 422} <= statuses, statuses  # valid requests got through, invalid ones were refused


def test_a_whole_dossier_journey_matches_the_schema(client: httpx.Client, identity: Identity) -> None:
    """The 2xx answers random inputs rarely reach (a created dossier needs a real procedure ID)."""
    auth = identity.headers
    body = {"procedure_id": any_procedure(client)["id"], "province_code": "P07", "form": {"age": 40}}
    key = {**auth, "Idempotency-Key": "journey-1"}
    created = client.post("/api/v1/dossiers", json=body, headers=key)
    assert created.status_code == 201, created.text
    schema["/api/v1/dossiers"]["POST"].validate_response(created)
    code = created.json()["code"]
    steps: list[tuple[str, str, str, dict[str, Any], int]] = [
        ("POST", "/api/v1/dossiers", "/api/v1/dossiers", {"json": body, "headers": key}, 200),
        ("PUT", "/api/v1/dossiers/{code}/attachments/{name}", f"/api/v1/dossiers/{code}/attachments/a.pdf",
         {"content": b"%PDF-1.4", "headers": auth}, 201),
        ("POST", "/api/v1/dossiers/{code}/submit", f"/api/v1/dossiers/{code}/submit", {"headers": auth}, 200),
        ("GET", "/api/v1/dossiers/{code}", f"/api/v1/dossiers/{code}", {"headers": auth}, 200),
        ("GET", "/api/v1/dossiers", "/api/v1/dossiers", {"headers": auth}, 200),
        ("GET", "/api/v1/public/dossiers/{code}/status", f"/api/v1/public/dossiers/{code}/status", {}, 200),
        ("GET", "/api/v1/me", "/api/v1/me", {"headers": auth}, 200),
        ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", {"headers": auth}, 204),
        ("GET", "/api/v1/me", "/api/v1/me", {"headers": auth}, 401),
    ]  # fmt: skip
    for method, template, url, kwargs, status in steps:
        response = client.request(method, url, **kwargs)
        assert response.status_code == status, (method, url, response.text)
        schema[template][method].validate_response(response)
