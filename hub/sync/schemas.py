"""The sync's contracts: the canonical records every adapter maps its source into
(API.md, "Center export interface"), and the API's runs and quarantine."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import validate

from hub.clock import SHANGHAI
from hub.directory.schemas import USERNAME
from hub.sync.models import RUN_STATUSES, STREAMS

# Synced staff may hold only the roles of the hall's daily work: a street center's system
# must not be able to mint administrators or supervisors in the one directory.
SYNCED_ROLES = ("clerk", "approver", "chief")
SYNCED_APPLICATION_STATUSES = ("in_review", "approved", "rejected", "withdrawn")
ID_NUMBER = validate.Regexp(r"^(\d{17}[\dX]|\d{15})$", error="身份证号码应为 18 位（末位可为 X）或 15 位数字")
EXTERNAL_ID = validate.Length(min=1, max=128)


class CenterTime(ma.fields.Field):
    """An ISO 8601 timestamp; one without an offset is Asia/Shanghai time (read so here,
    explicitly, at parse time). Loaded as an aware UTC datetime."""

    default_error_messages = {"invalid": "不是有效的 ISO 8601 时间"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SHANGHAI)
        return moment.astimezone(dt.timezone.utc)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.isoformat()


class RoleList(ma.fields.Field):
    """Roles as a list or as one ``;``-separated string (CSV exports)."""

    default_error_messages = {"invalid": "角色应为列表或以分号分隔的字符串"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            items = [part.strip() for part in value.split(";")]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items = [part.strip() for part in value]
        else:
            raise self.make_error("invalid")
        roles = sorted({r for r in items if r})
        unknown = [r for r in roles if r not in SYNCED_ROLES]
        if unknown:
            raise ma.ValidationError(
                f"同步的人员只能是 {'、'.join(SYNCED_ROLES)}，不能是：{'、'.join(unknown)}")
        if not roles:
            raise ma.ValidationError("至少需要一个角色")
        return roles


class IdNumber(ma.fields.String):
    """A resident ID number, spaces dropped and the check letter upper-cased before it is
    checked (centers type ``2101 0219 …`` and ``…123x``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> str:
        return "".join(super()._deserialize(value, attr, data, **kwargs).split()).upper()


# A canonical schema's rules across fields are plain functions of the loaded record, listed
# in its RULES: its ``validates_schema`` runs them for ``load``, and the sync's page
# loader (``hub.sync.prepare.validate``) runs the same ones.
Rule = Callable[[Mapping[str, Any]], None]


def deciders_have_a_department(data: Mapping[str, Any]) -> None:
    if set(data.get("roles") or ()) & {"approver", "chief"} and not data.get("department"):
        raise ma.ValidationError("审批人和首席代表必须属于一个部门", "department")


def conclusion_fits_the_status(data: Mapping[str, Any]) -> None:
    concluded = data.get("concluded_at")
    if data.get("status") == "in_review":
        if concluded is not None:
            raise ma.ValidationError("审查中的办件不应有办结时间", "concluded_at")
        return
    if concluded is None:
        raise ma.ValidationError("已办结的办件必须有办结时间", "concluded_at")
    if data.get("submitted_at") and concluded < data["submitted_at"]:
        raise ma.ValidationError("办结时间早于受理时间", "concluded_at")


class CanonicalSchema(ma.Schema):
    """A flat record: fields, and the rules in RULES (no other hooks: the page loader
    would not run them, and its test says so)."""

    RULES: ClassVar[tuple[Rule, ...]] = ()

    class Meta:
        unknown = ma.EXCLUDE

    @ma.validates_schema
    def _rules(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        for rule in self.RULES:
            rule(data)


class StaffRecordSchema(CanonicalSchema):
    """A staff member of a center, as the hub accepts it."""

    RULES = (deciders_have_a_department,)

    external_id = ma.fields.String(required=True, validate=EXTERNAL_ID)
    username = ma.fields.String(required=True, validate=USERNAME)
    display_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    department = ma.fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(min=1, max=32))
    roles = RoleList(required=True)
    status = ma.fields.String(required=True, validate=validate.OneOf(("active", "left")))
    updated_at = CenterTime(required=True)


class ApplicationRecordSchema(CanonicalSchema):
    """A case accepted at a center's own system, as the hub accepts it."""

    RULES = (conclusion_fits_the_status,)

    external_id = ma.fields.String(required=True, validate=EXTERNAL_ID)
    service_item = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    applicant_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    applicant_id_number = IdNumber(required=True, validate=ID_NUMBER)
    submitted_at = CenterTime(required=True)
    status = ma.fields.String(required=True,
                              validate=validate.OneOf(SYNCED_APPLICATION_STATUSES))
    concluded_at = CenterTime(load_default=None, allow_none=True)
    updated_at = CenterTime(required=True)
    deleted = ma.fields.Boolean(load_default=False)


CANONICAL_SCHEMAS: dict[str, type[CanonicalSchema]] = {
    "staff": StaffRecordSchema,
    "applications": ApplicationRecordSchema,
}


# -- The API ----------------------------------------------------------------------------------


class SyncRunSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    center = ma.fields.String(required=True, attribute="center_code")
    stream = ma.fields.String(required=True, validate=validate.OneOf(STREAMS))
    status = ma.fields.String(required=True, validate=validate.OneOf(RUN_STATUSES))
    trigger = ma.fields.String(required=True)
    full = ma.fields.Boolean(required=True)
    started_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    duration_seconds = ma.fields.Float(required=True, allow_none=True)
    fetched = ma.fields.Integer(required=True)
    inserted = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)
    error = ma.fields.String(required=True, allow_none=True)


class StartedRunsSchema(SyncRunSchema):
    """The run just started (of the first stream asked for) and, in ``runs``, every run
    started by the request: one per stream."""

    runs = ma.fields.List(ma.fields.Nested(SyncRunSchema), required=True)


class StartSyncSchema(ma.Schema):
    stream = ma.fields.String(load_default=None, validate=validate.OneOf(STREAMS))
    full = ma.fields.Boolean(load_default=False, metadata={
        "description": "read from the beginning instead of the committed cursor"})


class RunQuerySchema(ma.Schema):
    center = ma.fields.String(validate=validate.Length(min=1, max=32))
    stream = ma.fields.String(validate=validate.OneOf(STREAMS))
    status = ma.fields.String(validate=validate.OneOf(RUN_STATUSES))


class QuarantineQuerySchema(ma.Schema):
    center = ma.fields.String(validate=validate.Length(min=1, max=32))
    stream = ma.fields.String(validate=validate.OneOf(STREAMS))
    run = ma.fields.Integer(validate=validate.Range(min=1))
    resolved = ma.fields.Boolean(metadata={"description": "only resolved (true) or open (false)"})


class QuarantinedRecordSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    run_id = ma.fields.Integer(required=True)
    center = ma.fields.String(required=True, attribute="center_code")
    stream = ma.fields.String(required=True)
    external_id = ma.fields.String(required=True, allow_none=True)
    record = ma.fields.Dict(required=True, metadata={"description": "personal data masked"})
    reasons = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                             required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    resolved_at = ma.fields.AwareDateTime(required=True, allow_none=True)
