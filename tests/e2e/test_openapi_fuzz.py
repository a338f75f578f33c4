"""No 500 for anything a client can send (API.md): schemathesis over every operation of the
served ``/openapi.json``, its strategies widened with what real clients and attackers send
(lone surrogates, NUL and other controls, bidi overrides, non-ASCII digits, 5,000-digit and
64-bit-overflowing numbers, dates at the ends of the calendar and without a zone, forged
cursors), each example sent as four roles, on both backends.

Bounded: EXAMPLES per operation, a derandomised (deterministic) Hypothesis run, no example
database. The deeper sweep (every role, response conformance, 40 examples) is the lead's
``make proof`` (tests/proof/test_openapi_fuzz.py)."""
from __future__ import annotations

import base64
import collections
import json
import os
from typing import Any
from urllib.parse import quote

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

from tests.e2e.approvals.conftest import DEPARTMENTS, hall  # noqa: F401 - the fixture

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "20"))
PROBLEM = "application/problem+json"


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# Text a client can put in any string: broken Unicode, controls, deceiving Unicode, numbers
# and dates at and past the ends of what the hub counts, injections, unsigned cursors.
NASTY_TEXT = [
    "\ud800", "a\udfffb", "\x00", "a\x00b", "Shop \u202eTXT.EXE", "\u2066x\u2069", "\x1b[2J",
    "\x85", "\ufeff", "\u200b", "9" * 5000, "-1", "0", "00", "1e999", "NaN", "٣٤٥", "１２３",
    "202²", "9999-12-31", "0001-01-01", "2026-02-30", "2026-11-30T09:00:00", "", " ", "\t\r\n",
    "' OR '1'='1", "../../etc/passwd", "%00", "x" * 3000, "🀄" * 20, "=HYPERLINK(\"x\")",
    _cursor([10 ** 40, "x"]), _cursor(["\ud800"]), _cursor(["0001-01-01T00:00:00", "x"]),
]
NASTY_NUMBERS = [0, -1, 2 ** 31, 2 ** 63, -(2 ** 63) - 1, 10 ** 20 - 1, 1e308, -0.0, 0.5]
NASTY_VALUES = [*NASTY_TEXT, *NASTY_NUMBERS, None, True, [], {}, ["\ud800"], {"\ud800": 1}]
# Bodies that are not what the document says at all.
RAW_BODIES = ['{"a": NaN}', "9" * 5000, '{"x": 1e999}', "[" * 5000, '"\\ud800"', "\xff",
              '{"form": {"shop_name": "\\u0000"}}']


