"""Replay the call center's planned week (``calls``) through the real services: each
event by the member of staff it falls to (a ticket's current owner, its department's
staff, the center's clerk, a supervisor), inputs through the API's schemas first. A
民心网 case comes as 民心网 hands them over: a small generated export (GB18030 CSV),
imported by the operator of its center (``hub.tickets.imports``)."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from adapters.sample import minxin as minxin_platform
from hub.approvals.services import load_application
from hub.demo.calls import (
    Answer,
    Appeal,
    Assign,
    Call,
    Callback,
    DecideAppeal,
    Rate,
    Rectify,
    Subject,
    Transfer,
)
from hub.demo.driver import DemoError, Replay, Staff, Step
from hub.directory.models import Center
from hub.permissions import Principal
from hub.ratings import services as ratings
from hub.ratings.schemas import AppealDecisionSchema, AppealSchema, PublicRatingSchema
from hub.tickets import minxin
from hub.tickets import services as tickets
from hub.tickets.imports import import_minxin
from hub.tickets.models import Ticket
from hub.tickets.public import KIND_LABELS
from hub.tickets.schemas import (
    AssignSchema,
    CloseSchema,
    PublicTicketSchema,
    ReplySchema,
    TicketSubmissionSchema,
    TransferSchema,
)
from hub.timezones import SHANGHAI


def _person(staff: Staff, username: str) -> Principal:
    try:
        return staff.by_username[username]
    except KeyError:
        raise DemoError(f"没有账号 {username}") from None


def _operator(staff: Staff, center: str, which: int = 0) -> Principal:
    people = staff.operators.get(center)
    if not people:
        raise DemoError(f"中心 {center} 没有话务员账号（请先 hub seed --demo）")
    return people[which % len(people)]


def _ticket(session: Session, replay: Replay, number: int) -> Ticket:
    return tickets.load_ticket(session, replay.tickets[number])


# 民心网 received the case a while before the district's operator imports its export.
MINXIN_LEAD = dt.timedelta(hours=3)


def minxin_export(event: Call, center_name: str) -> bytes:
    """A small 民心网 export of the planned case, as 民心网 writes them (the sample
    platform's GB18030 CSV): the street by name, the time 民心网 received it."""
    received = (event.at - MINXIN_LEAD).astimezone(SHANGHAI)
    return minxin_platform.export([{
        "民心网编号": f"MX{received:%Y%m%d}{event.ticket:05d}",
        "受理时间": f"{received:%Y-%m-%d %H:%M:%S}", "类型": KIND_LABELS[event.kind],
        "主题": event.subject, "内容": event.content, "姓名": event.caller["name"],
        "联系电话": event.caller["phone"], "街道": center_name}])


def _import_minxin(session: Session, event: Call, staff: Staff, replay: Replay) -> str:
    """A 民心网 case comes through the import, by the operator of its center."""
    center = session.get(Center, event.center)
    data = minxin_export(event, center.name if center else event.center)
    report = import_minxin(session, _operator(staff, event.center, event.ticket), data,
                           filename=f"民心网导出-{event.ticket:05d}.csv")
    if len(report.received) != 1:
        raise DemoError(f"民心网导出 {event!r} 未能导入：{report.counts()} "
                        f"{[r.lines() for r in report.refused]}")
    replay.tickets[event.ticket] = report.received[0].ticket_id  # type: ignore[assignment]
    replay.done["minxin_imported"] += 1
    return "ticket"


def _call(session: Session, event: Call, staff: Staff, replay: Replay) -> str:
    if event.channel == minxin.CHANNEL and not event.public:
        return _import_minxin(session, event, staff, replay)
    body = {"kind": event.kind, "center": event.center, "subject": event.subject,
            "content": event.content, "caller": dict(event.caller)}
    if event.public:
        received = tickets.receive_public(session, PublicTicketSchema().load(body))
    else:
        values = TicketSubmissionSchema().load({**body, "channel": event.channel,
                                                "service_item": event.service_item})
        received = tickets.receive_ticket(session, _operator(staff, event.center, event.ticket),
                                          values, idempotency_key=f"demo-ticket-{event.ticket}")
    replay.tickets[event.ticket] = received.ticket.id
    if received.receipt_code:
        replay.codes[("ticket", event.ticket)] = received.receipt_code
    return "ticket"


def _assign(session: Session, event: Assign, staff: Staff, replay: Replay) -> str:
    row = _ticket(session, replay, event.ticket)
    values = AssignSchema().load({"department": event.department, "note": event.note})
    tickets.assign_ticket(session, _person(staff, row.owner), row.id, values["department"],
                          values["note"])
    return "assigned"


def _transfer(session: Session, event: Transfer, staff: Staff, replay: Replay) -> str:
    row = _ticket(session, replay, event.ticket)
    to = _operator(staff, event.to_center)
    values = TransferSchema().load({"to_user": to.username, "reason": event.reason})
    tickets.transfer_ticket(session, _person(staff, row.owner), row.id, values["to_user"],
                            values["reason"])
    return "transferred"


def _answer(session: Session, event: Answer, staff: Staff, replay: Replay) -> str:
    row = _ticket(session, replay, event.ticket)
    who = _person(staff, row.owner)
    if event.by_department and row.department_code:
        people = staff.departments.get(row.department_code) or (who,)
        who = people[event.by % len(people)]
    values = ReplySchema().load({"content": event.content, "version": row.version})
    tickets.reply_ticket(session, who, row.id, values["content"], values["version"])
    return "answered"


def _callback(session: Session, event: Callback, staff: Staff, replay: Replay) -> str:
    row = _ticket(session, replay, event.ticket)
    values = CloseSchema().load({"outcome": event.outcome, "note": event.note})
    tickets.close_ticket(session, _person(staff, row.owner), row.id, values["outcome"],
                         values["note"])
    return f"callback_{event.outcome}"


def _number(session: Session, replay: Replay, subject: Subject) -> str:
    kind, index = subject
    if kind == "ticket":
        return _ticket(session, replay, index).number
    return load_application(session, replay.applications[index]).number


def _rate(session: Session, event: Rate, staff: Staff, replay: Replay) -> str:
    values = PublicRatingSchema().load({
        "number": _number(session, replay, event.subject), "code": replay.codes[event.subject],
        "level": event.level, **({"comment": event.comment} if event.comment else {})})
    rating = ratings.rate(session, values["number"], values["code"], values["level"],
                          values.get("comment"))
    replay.ratings[event.subject] = rating.id
    return "rated_bad" if event.level <= 2 else "rated"


def _rectification(session: Session, replay: Replay, subject: Subject) -> uuid.UUID:
    rating = ratings.load_rating(session, replay.ratings[subject])
    if rating.rectification_ticket_id is None:
        raise DemoError(f"评价 {rating.id} 没有整改工单")
    return rating.rectification_ticket_id


def _rectify(session: Session, event: Rectify, staff: Staff, replay: Replay) -> str:
    row = tickets.load_ticket(session, _rectification(session, replay, event.subject))
    owner = _person(staff, row.owner)
    if event.close:
        values = CloseSchema().load({"outcome": "satisfied", "note": event.text})
        tickets.close_ticket(session, owner, row.id, values["outcome"], values["note"])
        return "rectified"
    values = ReplySchema().load({"content": event.text, "version": row.version})
    tickets.reply_ticket(session, owner, row.id, values["content"], values["version"])
    return "rectification_answered"


def _appeal(session: Session, event: Appeal, staff: Staff, replay: Replay) -> str:
    rating = ratings.load_rating(session, replay.ratings[event.subject])
    values = AppealSchema().load({"reason": event.reason})
    clerk = staff.clerks.get(rating.center_code)
    if clerk is None:
        raise DemoError(f"中心 {rating.center_code} 没有窗口受理员账号")
    ratings.appeal(session, clerk, rating.id, values["reason"])
    return "appealed"


def _decide_appeal(session: Session, event: DecideAppeal, staff: Staff, replay: Replay) -> str:
    if staff.supervisor is None:
        raise DemoError("没有监察人员账号")
    values = AppealDecisionSchema().load({"decision": event.decision, "comment": event.comment})
    ratings.decide_appeal(session, staff.supervisor, replay.ratings[event.subject],
                          values["decision"], values["comment"])
    return "appeal_decided"


STEPS: dict[type, Step] = {
    Call: _call, Assign: _assign, Transfer: _transfer, Answer: _answer, Callback: _callback,
    Rate: _rate, Rectify: _rectify, Appeal: _appeal, DecideAppeal: _decide_appeal}

__all__ = ["STEPS"]
