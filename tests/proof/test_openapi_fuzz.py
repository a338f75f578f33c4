"""schemathesis over the served ``/openapi.json``, every operation, as every role.

Each generated request is sent as the clerk of binhe, an approver and a chief of
market, a supervisor, an administrator and binhe's adapter account. Checked on every
answer: no 5xx; the status code, content type, headers and body match the document;
binhe's clerk never sees another center's case; an approver's queue holds only their
department's tasks; no response but the audited unmasked view carries an applicant's
ID number or phone in clear."""
from __future__ import annotations

import collections
import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.approvals.conftest import ID_NUMBER, PHONE

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(600)]

EXAMPLES = 40
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
UNMASKED_VIEW = "/api/v1/applications/{application_id}/applicant"


def _objects(value: Any) -> Any:
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _objects(inner)


def trespasses(role: str, path: str, body: Any) -> list[str]:
    """What an answer shows that its caller must not see."""
    found = []
    for obj in _objects(body):
        if role == "clerk" and "applicant" in obj and obj.get("center") not in ("binhe", None):
            found.append(f"a case of {obj.get('center')}")
        if role in ("approver", "chief") and path == "/api/v1/tasks" \
                and "stage" in obj and obj.get("department") != "market":
            found.append(f"a task of {obj.get('department')}")
    return found


def test_every_operation_as_every_role(app, hall, people, figures):
    # Something to find: cases in binhe and in daxi, steps open in two departments.
    for _ in range(2):
        case = hall.submitted()
        hall.decided(hall.task(case, "market"))
    hall.submitted(clerk=people.clerk(center="daxi"))
    callers = {"clerk": hall.clerk, "approver": hall.approvers["market"],
               "chief": hall.chiefs["market"], "supervisor": hall.supervisor,
               "admin": hall.admin, "adapter": people.make("adapter", center="binhe")}
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    tried: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            for role, person in callers.items():
                response = case.call(headers=person.headers)
                tried[role] += 1
                label = f"{role} {case.method} {case.formatted_path}"
                try:
                    case.validate_response(response, checks=CHECKS, headers=person.headers)
                except (Exception, BaseExceptionGroup) as exc:  # kept; the sweep goes on
                    failures.append(f"{label}: {str(exc)[:600]}")
                    continue
                content = response.content  # CSV in GB18030 and XLSX too: bytes
                clear = [v for v in (ID_NUMBER, PHONE) for enc in ("utf-8", "gb18030")
                         if v.encode(enc) in content]
                if case.path != UNMASKED_VIEW and clear:
                    failures.append(f"{label}: an ID number or phone in clear")
                if response.headers.get("Content-Type", [""])[0].startswith("application/json"):
                    shown = trespasses(role, case.path, json.loads(content or b"null"))
                    if shown:
                        failures.append(f"{label}: {shown[:3]}")

        exercise()
    requests = sum(tried.values())
    figures.write("openapi_fuzz", tool=f"schemathesis {schemathesis.__version__}",
                  operations=operations, roles=sorted(callers), examples_per_operation=EXAMPLES,
                  requests=requests, requests_per_role=dict(tried), failures=len(failures))
    assert failures == [], "\n".join(failures[:40])
