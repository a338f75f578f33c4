"""A ticket's progress as its caller sees it, read in one statement with its center, its
replies and their departments (issue 23): every answer in order, each by its office (the
department's, or the center's when the owner answered on the spot), and ``rateable``
until it was rated."""
from __future__ import annotations

from typing import Any

from tests.e2e.ratings.conftest import rate


def test_every_answer_in_order_each_by_its_office_until_it_is_rated(cc):
    ticket = cc.received()
    number, code = ticket["number"], ticket["receipt_code"]

    def view() -> dict[str, Any]:
        shown = cc.client.get(f"/api/v1/public/progress/{number}", query_string={"code": code})
        assert shown.status_code == 200, shown.json
        return shown.json

    assert view()["replies"] == [] and view()["rateable"] is False
    ticket = cc.acted(ticket, "assign", department="market")
    ticket = cc.acted(ticket, "reply", cc.approvers["market"], content="已责成属地处理")
    ticket = cc.acted(ticket, "close", outcome="unsatisfied", note="来电人称问题仍在")
    cc.acted(ticket, "reply", content="已到现场核实，明日清理")  # the owner, on the spot
    shown = view()
    assert [(r["content"], r["by"]) for r in shown["replies"]] == [
        ("已责成属地处理", "market 局"), ("已到现场核实，明日清理", shown["center_name"])]
    assert shown["center_name"] != "binhe" and shown["rateable"] is True
    assert rate(cc.client, number, code, 5).status_code == 201
    assert view()["rateable"] is False
