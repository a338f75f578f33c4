"""What the holder of a pre-review's receipt code sees (进度查询): whether it passed, what
to correct if it was returned, when it is due; of the citizen, only the masked name."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import privacy
from hub.catalog.models import ServiceItem
from hub.directory.models import Center
from hub.materials.services import of_prereview
from hub.prereviews.models import PreReview
from hub.public.progress import Found

NUMBER_PATTERN = r"YS-[A-Z0-9_-]+-\d{8}-\d{4,}"
STATUS_LABELS = {"submitted": "待审查", "passed": "预审通过，请带原件到窗口办理",
                 "returned": "已退回，请按意见补正后重新提交", "accepted": "已在窗口正式受理"}


def lookup(session: Session, number: str) -> Found | None:
    prereview = session.scalars(select(PreReview).where(PreReview.number == number)).one_or_none()
    if prereview is None:
        return None
    return Found(prereview.code_hash, lambda: public_view(session, prereview))


def public_view(session: Session, prereview: PreReview) -> dict[str, Any]:
    center = session.get(Center, prereview.center_code)
    item = session.get(ServiceItem, prereview.service_item_code)
    return {
        "type": "prereview", "number": prereview.number, "status": prereview.status,
        "status_label": STATUS_LABELS.get(prereview.status, prereview.status),
        "center": prereview.center_code,
        "center_name": center.name if center else prereview.center_code,
        "service_item": prereview.service_item_code,
        "service_item_name": item.name if item else prereview.service_item_code,
        "name": privacy.mask_name(prereview.applicant_name),
        "received_at": prereview.submitted_at, "due_at": prereview.due_at,
        "due_at_provisional": prereview.due_at_provisional,
        "concluded_at": prereview.decided_at, "reasons": prereview.reasons or [],
        "details": {"materials": [m.filename for m in of_prereview(session, prereview.id)]},
    }
