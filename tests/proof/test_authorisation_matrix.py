"""Every endpoint × every role × own and other center / department, from ONE table.

The endpoints are read from the application's url_map: a route without a row here
fails the test, and so does a row whose route is gone. Each row says which actors may
act, as API.md and ``hub.permissions`` say it, and on which object (``on``, made by
``authorisation_world``): every other actor must be refused (403, or 404 where existence
must not leak), and an anonymous caller must be sent to sign in (401 on the API, the
login page on the pages), except on the public endpoints, which answer anyone. The
objects are binhe's and market's, so "own" is binhe's clerk, operator and adapter,
market's approver and binhe's chief of market; "other" is daxi's and food's. An actor
acting on another center's or department's object never sees it: its id and number
appear in no response it gets.

A page must find the object within the caller's reach before it reads the form: a
refused actor presses the button with nothing filled in (only the form token), and is
still refused, never told what the form lacks. A write by an allowed actor acts on an
object of its own, made afresh, so that each allowed actor does what the row allows."""
from __future__ import annotations

import dataclasses
import io
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tests.e2e.approvals.conftest import FORM, ID_NUMBER, PHONE
from tests.e2e.conftest import id_number
from tests.factories import PASSWORD, guide_definition, service_item_definition, window_definition
from tests.proof.authorisation_world import (
    ACTORS,
    SPARE_DEPARTMENT,
    SPARE_ITEM,
    Target,
    World,
    prereview_form,
    prereview_upload,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

EVERYONE = frozenset(ACTORS)
ADMIN = frozenset({"admin"})
OFFICIALS = frozenset({"supervisor", "admin"})
SUPERVISOR = frozenset({"supervisor"})
CLERK = frozenset({"clerk"})
CLERKS = frozenset({"clerk", "clerk@other"})  # each at their own center
OPERATORS = frozenset({"operator", "operator@other"})
# The approvals' staff: a window of each center, each department's approvers and chiefs.
STAFF = frozenset({"clerk", "clerk@other", "approver", "approver@other", "chief", "chief@other",
                   "supervisor"})
DEPARTMENTS = frozenset({"approver", "approver@other", "chief", "chief@other"})
# The call center: operators and clerks at their center, approvers and chiefs of their
# department (API.md, "The call center").
TICKET_LISTS = OPERATORS | CLERKS | DEPARTMENTS | SUPERVISOR
TICKET_READERS = frozenset({"operator", "clerk", "approver", "chief", "supervisor"})
# Ratings: officials and administrators all, a center's clerks and chiefs their own.
RATING_LISTS = CLERKS | frozenset({"chief", "chief@other"}) | OFFICIALS
RATING_CENTER = frozenset({"clerk", "chief"})
# Disclosure: the clerks, operators and chiefs of the center that received a request.
DISCLOSURE_LISTS = CLERKS | OPERATORS | frozenset({"chief", "chief@other"}) | OFFICIALS
DISCLOSURE_READERS = frozenset({"clerk", "operator", "chief", "supervisor", "admin"})
DISCLOSURE_DESKS = CLERKS | OPERATORS
PUBLIC = None  # no sign-in at all


def _nothing(_target: Target) -> dict[str, Any]:
    return {}


@dataclasses.dataclass(frozen=True)
class Row:
    allowed: frozenset[str] | None
    body: Callable[[Target], dict[str, Any]] = _nothing
    on: str = "none"  # the object (authorisation_world.World.make)
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)  # route parameters
    query: str = ""
    signs_out: bool = False  # success ends the caller's token (a page: back to the login page)


def only(*actors: str) -> frozenset[str]:
    return frozenset(actors)


def submission(_t: Target) -> dict[str, Any]:
    return {"json": {"service_item": "open-restaurant", "center": "binhe",
                     "applicant": {"name": "李四", "id_number": ID_NUMBER, "phone": PHONE},
                     "form": dict(FORM)}}


def item(_t: Target) -> dict[str, Any]:
    return {"json": service_item_definition(code=f"item-{uuid.uuid4().hex[:8]}")}


def draft(_t: Target) -> dict[str, Any]:
    definition = service_item_definition(code=SPARE_ITEM, name="消防安全检查", promised_days=10)
    return {"json": {k: definition[k] for k in ("name", "promised_days", "form", "stages")}}


def ticket_body(_t: Target) -> dict[str, Any]:
    return {"json": {"kind": "consultation", "channel": "hotline", "center": "binhe",
                     "subject": "营业执照", "content": "开餐馆需要哪些材料",
                     "caller": {"name": "赵六", "phone": "13912345678"}}}


def minxin_upload(_t: Target) -> dict[str, Any]:
    """A 民心网 export of one case of its own, without a street: the operator's center."""
    export = ("民心网编号,受理时间,类型,主题,内容,姓名,联系电话\n"
              f"MX{uuid.uuid4().hex[:12]},2026-11-30 08:00,咨询,营业执照,开餐馆需要哪些材料,"
              "赵六,13912345678\n")
    return {"content_type": "multipart/form-data",
            "data": {"file": (io.BytesIO(export.encode("gb18030")), "minxin.csv")}}


def disclosure_body(_t: Target) -> dict[str, Any]:
    return {"json": {"channel": "letter",
                     "requester": {"kind": "person", "name": "王小明", "contact": "13812345678"},
                     "description": "本区2025年老旧小区改造项目清单", "received_on": "2026-11-30"}}


