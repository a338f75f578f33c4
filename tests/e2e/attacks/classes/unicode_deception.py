"""Unicode that deceives (issue 20, item 9): ID numbers and phones in full-width and
Arabic-Indic digits are stored as the digits they mean; bidi overrides, NUL and escape
sequences in names and free text are refused, naming the field."""
from __future__ import annotations

from hub import privacy
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "unicode_deception"
TITLE = "欺骗性 Unicode：全角与阿拉伯–印度数字的身份证号和手机号；姓名与意见中的双向覆盖符、NUL、控制序列"
ORDER = 90
DIGITS = {"full-width": str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"),
          "Arabic-Indic": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")}
DECEIVING = ["Shop \u202eTXT.EXE", "张\u202d三", "\u2066李四\u2069", "王\x00五", "赵\x1b[2J六",
             "钱\x85七"]


def run(target: Target, tally: ClassTally) -> None:
    clerk = target.person("clerk-binhe")
    for n, (what, table) in enumerate(DIGITS.items(), start=30):
        person = target.applicant(n)
        typed = {**person, "id_number": person["id_number"].translate(table),
                 "phone": person["phone"].translate(table)}
        target.personal.update(typed.values())
        answer = target.post("/api/v1/applications", clerk, json={
            "service_item": "open-restaurant", "center": "binhe", "applicant": typed,
            "form": {"shop_name": "店", "address": "址", "area_m2": 1, "seats": 1,
                     "cuisine": "热食类", "fume_purifier": False}})
        shown = answer.json().get("applicant", {}) if answer.status_code == 201 else {}
        tally.attempt(f"ID number and phone in {what} digits", answer.status_code == 201
                      and shown.get("id_number") == privacy.mask_id_number(person["id_number"])
                      and shown.get("phone") == privacy.mask_phone(person["phone"]),
                      f"{answer.status_code} {shown}")
    case = target.submit("clerk-binhe", 33)
    task = target.task(case, "market")
    for text in DECEIVING:
        attempts = [
            ("applicant.name", target.post("/api/v1/applications", clerk, json={
                "service_item": "open-restaurant", "center": "binhe",
                "applicant": {**target.applicant(34), "name": text}, "form": {}})),
            ("form.shop_name", target.post("/api/v1/applications", clerk, json={
                "service_item": "open-restaurant", "center": "binhe",
                "applicant": target.applicant(35),
                "form": {"shop_name": text, "address": "址", "area_m2": 1, "seats": 1,
                         "cuisine": "热食类", "fume_purifier": False}})),
            ("comment", target.post(f"/api/v1/tasks/{task['id']}/decision",
                                    target.person("market-approver1"), json={
                                        "decision": "reject", "comment": text,
                                        "version": task["version"]})),
            ("name", target.post("/api/v1/departments", target.person("admin"),
                                 json={"code": "deceive", "name": text})),
        ]
        for field, answer in attempts:
            tally.no_server_error(f"{field} {text!r}", answer, lambda r, f=field:
                                  r.status_code == 422 and f in r.json().get("errors", {}))
