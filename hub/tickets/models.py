"""Tickets (工单), their replies, the answer policy per kind, the cards raised on them."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, BigIntPK

_AWAITING = "status IN ('open', 'assigned', 'reopened')"
_NOT_CLOSED = "status <> 'closed'"
_EXTERNAL = "external_number IS NOT NULL"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_center_received", "center_code", "received_at"),
        # The department's queue and the owner's list, most urgent first.
        Index("ix_tickets_department_status", "department_code", "status", "due_at"),
        Index("ix_tickets_owner_status", "owner", "status", "due_at"),
        # What the metrics count at each scrape: the few tickets not closed, and the
        # received ones by their three labels (an index-only count).
        Index("ix_tickets_not_closed", "center_code", "kind", "due_at", "status",
              postgresql_where=text(_NOT_CLOSED), sqlite_where=text(_NOT_CLOSED)),
        Index("ix_tickets_received_labels", "center_code", "kind", "channel"),
        Index("ix_tickets_awaiting_yellow", "yellow_at",
              postgresql_where=text(_AWAITING), sqlite_where=text(_AWAITING)),
        Index("ix_tickets_caller_phone_hash", "caller_phone_hash"),
        # One ticket per case of a platform it was imported from (民心网): importing the
        # same export twice adds nothing.
        Index("uq_tickets_channel_external_number", "channel", "external_number", unique=True,
              postgresql_where=text(_EXTERNAL), sqlite_where=text(_EXTERNAL)),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    service_item_code: Mapped[str | None] = mapped_column(ForeignKey("service_items.code"))
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    caller_name: Mapped[str] = mapped_column(String(50))
    # The caller's phone: encrypted, a keyed hash for finding their other tickets and
    # cases, and the masked form shown (hub.privacy, as for applicants).
    caller_phone_encrypted: Mapped[str | None] = mapped_column(Text)
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64))
    caller_phone_masked: Mapped[str | None] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(64))  # the first-inquiry owner (首问负责人)
    status: Mapped[str] = mapped_column(String(16))
    days: Mapped[int]  # working days to answer, from the policy when received
    received_at: Mapped[dt.datetime]
    clock_from: Mapped[dt.datetime]  # receipt, or the last reopening
    due_at: Mapped[dt.datetime]
    yellow_at: Mapped[dt.datetime]
    due_at_provisional: Mapped[bool] = mapped_column(default=False)
    respond_by: Mapped[dt.datetime]  # a first action by then counts as responded
    first_action_at: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # the last callback's
    replies_count: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)
    receipt_code_hash: Mapped[str | None] = mapped_column(String(64))
    # The case's number on the platform it came from (民心网编号), for an imported ticket.
    external_number: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    replies: Mapped[list[TicketReply]] = relationship(
        back_populates="ticket", order_by="TicketReply.id")


class TicketReply(Base):
    """An answer to the citizen (答复), by the department or by the owner."""

    __tablename__ = "ticket_replies"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime]
    author: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    content: Mapped[str] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="replies")


class TicketPolicy(Base):
    """Working days to answer a kind of ticket; kinds without a row use the default."""

    __tablename__ = "ticket_policies"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    days: Mapped[int]
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class TicketWarning(Base):
    """A yellow or red card raised once per level on a ticket awaiting its answer."""

    __tablename__ = "ticket_warnings"
    __table_args__ = (Index("ix_ticket_warnings_center_raised", "center_code", "raised_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    center_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[dt.datetime]  # the due date it was raised against
    raised_at: Mapped[dt.datetime]
    # "<ticket>:<due_at>:<level>": once per level and due date (a reopened ticket is due
    # again, and may earn its cards again).
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
