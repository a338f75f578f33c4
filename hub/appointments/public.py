"""What the holder of an appointment's receipt code sees (进度查询): when and where, and
whether it is still booked; of the citizen, only the masked name."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import privacy
from hub.appointments.models import Appointment
from hub.appointments.slots import SLOT_LABELS, SlotTime
from hub.catalog.models import ServiceItem
from hub.directory.models import Center
from hub.public.progress import Found

NUMBER_PATTERN = r"YY-[A-Z0-9_-]+-\d{8}-\d{4,}"
STATUS_LABELS = {"booked": "已预约", "cancelled": "已取消", "arrived": "已到场办理",
                 "no_show": "未到场（爽约）"}


def lookup(session: Session, number: str) -> Found | None:
    appointment = session.scalars(select(Appointment)
                                  .where(Appointment.number == number)).one_or_none()
    if appointment is None:
        return None
    return Found(appointment.code_hash, lambda: public_view(session, appointment))


def public_view(session: Session, appointment: Appointment) -> dict[str, Any]:
    center = session.get(Center, appointment.center_code)
    item = session.get(ServiceItem, appointment.service_item_code)
    when = SlotTime(appointment.day, appointment.slot)
    return {
        "type": "appointment", "number": appointment.number, "status": appointment.status,
        "status_label": STATUS_LABELS.get(appointment.status, appointment.status),
        "center": appointment.center_code,
        "center_name": center.name if center else appointment.center_code,
        "service_item": appointment.service_item_code,
        "service_item_name": item.name if item else appointment.service_item_code,
        "name": privacy.mask_name(appointment.applicant_name),
        "received_at": appointment.booked_at, "due_at": None,
        "concluded_at": appointment.cancelled_at or appointment.marked_at,
        "reasons": [],
        "details": {"date": appointment.day.isoformat(), "slot": appointment.slot,
                    "slot_label": SLOT_LABELS[appointment.slot],
                    "starts_at": when.starts_at.isoformat(), "ends_at": when.ends_at.isoformat(),
                    "address": center.address if center else None},
    }
