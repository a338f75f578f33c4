"""public site: the hall's windows, appointments, pre-reviews and their materials; the
centers' address, phone and hours; idempotency keys per scope; guides in their own shape

Revision ID: 0010_public_site
Revises: 0009_call_center
Create Date: 2026-12-04
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import hub.db

revision = "0010_public_site"
down_revision = "0009_call_center"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TIME = hub.db.UtcDateTime(timezone=True)
_LIVE = sa.text("status = 'booked'")


def _applicant() -> list[sa.Column]:
    return [
        sa.Column("applicant_name", sa.String(length=100), nullable=False),
        sa.Column("applicant_id_encrypted", sa.Text(), nullable=False),
        sa.Column("applicant_id_hash", sa.String(length=64), nullable=False),
        sa.Column("applicant_id_masked", sa.String(length=32), nullable=False),
        sa.Column("applicant_phone_encrypted", sa.Text(), nullable=False),
        sa.Column("applicant_phone_hash", sa.String(length=64), nullable=False),
        sa.Column("applicant_phone_masked", sa.String(length=32), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    other, _, key = target.partition(".")
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{other}"))


def upgrade() -> None:
    with op.batch_alter_table("centers") as batch:
        batch.add_column(sa.Column("address", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("hours", sa.String(length=200), nullable=True))

    with op.batch_alter_table("idempotency_records") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=32), server_default="application",
                                   nullable=False))
        batch.add_column(sa.Column("result", _JSON, nullable=True))
        batch.alter_column("application_id", existing_type=sa.Uuid(), nullable=True)
        batch.drop_constraint(op.f("uq_idempotency_records_center_code_key"), type_="unique")
        batch.create_unique_constraint(op.f("uq_idempotency_records_scope_center_code_key"),
                                       ["scope", "center_code", "key"])

    op.create_table(
        "hall_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("window", sa.String(length=16), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service_items", _JSON, nullable=False),
        sa.Column("capacity_per_slot", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        _fk("hall_windows", "center_code", "centers.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_windows")),
        sa.UniqueConstraint("center_code", "window",
                            name=op.f("uq_hall_windows_center_code_window")),
    )
    op.create_index(op.f("ix_hall_windows_center_code"), "hall_windows", ["center_code"])

    op.create_table(
        "appointment_slots",
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("service_item_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=2), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        _fk("appointment_slots", "center_code", "centers.code"),
        _fk("appointment_slots", "service_item_code", "service_items.code"),
        sa.PrimaryKeyConstraint("center_code", "service_item_code", "day", "slot",
                                name=op.f("pk_appointment_slots")),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("service_item_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_applicant(),
        sa.Column("booked_at", _TIME, nullable=False),
        sa.Column("cancelled_at", _TIME, nullable=True),
        sa.Column("marked_at", _TIME, nullable=True),
        sa.Column("marked_by", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        _fk("appointments", "center_code", "centers.code"),
        _fk("appointments", "service_item_code", "service_items.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("number", name=op.f("uq_appointments_number")),
    )
    op.create_index("ix_appointments_center_day", "appointments", ["center_code", "day", "slot"])
    op.create_index("ix_appointments_center_status", "appointments", ["center_code", "status"])
    op.create_index("uq_appointments_live_applicant_item", "appointments",
                    ["applicant_id_hash", "service_item_code"], unique=True,
                    postgresql_where=_LIVE, sqlite_where=_LIVE)

    op.create_table(
        "prereviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("center_code", sa.String(length=32), nullable=False),
        sa.Column("service_item_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_applicant(),
        sa.Column("form", _JSON, nullable=False),
        sa.Column("reasons", _JSON, nullable=True),
        sa.Column("submitted_at", _TIME, nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("yellow_at", _TIME, nullable=False),
        sa.Column("due_at_provisional", sa.Boolean(), nullable=False),
        sa.Column("decided_at", _TIME, nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("accepted_at", _TIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        _fk("prereviews", "application_id", "applications.id"),
        _fk("prereviews", "center_code", "centers.code"),
        _fk("prereviews", "service_item_code", "service_items.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prereviews")),
        sa.UniqueConstraint("number", name=op.f("uq_prereviews_number")),
    )
    op.create_index("ix_prereviews_center_status", "prereviews",
                    ["center_code", "status", "submitted_at"])

    op.create_table(
        "material_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_material_blobs")),
    )
    op.create_table(
        "materials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prereview_id", sa.Uuid(), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        _fk("materials", "application_id", "applications.id"),
        _fk("materials", "prereview_id", "prereviews.id"),
        _fk("materials", "sha256", "material_blobs.sha256"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
    )
    op.create_index(op.f("ix_materials_application_id"), "materials", ["application_id"])
    op.create_index(op.f("ix_materials_prereview_id"), "materials", ["prereview_id"])

    _guides_in_their_own_shape()


def _guides_in_their_own_shape() -> None:
    """Guides written before were free JSON ({"materials": ["营业执照", ...], "window": "..."});
    a guide now has the shape GuideSchema checks. Materials named by a bare string become
    one copy of it; where to go now comes from the hall's windows."""
    items = sa.table("service_items", sa.column("code", sa.String()), sa.column("guide", _JSON))
    connection = op.get_bind()
    for code, guide in connection.execute(sa.select(items.c.code, items.c.guide)).all():
        if isinstance(guide, str):
            guide = json.loads(guide)
        if not isinstance(guide, dict):
            continue
        connection.execute(items.update().where(items.c.code == code)
                           .values(guide=_reshaped(guide)))


def _reshaped(guide: dict[str, Any]) -> dict[str, Any]:
    materials = []
    for entry in guide.get("materials") or []:
        if isinstance(entry, str):
            materials.append({"name": entry[:100], "copies": 1, "original": False, "note": ""})
        elif isinstance(entry, dict) and entry.get("name"):
            materials.append(entry)
    return {"legal_days": guide.get("legal_days"), "fee": guide.get("fee"),
            "basis": guide.get("basis"), "materials": materials}


def downgrade() -> None:
    op.drop_index(op.f("ix_materials_prereview_id"), table_name="materials")
    op.drop_index(op.f("ix_materials_application_id"), table_name="materials")
    op.drop_table("materials")
    op.drop_table("material_blobs")
    op.drop_index("ix_prereviews_center_status", table_name="prereviews")
    op.drop_table("prereviews")
    op.drop_index("uq_appointments_live_applicant_item", table_name="appointments")
    op.drop_index("ix_appointments_center_status", table_name="appointments")
    op.drop_index("ix_appointments_center_day", table_name="appointments")
    op.drop_table("appointments")
    op.drop_table("appointment_slots")
    op.drop_index(op.f("ix_hall_windows_center_code"), table_name="hall_windows")
    op.drop_table("hall_windows")
    op.execute("DELETE FROM idempotency_records WHERE scope <> 'application'")
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_constraint(op.f("uq_idempotency_records_scope_center_code_key"),
                              type_="unique")
        batch.create_unique_constraint(op.f("uq_idempotency_records_center_code_key"),
                                       ["center_code", "key"])
        batch.alter_column("application_id", existing_type=sa.Uuid(), nullable=False)
        batch.drop_column("result")
        batch.drop_column("scope")
    with op.batch_alter_table("centers") as batch:
        batch.drop_column("hours")
        batch.drop_column("phone")
        batch.drop_column("address")
