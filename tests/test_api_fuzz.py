"""Fuzzing every operation of the OpenAPI document with schemathesis (hypothesis underneath):
valid and invalid inputs generated from the schemas, sent with an admin key to the API served
over the embedded store. Zero 5xx answers, and every answer matches its documented schema and
content type. Bounded: a fixed number of examples per operation, derandomised, so the run is
the same every time and takes well under a minute."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)
from test_api_kit import Api, serve_small

EXAMPLES = 30  # per operation and mode: about 800 requests in all
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture(scope="module", params=["embedded"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Api]:
    yield from serve_small(request, tmp_path_factory)


def test_no_server_errors_and_documented_answers(served: Api) -> None:
    # schemathesis' own pytest plugin does not run under this pytest, so the operations are
    # driven here, each through a hypothesis test of its own.
    schema = schemathesis.openapi.from_url(served.base + "/openapi.json")
    headers = {"X-API-Key": served.keys["admin"]}
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    failures: list[str] = []
    operations = 0
    for result, mode in itertools.product(schema.get_all_operations(), MODES):
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=served.base, headers=headers, checks=checks)

        try:
            run()
        except Unsatisfiable:  # nothing to get wrong (an operation without parameters)
            continue
        except Exception as exc:  # noqa: BLE001 - every operation is tried, then all reported
            failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert operations >= 2 * 18
    metrics = served.get("/metrics", None).text
    sent = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith("riskgraph_http_requests_total{"))
    assert sent >= 300, f"only {sent:.0f} requests were generated"
    assert 'status="5' not in metrics
    assert not failures, "\n\n".join(failures)
