"""One form (一张表), each department its part: an approver reads only the fields that name
their department, wherever a form value shows. The places are found, not listed: every
GET route of the API (from /openapi.json) and of the pages (from the url map) is asked by
an approver of the case, and no answer may carry another department's answer, before or
after a resubmission (the history once carried both, unfiltered)."""
from __future__ import annotations

import uuid
from typing import Any

from werkzeug.routing import AnyConverter

from tests.e2e.web.pages import signed_in

FIRE_ONLY = [f"FIRE-ONLY-{uuid.uuid4().hex[:8]}" for _ in range(2)]
SHARED = "SHARED-AFTER"
FORM = [{"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
         "departments": ["market", "fire"]},
        {"name": "fire_exits", "label": "安全出口说明", "type": "text", "required": True,
         "departments": ["fire"]}]
STAGES = [{"mode": "all", "tasks": [{"department": "market", "days": 3}]},
          {"mode": "all", "tasks": [{"department": "fire", "days": 5}]}]


def known_values(case: dict[str, Any], task: dict[str, Any], approver: Any) -> dict[str, str]:
    """A value for every path parameter: this case's own where the route can name it; for
    records this case has none of (notices, tickets, ratings, disclosure requests,
    materials), an id that exists nowhere, so the route is still asked."""
    absent = str(uuid.uuid4())
    return {"application_id": case["id"], "task_id": task["id"], "code": "fire-secret",
            "username": approver.username, "center": "binhe", "year": "2026",
            "department": "market", "number": case["number"], "service_item": "fire-secret",
            "notice_id": absent, "ticket_id": absent, "rating_id": absent,
            "request_id": absent, "material_id": absent}


def api_urls(client: Any, values: dict[str, str]) -> list[str]:
    spec = client.get("/openapi.json").get_json()
    urls = []
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, f"no value for a parameter of {path}"
        urls += [path, path + "?format=csv", path + "?format=xlsx"]
    return urls


def page_urls(app: Any, values: dict[str, str]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.endpoint.startswith("web."):
            continue
        choices: dict[str, list[str]] = {}
        for name, converter in rule._converters.items():
            choices[name] = (sorted(converter.items) if isinstance(converter, AnyConverter)
                             else [values[name]] if name in values else [])
        combos = [{}]
        for name, options in choices.items():
            combos = [{**c, name: option} for c in combos for option in options]
        urls += [rule.build(c, append_unknown=False)[1] for c in combos
                 if len(c) == len(choices)]
    return urls


def test_an_approver_reads_only_their_departments_fields_everywhere(app, client, hall, people):
    people.service_item(code="fire-secret", name="消防专项", form=FORM, stages=STAGES)
    market = hall.approvers["market"]
    case = hall.submitted(service_item="fire-secret",
                          form={"shop_name": "老边饺子馆", "fire_exits": FIRE_ONLY[0]})
    task = hall.task(case, "market")
    hall.decided(task, "request_supplement", comment="请补充")
    resubmitted = client.post(f"/api/v1/applications/{case['id']}/resubmit", json={
        "form": {"shop_name": SHARED, "fire_exits": FIRE_ONLY[1]}}, headers=hall.clerk.headers)
    assert resubmitted.status_code == 200, resubmitted.get_json()
    task = hall.task(hall.get(case["id"]), "market")

    # The window reads the whole form, and its history carries both answers.
    whole = client.get(f"/api/v1/applications/{case['id']}", headers=hall.clerk.headers).text
    assert all(mark in whole for mark in FIRE_ONLY)

    values = known_values(case, task, market)
    answers = {url: client.get(url, headers=market.headers) for url in api_urls(client, values)}
    signed_in(client, market)
    answers |= {url: client.get(url) for url in page_urls(app, values)}

    leaks = [url for url, response in answers.items()
             if any(mark.encode() in response.data for mark in FIRE_ONLY)]
    assert leaks == []
    # The walk reached the case where the values would show, and its part still shows.
    detail = answers[f"/api/v1/applications/{case['id']}"]
    assert detail.status_code == 200
    history = [h for h in detail.json["history"] if h["action"] == "application.resubmitted"]
    assert history and history[0]["after"]["form_after"] == {"shop_name": SHARED}
    assert history[0]["after"]["form_changed"] == ["shop_name"]
    assert answers[f"/tasks/{task['id']}"].status_code == 200
    assert sum(r.status_code == 200 for r in answers.values()) >= 10
