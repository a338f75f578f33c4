"""What a citizen sees of their ticket with its receipt code: status, due date, the
answers (by which office, never by whom), and of the caller only the masked name."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import privacy
from hub.directory.models import Center, Department
from hub.public.progress import Found
from hub.tickets.models import Ticket, TicketReply

NUMBER_PATTERN = r"RX\d{8}-\d{4,}"
STATUS_LABELS = {"open": "已受理", "assigned": "办理中", "answered": "已答复",
                 "closed": "已办结", "reopened": "重新办理中"}
KIND_LABELS = {"consultation": "咨询", "complaint": "投诉", "suggestion": "建议",
               "rectification": "整改"}
CHANNEL_LABELS = {"hotline": "114热线", "web": "网上", "mobile": "移动端", "minxin": "民心网",
                  "walk_in": "现场", "rating": "差评整改"}
OUTCOME_LABELS = {"satisfied": "满意", "unsatisfied": "不满意（重新办理）",
                  "unreachable": "联系不上"}


def lookup(session: Session, number: str) -> Found | None:
    """The ticket numbered ``number`` with what its view shows, in one statement: its
    center's name, its replies and the names of the departments that gave them."""
    rows = session.execute(
        select(Ticket, Center.name, TicketReply, Department.name)
        .outerjoin(Center, Center.code == Ticket.center_code)
        .outerjoin(TicketReply, TicketReply.ticket_id == Ticket.id)
        .outerjoin(Department, Department.code == TicketReply.department_code)
        .where(Ticket.number == number).order_by(TicketReply.id)).all()
    if not rows:
        return None
    row, center_name = rows[0][0], rows[0][1] or rows[0][0].center_code
    replies = [(reply, by or center_name) for _, _, reply, by in rows if reply is not None]
    return Found(row.receipt_code_hash, lambda: public_view(row, center_name, replies))


def public_view(row: Ticket, center_name: str,
                replies: list[tuple[TicketReply, str]]) -> dict[str, Any]:
    """``replies``: each with who gave it, its department or else the center."""
    return {
        "type": "ticket", "number": row.number, "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "center": row.center_code, "center_name": center_name,
        "service_item": row.service_item_code, "service_item_name": None,
        "name": privacy.mask_name(row.caller_name), "received_at": row.received_at,
        "due_at": row.due_at, "due_at_provisional": row.due_at_provisional,
        "concluded_at": row.closed_at,
        "replies": [{"at": r.at, "content": r.content, "by": by} for r, by in replies],
        "stages": [], "reasons": [],
        "details": {"kind": row.kind, "kind_label": KIND_LABELS.get(row.kind, row.kind),
                    "subject": row.subject},
    }
