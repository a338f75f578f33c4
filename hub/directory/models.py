"""The one user directory: centers, departments, staff and their access tokens."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base

ROLES = ("clerk", "operator", "approver", "chief", "supervisor", "admin", "adapter")
USER_STATUSES = ("active", "left")
HUB_SOURCE = "hub"  # users created in the hub itself; synced staff carry their center's code


class Center(Base):
    """The district center or one of the fifteen street centers."""

    __tablename__ = "centers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))  # district | street
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("centers.code"))
    adapter: Mapped[dict[str, Any] | None]
    position: Mapped[int] = mapped_column(default=0)  # order in the centers file
    # What citizens read on the public site (from the centers file).
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    hours: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # A department's own business system, which receives its tasks (optional).
    endpoint: Mapped[dict[str, Any] | None]
    # A deactivated department takes no new steps (items routed to it cannot be published);
    # the steps it already has go on.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_users_center_department", "center_code", "department_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    roles: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(16), default="active")
    source: Mapped[str] = mapped_column(String(32), default=HUB_SOURCE)
    external_id: Mapped[str | None] = mapped_column(String(128))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped when the user leaves or changes password: every older token stops at once.
    token_generation: Mapped[int] = mapped_column(default=0)
    # An initial or administrator-set password: the first sign-in must change it.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    center: Mapped[Center] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token: only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    generation: Mapped[int]
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(lazy="joined")


class SignInPair(Base):
    """Sign-ins of one account name from one address (an IPv6 /64): consecutive failures,
    the delay they earned, and the last success (an address the owner uses)."""

    __tablename__ = "sign_in_pairs"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)  # as typed, lowercased
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[dt.datetime | None]
    last_failure_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]


class SignInLock(Base):
    """An account name locked after too many failures from anywhere: sign-ins from
    addresses its owner has not used are refused until ``locked_until`` or until an
    administrator lifts it. Kept for names of no account too, so a lock tells nothing
    about whether the account exists."""

    __tablename__ = "sign_in_locks"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)  # lowercased
    locked_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime] = mapped_column(index=True)
    failures: Mapped[int]
