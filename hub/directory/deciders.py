"""Who decides for each department: its active approvers and chiefs (审批人员). A
department without one has nobody to work its queue (无人可办)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.directory.models import User

DECIDING_ROLES = frozenset({"approver", "chief"})


def decides(roles: Iterable[str], status: str, department: str | None) -> bool:
    """Whether an account with these values decides tasks of ``department``."""
    return status == "active" and department is not None and bool(DECIDING_ROLES & set(roles))


def staffed_departments(session: Session) -> set[str]:
    """The departments with at least one active approver or chief. Reads the active staff
    who belong to a department (a few hundred rows, not cases)."""
    rows = session.execute(select(User.department_code, User.roles).where(
        User.status == "active", User.department_code.is_not(None)))
    return {department for department, roles in rows if DECIDING_ROLES & set(roles or ())}


def deciders(session: Session, department: str) -> list[User]:
    """The active approvers and chiefs of ``department``, by username."""
    users = session.scalars(select(User).where(
        User.status == "active", User.department_code == department).order_by(User.username))
    return [u for u in users if DECIDING_ROLES & set(u.roles or ())]


def unstaffed(session: Session, departments: Iterable[str]) -> list[str]:
    """Those of ``departments`` that nobody decides for, in the order given."""
    staffed = staffed_departments(session)
    seen: list[str] = []
    for department in departments:
        if department not in staffed and department not in seen:
            seen.append(department)
    return seen
