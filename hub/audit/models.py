"""The audit log: append-only, one hash chain per center."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, BigIntPK

HUB_CHAIN = "hub"  # records that belong to no center (departments, catalog, calendar)


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_records_target", "target_id", "id"),
        Index("ix_audit_records_actor", "actor", "id"),
        # The audit viewer's filters: an action (who unmasked whom, who decided what), a
        # date range.
        Index("ix_audit_records_action", "action", "id"),
        Index("ix_audit_records_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    chain: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    center: Mapped[str | None] = mapped_column(String(32))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The HMAC of the record under the audit key ``key_id`` names (hub.audit.chain);
    # records from before the chain was keyed have no key_id and a plain SHA-256.
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))


class AuditChainHead(Base):
    """The last record of each chain; locking it orders the chain's appends."""

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]