def booking(date: str) -> dict[str, Any]:
    return {"center": "binhe", "service_item": "open-restaurant", "date": date, "slot": "pm",
            "applicant": {"name": "王小明", "id_number": id_number(), "phone": "13812345678"}}


API = {
    # -- Applications and tasks ----------------------------------------------------------
    ("GET", "/api/v1/applications"): Row(only("clerk", "clerk@other", "supervisor"), on="case"),
    ("POST", "/api/v1/applications"): Row(CLERK, submission),
    ("GET", "/api/v1/applications/<string:application_id>"):
        Row(only("clerk", "approver", "chief", "supervisor"), on="case"),
    ("GET", "/api/v1/applications/<string:application_id>/applicant"):
        Row(only("clerk", "supervisor"), on="case"),
    # Materials: whoever may read the case (API.md, "The public service site").
    ("GET", "/api/v1/applications/<string:application_id>/materials/<string:material_id>"):
        Row(only("clerk", "approver", "chief", "supervisor"), on="case:materials"),
    ("POST", "/api/v1/applications/<string:application_id>/resubmit"):
        Row(CLERK, lambda t: {"json": {"form": dict(FORM)}}, on="case:supplement"),
    ("POST", "/api/v1/applications/<string:application_id>/withdraw"):
        Row(CLERK, lambda t: {"json": {"reason": "申请人撤回"}}, on="case"),
    ("GET", "/api/v1/tasks"): Row(DEPARTMENTS | SUPERVISOR, on="case"),
    ("POST", "/api/v1/tasks/<string:task_id>/assign"):
        Row(only("chief"), lambda t: {"json": {"assignee": t["approver"]}}, on="case"),
    ("POST", "/api/v1/tasks/<string:task_id>/claim"):
        Row(only("approver", "chief"), lambda t: {"json": {"version": t["task"]["version"]}},
            on="case"),
    # Released by whoever holds it (market's approver here) or a chief of the department.
    ("POST", "/api/v1/tasks/<string:task_id>/release"):
        Row(only("approver", "chief"), lambda t: {"json": {"version": t["task"]["version"]}},
            on="case:claimed"),
    ("POST", "/api/v1/tasks/<string:task_id>/decision"):
        Row(only("approver", "chief"), lambda t: {"json": {"decision": "approve", "version": 1}},
            on="case"),
    ("GET", "/api/v1/notifications"): Row(STAFF, on="case"),
    ("GET", "/api/v1/calendar/<string:year>"): Row(EVERYONE),
    ("PUT", "/api/v1/calendar/<string:year>"):
        Row(ADMIN, lambda t: {"json": {"holidays": ["2026-01-01"], "workdays": []}}),
    # -- Directory and catalog -------------------------------------------------------------
    ("GET", "/api/v1/audit"): Row(OFFICIALS),
    ("POST", "/api/v1/auth/token"):
        Row(PUBLIC, lambda t: {"json": {"username": t["clerk"], "password": PASSWORD}}),
    # Signing out of the API ends the caller's token: with the pages' sign-out, last.
    ("DELETE", "/api/v1/auth/token"): Row(EVERYONE, signs_out=True),
    ("GET", "/api/v1/centers"): Row(EVERYONE),
    ("PUT", "/api/v1/centers/<string:code>/windows"):
        Row(ADMIN, lambda t: {"json": [window_definition("B01", service_items=[SPARE_ITEM])]},
            values={"code": "daxi"}),
    ("GET", "/api/v1/departments"): Row(EVERYONE),
    ("POST", "/api/v1/departments"):
        Row(ADMIN, lambda t: {"json": {"code": f"d{uuid.uuid4().hex[:8]}", "name": "测试局"}}),
    ("PATCH", "/api/v1/departments/<string:code>"):
        Row(ADMIN, lambda t: {"json": {"name": "档案局"}}, values={"code": SPARE_DEPARTMENT}),
    ("GET", "/api/v1/me"): Row(EVERYONE),
    # A wrong current password: allowed callers get 422 and nothing changes (a change would
    # end the callers' page sessions).
    ("POST", "/api/v1/me/password"):
        Row(EVERYONE, lambda t: {"json": {"current_password": "not the password",
                                          "new_password": "a new passphrase of mine"}}),
    ("GET", "/api/v1/service-items"): Row(EVERYONE),
    ("POST", "/api/v1/service-items"): Row(ADMIN, item),
    ("GET", "/api/v1/service-items/<string:code>"): Row(EVERYONE),
    ("PUT", "/api/v1/service-items/<string:code>"):
        Row(ADMIN, lambda t: {"json": {**item(t)["json"], "code": "open-restaurant"}}),
    ("PUT", "/api/v1/service-items/<string:code>/availability"):
        Row(ADMIN, lambda t: {"json": {"active": True, "centers": None}},
            values={"code": SPARE_ITEM}),
    ("GET", "/api/v1/service-items/<string:code>/draft"): Row(ADMIN, values={"code": SPARE_ITEM}),
    ("PUT", "/api/v1/service-items/<string:code>/draft"):
        Row(ADMIN, draft, values={"code": SPARE_ITEM}),
    ("DELETE", "/api/v1/service-items/<string:code>/draft"):
        Row(ADMIN, values={"code": SPARE_ITEM}),
    ("POST", "/api/v1/service-items/<string:code>/publish"):
        Row(ADMIN, values={"code": SPARE_ITEM}),
    ("PUT", "/api/v1/service-items/<string:code>/guide"):
        Row(ADMIN, lambda t: {"json": guide_definition()}, values={"code": SPARE_ITEM}),
    ("GET", "/api/v1/sign-in/locks"): Row(OFFICIALS),
    # Lifting an account that is not locked is no error: 204, nothing written.
    ("DELETE", "/api/v1/sign-in/locks/<string:username>"): Row(ADMIN),
    ("GET", "/api/v1/users"): Row(OFFICIALS),
    ("POST", "/api/v1/users"):
        Row(ADMIN, lambda t: {"json": {"username": f"u{uuid.uuid4().hex[:8]}",
                                       "display_name": "新同事", "center": "binhe",
                                       "roles": ["clerk"], "password": "long enough pw"}}),
    ("GET", "/api/v1/users/<string:username>"): Row(OFFICIALS),
    ("PATCH", "/api/v1/users/<string:username>"):
        Row(ADMIN, lambda t: {"json": {"display_name": "改过的名字"}}),
    # -- Supervision -----------------------------------------------------------------------
    ("GET", "/api/v1/supervision/centers"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/departments"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/ranking"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/report"): Row(OFFICIALS, query="?year=2026"),
    ("GET", "/api/v1/supervision/tickets"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/ratings"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/ratings/departments"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/appointments"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/guides"): Row(OFFICIALS),
    ("GET", "/api/v1/supervision/notices"): Row(STAFF | OFFICIALS, on="case"),
    ("POST", "/api/v1/supervision/notices"):
        Row(SUPERVISOR, lambda t: {"json": {"application_id": t.values["application_id"],
                                            "content": "请说明", "department": "market"}},
            on="application"),
    ("GET", "/api/v1/supervision/notices/<uuid:notice_id>"):
        Row(only("clerk", "approver", "chief", "supervisor", "admin"), on="case"),
    ("POST", "/api/v1/supervision/notices/<uuid:notice_id>/answer"):
        Row(only("approver", "chief"), lambda t: {"json": {"answer": "已说明", "version": 1}},
            on="case"),
    ("GET", "/api/v1/supervision/unattended"): Row(OFFICIALS),
    # -- Sync --------------------------------------------------------------------------------
    ("GET", "/api/v1/sync/freshness"): Row(OFFICIALS),
    ("POST", "/api/v1/sync/runs/<id:run_id>/retry"): Row(ADMIN, on="case"),
    ("POST", "/api/v1/sync/quarantine/<id:record_id>/resolve"):
        Row(ADMIN, lambda t: {"json": {"note": "复核：中心已更正"}}, on="case"),
    ("POST", "/api/v1/sync/<string:center>/runs"):
        Row(ADMIN, lambda t: {"json": {"stream": "staff"}}),
    ("GET", "/api/v1/sync/quarantine"): Row(OFFICIALS),
    ("GET", "/api/v1/sync/runs"): Row(OFFICIALS),
    # -- The call center ---------------------------------------------------------------------
    ("GET", "/api/v1/tickets"): Row(TICKET_LISTS, on="ticket"),
    ("POST", "/api/v1/tickets"): Row(only("operator", "clerk"), ticket_body),
    ("GET", "/api/v1/tickets/<string:ticket_id>"): Row(TICKET_READERS, on="ticket"),
    # Its owner, or a chief of the department it is with (to send it on).
    ("POST", "/api/v1/tickets/<string:ticket_id>/assign"):
        Row(only("operator", "chief"),
            lambda t: {"json": {"department": "fire", "note": "属消防职责", "version": t["version"]}},
            on="ticket"),
    ("POST", "/api/v1/tickets/<string:ticket_id>/transfer"):
        Row(only("operator"), lambda t: {"json": {"to_user": t["to_user"], "reason": "窗口跟进",
                                                  "version": t["version"]}}, on="ticket"),
    ("POST", "/api/v1/tickets/<string:ticket_id>/reply"):
        Row(only("operator", "approver", "chief"),
            lambda t: {"json": {"content": "已答复", "version": t["version"]}}, on="ticket"),
    ("POST", "/api/v1/tickets/<string:ticket_id>/close"):
        Row(only("operator"), lambda t: {"json": {"outcome": "satisfied", "note": "回访满意",
                                                  "version": t["version"]}},
            on="ticket:answered"),
    ("GET", "/api/v1/tickets/<string:ticket_id>/caller"):
        Row(only("operator", "clerk", "supervisor"), on="ticket"),
    # Each at their own center: another center's caller history never names binhe's.
    ("POST", "/api/v1/callers/history"):
        Row(OPERATORS | CLERKS, lambda t: {"json": {"phone": t["phone"]}}, on="ticket"),
    ("GET", "/api/v1/tickets/policy"): Row(EVERYONE),
    ("PUT", "/api/v1/tickets/policy"):
        Row(ADMIN, lambda t: {"json": {"consultation": 3, "complaint": 10, "suggestion": 15,
                                       "rectification": 15}}),
    # -- Ratings -----------------------------------------------------------------------------
    ("GET", "/api/v1/ratings"): Row(RATING_LISTS, on="rating"),
    ("GET", "/api/v1/ratings/<string:rating_id>"): Row(RATING_CENTER | OFFICIALS, on="rating"),
    ("POST", "/api/v1/ratings/<string:rating_id>/appeal"):
        Row(RATING_CENTER, lambda t: {"json": {"reason": "来电人恶意差评"}}, on="rating"),
    ("POST", "/api/v1/ratings/<string:rating_id>/appeal/decision"):
        Row(SUPERVISOR, lambda t: {"json": {"decision": "keep", "comment": "评价属实"}},
            on="rating:appealed"),
    # -- Appointments and pre-reviews: the window of the center -----------------------------
    ("GET", "/api/v1/appointments"): Row(CLERKS, on="appointment"),
    ("POST", "/api/v1/appointments/<string:number>/arrive"): Row(CLERK, on="appointment"),
    ("POST", "/api/v1/appointments/<string:number>/no-show"): Row(CLERK, on="appointment"),
    ("GET", "/api/v1/prereviews"): Row(CLERKS, on="prereview"),
    ("GET", "/api/v1/prereviews/<string:number>"): Row(CLERK, on="prereview"),
    ("POST", "/api/v1/prereviews/<string:number>/decision"):
        Row(CLERK, lambda t: {"json": {"decision": "pass", "reasons": []}}, on="prereview"),
    ("POST", "/api/v1/prereviews/<string:number>/accept"): Row(CLERK, on="prereview:passed"),
    ("GET", "/api/v1/prereviews/<string:number>/materials/<string:material_id>"):
        Row(CLERK, on="prereview"),
    # -- Disclosure -------------------------------------------------------------------------
    ("GET", "/api/v1/disclosure/requests"): Row(DISCLOSURE_LISTS, on="disclosure"),
    ("POST", "/api/v1/disclosure/requests"): Row(DISCLOSURE_DESKS, disclosure_body),
    ("GET", "/api/v1/disclosure/requests/<string:request_id>"):
        Row(DISCLOSURE_READERS, on="disclosure"),
    ("GET", "/api/v1/disclosure/requests/<string:request_id>/requester"):
        Row(only("clerk", "operator", "chief"), on="disclosure"),
    ("POST", "/api/v1/disclosure/requests/<string:request_id>/extend"):
        Row(only("chief", "admin"), lambda t: {"json": {"reason": "需要与其他机关协商"}},
            on="disclosure"),
    ("POST", "/api/v1/disclosure/requests/<string:request_id>/supplement"):
        Row(CLERK, lambda t: {"json": {"reason": "请明确所需信息的范围"}}, on="disclosure"),
    ("POST", "/api/v1/disclosure/requests/<string:request_id>/resubmit"):
        Row(CLERK, lambda t: {"json": {}}, on="disclosure:waiting"),
    ("POST", "/api/v1/disclosure/requests/<string:request_id>/answer"):
        Row(only("clerk", "chief"),
            lambda t: {"json": {"outcome": "disclosed", "answered_on": t["today"]}},
            on="disclosure"),
    ("GET", "/api/v1/disclosure/outcomes"): Row(EVERYONE),
    ("GET", "/api/v1/disclosure/report/<string:year>"): Row(OFFICIALS),
    ("GET", "/api/v1/disclosure/years/<string:year>"): Row(OFFICIALS, values={"year": "2025"}),
    ("PUT", "/api/v1/disclosure/years/<string:year>"):
        Row(ADMIN, lambda t: {"json": {"problems": "无"}}, values={"year": "2025"}),
    # -- The public channels: anyone, without signing in ------------------------------------
    ("GET", "/api/v1/public/centers"): Row(PUBLIC),
    ("GET", "/api/v1/public/centers/<string:code>/windows"): Row(PUBLIC, values={"code": "binhe"}),
    ("GET", "/api/v1/public/guide/<string:service_item>"): Row(PUBLIC),
    ("GET", "/api/v1/public/appointments/slots"):
        Row(PUBLIC, query="?center=binhe&service_item=open-restaurant&date=2026-12-01"),
    ("POST", "/api/v1/public/appointments"):
        Row(PUBLIC, lambda t: {"json": booking("2026-12-01")}),
    ("POST", "/api/v1/public/appointments/<string:number>/cancel"):
        Row(PUBLIC, lambda t: {"json": {"code": t["code"]}}, on="appointment"),
    ("POST", "/api/v1/public/prereviews"):
        Row(PUBLIC, lambda t: {"data": prereview_upload(), "content_type": "multipart/form-data"}),
    ("GET", "/api/v1/public/progress/<string:number>"):
        Row(PUBLIC, lambda t: {"query_string": {"code": t["code"]}}, on="ticket"),
    ("POST", "/api/v1/public/ratings"):
        Row(PUBLIC, lambda t: {"json": {"number": t.values["number"], "code": t["code"],
                                        "level": 5}}, on="ticket:answered"),
    ("POST", "/api/v1/public/tickets"):
        Row(PUBLIC, lambda t: {"json": {k: v for k, v in ticket_body(t)["json"].items()
                                        if k != "channel"}}),
}

OPERATIONS = {
    ("GET", "/healthz"): Row(PUBLIC), ("GET", "/readyz"): Row(PUBLIC),
    ("GET", "/metrics"): Row(PUBLIC), ("GET", "/openapi.json"): Row(PUBLIC),
    ("GET", "/static/<path:filename>"): Row(PUBLIC),
    ("GET", "/login"): Row(PUBLIC),
    ("POST", "/login"):
        Row(PUBLIC, lambda t: {"data": {"username": t["clerk"], "password": PASSWORD}}),
}

PUBLIC_PAGES = {
    ("GET", "/"): Row(PUBLIC),
    ("GET", "/guide"): Row(PUBLIC), ("GET", "/guide/<string:code>"): Row(PUBLIC),
    ("GET", "/hall"): Row(PUBLIC), ("GET", "/hall/<string:center>"): Row(PUBLIC),
    ("GET", "/book"): Row(PUBLIC, query="?item=open-restaurant&center=binhe&date=2026-12-01"),
    ("POST", "/book"):
        Row(PUBLIC, lambda t: {"data": {
            "item": "open-restaurant", "center": "binhe", "date": "2026-12-01", "slot": "pm",
            "applicant.name": "王小明", "applicant.id_number": id_number(),
            "applicant.phone": "13812345678"}}),
    ("GET", "/book/cancel"): Row(PUBLIC),
    ("POST", "/book/cancel"):
        Row(PUBLIC, lambda t: {"data": {"number": t.values["number"], "code": t["code"]}},
            on="appointment"),
    ("GET", "/prereview"): Row(PUBLIC),
    ("GET", "/prereview/<string:code>"): Row(PUBLIC),
    ("POST", "/prereview/<string:code>"):
        Row(PUBLIC, lambda t: {"content_type": "multipart/form-data", "data": {
            **{f"applicant.{k}": v for k, v in prereview_form()["applicant"].items()},
            "center": "binhe", "form.shop_name": "老边饺子馆",
            "files": prereview_upload()["files"]}}),
    ("GET", "/progress"): Row(PUBLIC),
    ("POST", "/progress"):
        Row(PUBLIC, lambda t: {"data": {"number": t.values["number"], "code": t["code"]}},
            on="ticket"),
    ("GET", "/ask"): Row(PUBLIC),
    ("GET", "/rate"): Row(PUBLIC),
}

SIGNED_IN = EVERYONE
PAGES = {
    ("GET", "/staff"): Row(SIGNED_IN), ("GET", "/me"): Row(SIGNED_IN),
    ("GET", "/me/password"): Row(SIGNED_IN),
    ("POST", "/me/password"):
        Row(SIGNED_IN, lambda t: {"data": {"current_password": "not the password",
                                           "new_password": "a new passphrase of mine",
                                           "confirm_password": "a new passphrase of mine"}}),
    ("POST", "/logout"): Row(SIGNED_IN, signs_out=True),
    # -- The administrator ---------------------------------------------------------------------
    ("GET", "/admin/calendar"): Row(ADMIN),
    ("POST", "/admin/calendar"): Row(ADMIN, lambda t: {"data": {"year": "2026"}}),
    ("GET", "/admin/departments"): Row(ADMIN),
    ("POST", "/admin/departments"):
        Row(ADMIN, lambda t: {"data": {"code": f"d{uuid.uuid4().hex[:8]}", "name": "测试局"}}),
    ("POST", "/admin/departments/<string:code>/active"):
        Row(ADMIN, lambda t: {"data": {"active": "1"}}, values={"code": SPARE_DEPARTMENT}),
    ("GET", "/admin/disclosure"): Row(ADMIN),
    ("POST", "/admin/disclosure"): Row(ADMIN, lambda t: {"data": {"year": "2025"}}),
    ("GET", "/admin/hall"): Row(ADMIN),
    ("GET", "/admin/hall/<string:center>"): Row(ADMIN, values={"center": "daxi"}),
    ("POST", "/admin/hall/<string:center>"):
        Row(ADMIN, lambda t: {"data": {"windows": f"B01｜1｜综合窗口｜{SPARE_ITEM}｜0"}},
            values={"center": "daxi"}),
    ("GET", "/admin/items"): Row(ADMIN),
    ("GET", "/admin/items/<string:code>"): Row(ADMIN),
    ("POST", "/admin/items/<string:code>"): Row(ADMIN, values={"code": SPARE_ITEM}),
    ("POST", "/admin/items/<string:code>/availability"):
        Row(ADMIN, lambda t: {"data": {"everywhere": "1", "active": "1"}},
            values={"code": SPARE_ITEM}),
    ("POST", "/admin/items/<string:code>/discard"): Row(ADMIN, values={"code": SPARE_ITEM}),
    ("GET", "/admin/items/<string:code>/guide"): Row(ADMIN, values={"code": SPARE_ITEM}),
    ("POST", "/admin/items/<string:code>/guide"):
        Row(ADMIN, lambda t: {"data": {"legal_days": "20", "fee": "不收费", "basis": "《消防法》",
                                       "materials": "营业执照｜1｜原件｜"}},
            values={"code": SPARE_ITEM}),
    ("GET", "/admin/items/new"): Row(ADMIN), ("POST", "/admin/items/new"): Row(ADMIN),
    ("GET", "/admin/ticket-policy"): Row(ADMIN),
    ("POST", "/admin/ticket-policy"):
        Row(ADMIN, lambda t: {"data": {"consultation": "3", "complaint": "10",
                                       "suggestion": "15", "rectification": "15"}}),
    ("GET", "/admin/users"): Row(ADMIN),
    ("GET", "/admin/users/<string:username>"): Row(ADMIN),
    ("POST", "/admin/users/<string:username>"): Row(ADMIN),
    ("GET", "/admin/users/new"): Row(ADMIN), ("POST", "/admin/users/new"): Row(ADMIN),
    ("POST", "/admin/users/<string:username>/unlock"): Row(ADMIN),
    # -- The window: cases, documents, materials --------------------------------------------
    ("GET", "/cases"): Row(CLERKS | SUPERVISOR, on="case"),
    ("POST", "/cases"): Row(CLERKS | SUPERVISOR, lambda t: {"data": {"status": "in_review"}},
                            on="case"),
    ("GET", "/cases/supplements"): Row(CLERKS | SUPERVISOR, on="case:supplement"),
    ("GET", "/cases/new"): Row(CLERKS),
    ("GET", "/cases/new/<string:code>"): Row(CLERKS),
    ("POST", "/cases/new/<string:code>"):
        Row(CLERKS, lambda t: {"data": {"applicant.name": "李四", "applicant.id_number": ID_NUMBER,
                                        "applicant.phone": PHONE, "form.shop_name": "老边饺子馆"}}),
    ("GET", "/cases/<uuid:application_id>"):
        Row(only("clerk", "approver", "chief", "supervisor"), on="case"),
    ("POST", "/cases/<uuid:application_id>/applicant"):
        Row(only("clerk", "supervisor"), on="case"),
    ("GET", "/cases/<uuid:application_id>/materials/<string:material_id>"):
        Row(only("clerk", "approver", "chief", "supervisor"), on="case:materials"),
    ("GET", "/cases/<uuid:application_id>/resubmit"): Row(CLERK, on="case:supplement"),
    ("POST", "/cases/<uuid:application_id>/resubmit"):
        Row(CLERK, lambda t: {"data": {"form.shop_name": "老边饺子馆"}}, on="case:supplement"),
    ("POST", "/cases/<uuid:application_id>/withdraw"):
        Row(CLERK, lambda t: {"data": {"reason": "申请人撤回"}}, on="case"),
    # The printed documents name the applicant in full: the window of the case's center.
    ("GET", "/cases/<uuid:application_id>/receipt"): Row(CLERK, on="case"),
    ("POST", "/cases/<uuid:application_id>/receipt"): Row(CLERK, on="case"),
    ("GET", "/cases/<uuid:application_id>/receipt.pdf"): Row(CLERK, on="case"),
    ("GET", "/cases/<uuid:application_id>/notice"): Row(CLERK, on="case:supplement"),
    ("GET", "/cases/<uuid:application_id>/notice.pdf"): Row(CLERK, on="case:supplement"),
    ("GET", "/cases/<uuid:application_id>/decision"): Row(CLERK, on="case:rejected"),
    ("GET", "/cases/<uuid:application_id>/decision.pdf"): Row(CLERK, on="case:rejected"),
    # -- Appointments and pre-reviews at the window -----------------------------------------
    ("GET", "/appointments"): Row(CLERKS, on="appointment"),
    ("POST", "/appointments/<string:number>/arrive"): Row(CLERK, on="appointment"),
    ("POST", "/appointments/<string:number>/no-show"): Row(CLERK, on="appointment"),
    ("GET", "/prereviews"): Row(CLERKS, on="prereview"),
    ("GET", "/prereviews/<string:number>"): Row(CLERK, on="prereview"),
    ("POST", "/prereviews/<string:number>/decision"):
        Row(CLERK, lambda t: {"data": {"decision": "pass"}}, on="prereview"),
    ("POST", "/prereviews/<string:number>/accept"): Row(CLERK, on="prereview:passed"),
    ("GET", "/prereviews/<string:number>/materials/<string:material_id>"):
        Row(CLERK, on="prereview"),
    # -- The officials -------------------------------------------------------------------------
    ("GET", "/dashboard"): Row(OFFICIALS),
    # Drill-down to cases and the cards: the supervisor's (an administrator reads the
    # figures, not the cases: API.md lists cases for clerks and supervisors only).
    ("GET", "/dashboard/centers/<string:code>"):
        Row(SUPERVISOR, values={"code": "binhe"}, on="case"),
    ("GET", "/dashboard/centers/<string:code>/departments/<string:department>"):
        Row(SUPERVISOR, values={"code": "binhe"}, on="case"),
    ("GET", "/dashboard/export/<any(centers, departments, ranking, tickets, ratings, "
            "'rating-departments'):kind>.<any(csv, xlsx):fmt>"): Row(OFFICIALS),
    ("GET", "/dashboard/callcenter"): Row(OFFICIALS),
    ("GET", "/dashboard/online"): Row(OFFICIALS),
    ("GET", "/dashboard/disclosure"): Row(OFFICIALS),
    ("GET", "/dashboard/disclosure/<int:year>.<any(docx, html):fmt>"):
        Row(OFFICIALS, values={"fmt": "html"}),
    ("GET", "/warnings"): Row(SUPERVISOR),
    ("GET", "/warnings/export.<any(csv, xlsx):fmt>"): Row(SUPERVISOR),
    ("GET", "/audit"): Row(OFFICIALS),
    ("GET", "/sync"): Row(OFFICIALS),
    ("POST", "/sync/<string:center>/run"): Row(ADMIN),
    ("POST", "/sync/runs/<id:run_id>/retry"): Row(ADMIN, on="case"),
    ("GET", "/sync/quarantine"): Row(OFFICIALS),
    ("POST", "/sync/quarantine/<id:record_id>/resolve"):
        Row(ADMIN, lambda t: {"data": {"note": "复核：中心已更正"}}, on="case"),
    ("POST", "/sync/quarantine/<id:record_id>/rerun"): Row(ADMIN, on="case"),
    # -- Notices (督办) and the departments' queue ------------------------------------------------
    ("GET", "/notices"): Row(STAFF | OFFICIALS, on="case"),
    ("GET", "/notices/new"):
        Row(SUPERVISOR, lambda t: {"query_string": {"application": t.values["application_id"]}},
            on="application"),
    ("POST", "/notices/new"):
        Row(SUPERVISOR, lambda t: {"data": {"application": t.values["application_id"],
                                            "department": "market", "content": "请说明",
                                            "answer_days": "3"}}, on="application"),
    ("GET", "/notices/<uuid:notice_id>"):
        Row(only("clerk", "approver", "chief", "supervisor", "admin"), on="case"),
    ("POST", "/notices/<uuid:notice_id>/answer"):
        Row(only("approver", "chief"), lambda t: {"data": {"answer": "已说明", "version": "1"}},
            on="case"),
    ("GET", "/queue"): Row(DEPARTMENTS | SUPERVISOR, on="case"),
    ("GET", "/tasks/<uuid:task_id>"): Row(only("approver", "chief"), on="case"),
    ("POST", "/tasks/<uuid:task_id>/assign"):
        Row(only("chief"), lambda t: {"data": {"assignee": t["approver"]}}, on="case"),
    ("POST", "/tasks/<uuid:task_id>/claim"):
        Row(only("approver", "chief"), lambda t: {"data": {"version": str(t["task"]["version"])}},
            on="case"),
    ("POST", "/tasks/<uuid:task_id>/release"):
        Row(only("approver", "chief"), lambda t: {"data": {"version": str(t["task"]["version"])}},
            on="case:claimed"),
    ("POST", "/tasks/<uuid:task_id>/decision"):
        Row(only("approver", "chief"),
            lambda t: {"data": {"decision": "approve", "version": "1", "comment": ""}}, on="case"),
    # -- The call center's pages ------------------------------------------------------------------
    ("GET", "/desk"): Row(OPERATORS | CLERKS),
    ("POST", "/desk"):
        Row(OPERATORS | CLERKS, lambda t: {"data": {
            "caller.phone": "13912345678", "caller.name": "赵六", "kind": "consultation",
            "channel": "hotline", "subject": "营业执照", "content": "开餐馆需要哪些材料"}}),
    ("POST", "/desk/history"):
        Row(OPERATORS | CLERKS, lambda t: {"data": {"phone": t["phone"]}}, on="ticket"),
    ("GET", "/desk/guide/<string:code>"): Row(OPERATORS | CLERKS),
    # 民心网's export, received by an operator (its cases at the operator's own center).
    ("GET", "/desk/minxin"): Row(OPERATORS),
    ("POST", "/desk/minxin"): Row(OPERATORS, minxin_upload),
    ("GET", "/tickets"): Row(TICKET_LISTS, on="ticket"),
    ("GET", "/tickets/callbacks"): Row(OPERATORS | CLERKS, on="ticket:answered"),
    ("GET", "/tickets/<uuid:ticket_id>"): Row(TICKET_READERS, on="ticket"),
    # One of the four steps (the others: tests/e2e/web/test_page_refusals.py): the reply,
    # its owner's or its department's.
    ("POST", "/tickets/<uuid:ticket_id>/<any(assign, transfer, reply, close):step>"):
        Row(only("operator", "approver", "chief"),
            lambda t: {"data": {"reply.content": "已答复", "version": str(t["version"])}},
            values={"step": "reply"}, on="ticket"),
    ("POST", "/tickets/<uuid:ticket_id>/caller"):
        Row(only("operator", "clerk", "supervisor"), on="ticket"),
    # -- Ratings ---------------------------------------------------------------------------------
    ("GET", "/ratings"): Row(RATING_LISTS, on="rating"),
    ("POST", "/ratings/<int:rating_id>/appeal"):
        Row(RATING_CENTER, lambda t: {"data": {"reason": "来电人恶意差评"}}, on="rating"),
    ("POST", "/ratings/<int:rating_id>/decision"):
        Row(SUPERVISOR, lambda t: {"data": {"decision": "keep", "comment": "评价属实"}},
            on="rating:appealed"),
    # -- Disclosure --------------------------------------------------------------------------------
    ("GET", "/disclosure"): Row(DISCLOSURE_LISTS, on="disclosure"),
    ("GET", "/disclosure/new"): Row(DISCLOSURE_DESKS),
    ("POST", "/disclosure/new"):
        Row(DISCLOSURE_DESKS, lambda t: {"data": {
            "channel": "letter", "requester.kind": "person", "requester.name": "王小明",
            "requester.contact": "13812345678", "description": "本区老旧小区改造项目清单",
            "received_on": "2026-11-30"}}),
    ("GET", "/disclosure/<uuid:request_id>"): Row(DISCLOSURE_READERS, on="disclosure"),
    ("POST", "/disclosure/<uuid:request_id>/requester"):
        Row(only("clerk", "operator", "chief"), on="disclosure"),
    # One of the four steps (the others: tests/e2e/web/test_page_refusals.py): the answer.
    ("POST", "/disclosure/<uuid:request_id>/<any(supplement, resubmit, extend, answer):step>"):
        Row(only("clerk", "chief"),
            lambda t: {"data": {"outcome": "disclosed", "answered_on": t["today"]}},
            values={"step": "answer"}, on="disclosure"),
}

TABLE = {**API, **OPERATIONS, **PUBLIC_PAGES, **PAGES}


def url_map_endpoints(app: Any) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_table_has_one_row_per_endpoint_of_the_url_map(app):
    endpoints = url_map_endpoints(app)
    assert sorted(endpoints - TABLE.keys()) == [], "endpoints without a row in the table"
    assert sorted(TABLE.keys() - endpoints) == [], "rows whose endpoint is gone"


PARAMETER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def path_for(rule: str, row: Row, target: Target) -> str:
    values = {**target.values, **row.values}
    return PARAMETER.sub(lambda m: values[m.group(1)], rule)


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form_token(client: Any, path: str) -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


class Caller:
    """One actor's workstation: a bearer token for the API, a signed-in session (with
    its CSRF token) for the pages; tokens of its own, so that its signing out ends
    neither another actor's nor the world's."""

    def __init__(self, app: Any, people: Any, person: Any) -> None:
        self.headers = {"Authorization": f"Bearer {people.token_for(person.user)}"}
        self.api = app.test_client()
        self.pages = app.test_client()
        with self.pages.session_transaction() as cookie:
            cookie["hub_token"] = people.token_for(person.user)
        self.csrf = form_token(self.pages, "/me")

    def call(self, method: str, path: str, row: Row, target: Target, *, page: bool,
             allowed: bool) -> Any:
        if page:
            if method == "GET":
                return self.pages.open(path + row.query, method=method, **row.body(target))
            # A refused actor presses the button with nothing filled in: the page must find
            # the object out of its reach before it reads the form.
            kwargs = row.body(target) if allowed else {}
            kwargs["data"] = {**kwargs.get("data", {}), "csrf_token": self.csrf}
            return self.pages.open(path + row.query, method=method, **kwargs)
        return self.api.open(path + row.query, method=method, headers=self.headers,
                             **row.body(target))


def refused(response: Any) -> bool:
    return response.status_code in (403, 404)


def sent_to_sign_in(response: Any, page: bool) -> bool:
    if not page:
        return response.status_code == 401
    # A page without a session, its form token sent: to the login page.
    return response.status_code == 302 and "/login" in response.headers["Location"]


def kind_of(method: str, rule: str) -> str:
    if (method, rule) in OPERATIONS:
        return "operations"
    if (method, rule) in PUBLIC_PAGES:
        return "public pages"
    if rule.startswith("/api/"):
        return "public API" if TABLE[method, rule].allowed is PUBLIC else "API"
    return "staff pages"


def test_every_endpoint_every_role_own_and_other(app, hall, people, figures):
    started = time.monotonic()
    world = World(app, hall, people)
    callers = {name: Caller(app, people, person) for name, person in world.cast.items()}
    # Nobody signed in (with a form token of its session: a form reaches the page).
    anonymous = app.test_client()
    anonymous_token = form_token(anonymous, "/login")
    tried, failures, made = 0, [], 0
    # Signing out ends the page sessions, then the API tokens: last.
    for (method, rule), row in sorted(TABLE.items(), key=lambda kv: (
            kv[1].signs_out, kv[0][1].startswith("/api/"), kv[0][1], kv[0][0])):
        target = world.make(row.on)
        made += row.on != "none"
        page = not rule.startswith("/api/") and (method, rule) not in OPERATIONS
        path = path_for(rule, row, target)
        tried += 1
        if row.allowed is PUBLIC:
            # Anyone, on a workstation of its own (a sign-in would sign it in).
            citizen = app.test_client()
            kwargs = row.body(target)
            if not rule.startswith("/api/") and method != "GET":  # a form: with its token
                kwargs["data"] = {**kwargs.get("data", {}),
                                  "csrf_token": form_token(citizen, "/login")}
            response = citizen.open(path + row.query, method=method, **kwargs)
            if response.status_code in (400, 401, 403) or response.status_code >= 500:
                failures.append((method, rule, "anonymous", response.status_code,
                                 response.get_data(as_text=True)[:200]))
            continue
        kwargs = row.body(target)
        if page and method != "GET":
            kwargs["data"] = {**kwargs.get("data", {}), "csrf_token": anonymous_token}
        response = anonymous.open(path + row.query, method=method, **kwargs)
        if not sent_to_sign_in(response, page):
            failures.append((method, rule, "anonymous", response.status_code))
        for actor in ACTORS:
            allowed = actor in row.allowed
            acting_on, acting_path = target, path
            if allowed and method != "GET" and row.on != "none":
                # A write of its own, on an object made for it.
                acting_on = world.make(row.on)
                acting_path = path_for(rule, row, acting_on)
                made += 1
            response = callers[actor].call(method, acting_path, row, acting_on, page=page,
                                           allowed=allowed)
            tried += 1
            status = response.status_code
            to_login = page and status == 302 and "/login" in response.headers["Location"]
            ok = (not refused(response) and status < 500
                  and (not page or to_login == row.signs_out)
                  ) if allowed else refused(response)
            if ok and actor.endswith("@other"):
                # Nothing of it in any answer, allowed or refused, beyond what was sent.
                body = response.get_data(as_text=True)
                ok = not any(secret in body and secret not in acting_path
                             for secret in acting_on.secrets)
            if not ok:
                failures.append((method, rule, actor, status,
                                 response.get_data(as_text=True)[:200]))
    kinds: dict[str, int] = {}
    for method, rule in TABLE:
        kinds[kind_of(method, rule)] = kinds.get(kind_of(method, rule), 0) + 1
    figures.write("authorisation_matrix", endpoints=len(TABLE), by_kind=kinds,
                  actors=len(ACTORS) + 1, requests=tried, objects_made=made,
                  failures=len(failures), seconds=round(time.monotonic() - started, 1))
    assert failures == [], "\n".join(map(str, failures))