def _encode(value: Any) -> str:
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every value in a JSON-like body (containers included)."""
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _leaves(inner, (*path, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def _everywhere(value: Any, text: str, number: Any) -> Any:
    """``value`` with every string (keys kept) replaced by ``text``, every number by
    ``number``."""
    if isinstance(value, dict):
        return {k: _everywhere(v, text, number) for k, v in value.items()}
    if isinstance(value, list):
        return [_everywhere(v, text, number) for v in value]
    if isinstance(value, str):
        return text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number
    return value


class Request:
    """One request, built from a schemathesis case and then widened."""

    def __init__(self, case: Any, real: dict[str, str]) -> None:
        self.method = case.method.upper()
        self.path = case.path
        self.path_parameters = {k: str(v) for k, v in (case.path_parameters or {}).items()}
        self.query = dict(case.query or {})
        self.body: Any = None if isinstance(case.body, NotSet) else case.body
        self.raw: str | None = None
        self.media_type = case.media_type or "application/json"
        self.real = real

    def widen(self, data: st.DataObject) -> None:
        """Nasty values in place of what the document asks for: in one place, or the same
        one everywhere at once (so each field of a body meets it), or a raw body."""
        # Known objects for some path parameters, so deeper code is reached too.
        for name in self.path_parameters:
            if name in self.real and data.draw(st.booleans(), label=f"real {name}"):
                self.path_parameters[name] = self.real[name]
        how = data.draw(st.sampled_from(["as generated", "one place", "everywhere", "raw"]),
                        label="how")
        if how == "raw" and self.method in ("POST", "PUT", "PATCH"):
            self.raw = data.draw(st.sampled_from(RAW_BODIES), label="raw body")
        elif how == "everywhere":
            text = data.draw(st.sampled_from(NASTY_TEXT), label="text everywhere")
            number = data.draw(st.sampled_from(NASTY_NUMBERS), label="number everywhere")
            self.path_parameters = {k: text for k in self.path_parameters}
            self.query = {k: text for k in {*self.query, "cursor", "from", "to"}}
            self.body = _everywhere(self.body, text, number)
        elif how == "one place":
            slots = [("path", name) for name in self.path_parameters]
            slots += [("query", name) for name in
                      sorted({*self.query, "cursor", "from", "to", "limit"})]
            if self.method in ("POST", "PUT", "PATCH"):
                slots += [("body", leaf) for leaf in _leaves(self.body)]
            kind, where = data.draw(st.sampled_from(slots), label="slot")
            if kind == "path":
                self.path_parameters[where] = data.draw(st.sampled_from(NASTY_TEXT))
            elif kind == "query":
                self.query[where] = data.draw(st.sampled_from(NASTY_TEXT + NASTY_NUMBERS))
            else:
                self.body = _replaced(self.body, where, data.draw(st.sampled_from(NASTY_VALUES)))

    def send(self, client: Any, headers: dict[str, str]) -> Any:
        path = self.path
        for name, value in self.path_parameters.items():
            path = path.replace("{" + name + "}", _encode(value))
        pairs = [(k, v) for k, values in self.query.items()
                 for v in (values if isinstance(values, list) else [values])]
        if pairs:
            path += "?" + "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
        kwargs: dict[str, Any] = {"headers": headers}
        if self.raw is not None:
            kwargs.update(data=self.raw.encode("utf-8", "surrogatepass"),
                          content_type="application/json")
        elif self.body is not None and self.media_type == "application/json":
            kwargs.update(data=json.dumps(self.body), content_type="application/json")
        return client.open(path, method=self.method, **kwargs)

    def __str__(self) -> str:
        body = self.raw if self.raw is not None else json.dumps(self.body)[:300]
        return (f"{self.method} {self.path} path={self.path_parameters!r} "
                f"query={str(self.query)[:300]} body={body[:300]!r}")


def test_no_operation_answers_a_server_error(app, client, hall):  # noqa: F811
    case = hall.submitted()
    hall.decided(hall.task(case, "market"))
    case = hall.get(case["id"])
    task = next(t for t in case["tasks"] if t["status"] == "pending")
    real = {"application_id": case["id"], "task_id": task["id"], "code": "open-restaurant",
            "username": hall.clerk.username, "center": "binhe", "year": "2026"}
    callers = {"clerk": hall.clerk, "approver": hall.approvers[task["department"]],
               "supervisor": hall.supervisor, "admin": hall.admin,
               "operator": hall.people.make("operator", center="binhe")}
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    tried: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=os.environ.get("HUB_FUZZ_RANDOM") != "1",
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), data=st.data())
        def exercise(case: Any, data: st.DataObject) -> None:
            request = Request(case, real)
            request.widen(data)
            for role, person in callers.items():
                headers = person.headers
                if request.method == "DELETE" and request.path == "/api/v1/auth/token":
                    # Signing out ends the token it is sent with: a token of its own, so
                    # the operations after it are still tried as this role.
                    headers = {"Authorization": f"Bearer {hall.people.token_for(person.user)}"}
                response = request.send(client, headers)
                tried[f"{request.method} {request.path}"] += 1
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} as {role}: {request}")
                elif request.path.startswith("/api/") and response.status_code >= 400:
                    if response.mimetype != PROBLEM:
                        failures.append(f"{response.status_code} {response.mimetype} "
                                        f"as {role}: {request}")

        exercise()
    assert len(tried) >= 30, sorted(tried)  # every operation of the document was tried
    assert failures == [], "\n".join(failures[:30])
