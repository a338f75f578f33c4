"""Personal data masked: every GET operation of the API, as every kind of caller, and the
pages and the metrics, never carry a citizen's ID number or phone in clear, in UTF-8 or
GB18030, JSON, CSV or XLSX; only the unmasked view does, and that look is audited."""
from __future__ import annotations

from tests.e2e.attacks.classes.authorisation import fill
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "personal_data_masking"
TITLE = "个人信息遮蔽：每个查询接口（各角色）、页面、指标中无明文身份证号与手机号"
ORDER = 70
UNMASKED = "/api/v1/applications/{application_id}/applicant"
CALLERS = ("clerk-binhe", "market-approver1", "supervisor", "admin")


def in_clear(target: Target, content: bytes) -> list[str]:
    secrets = [v for v in target.personal if v.isascii() and len(v) >= 11]  # IDs and phones
    return [v for v in secrets for enc in ("utf-8", "gb18030") if v.encode(enc) in content]


def run(target: Target, tally: ClassTally) -> None:
    binhe = target.cases["binhe"]
    values = {"application_id": binhe["id"], "task_id": target.task(binhe, "market")["id"],
              "code": "open-restaurant", "username": "clerk-binhe", "center": "binhe",
              "year": "2026"}
    for method, path, op in target.operations():
        if method != "GET" or path == UNMASKED:
            continue
        url = fill(path, values)
        formats = [""] + (["?format=csv", "?format=xlsx"] if "format" in {
            p["name"] for p in op.get("parameters", [])} else [])
        for username in CALLERS:
            for suffix in formats:
                joiner = "&" if "?" in url and suffix else ""
                answer = target.get(url + (joiner + suffix[1:] if joiner else suffix),
                                    target.person(username))
                found = in_clear(target, answer.content)
                tally.attempt(f"GET {path}{suffix} as {username}",
                              answer.status_code < 500 and not found, f"{answer.status_code} {found}")
    for username, path in (("clerk-binhe", f"/cases/{binhe['id']}"), ("clerk-binhe", "/cases"),
                           ("supervisor", "/dashboard"), ("supervisor", "/warnings")):
        session, _token = target.page_session(username)
        page = session.get(target.base + path, timeout=30)
        tally.attempt(f"page {path} as {username}", not in_clear(target, page.content),
                      str(in_clear(target, page.content)))
    # The one view that shows them, on purpose: audited.
    clerk = target.person("clerk-binhe")
    shown = target.get(fill(UNMASKED, values), clerk)
    trail = target.get(f"/api/v1/audit?target={binhe['id']}", target.person("supervisor")).json()
    tally.attempt("the unmasked view is audited", shown.status_code == 200 and any(
        r["action"] == "application.applicant_viewed" and r["actor"] == "clerk-binhe"
        for r in trail["items"]))
