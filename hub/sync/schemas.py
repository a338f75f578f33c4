"""The sync's contracts: the canonical records every adapter maps its source into
(API.md, "Center export interface"), and the API's runs and quarantine."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import validate

from hub.approvals.forms import id_number_problem
from hub.approvals.schemas import LocalDateTime
from hub.directory.schemas import USERNAME
from hub.fields import BlankIsMissing, Flag, IdNumber, RowId, Text
from hub.sync.models import RUN_STATUSES
from hub.sync.source import STREAMS
from hub.timezones import SHANGHAI

# Synced staff may hold only the roles of the hall's daily work: a street center's system
# must not be able to mint administrators or supervisors in the one directory.
SYNCED_ROLES = ("clerk", "operator", "approver", "chief")
SYNCED_APPLICATION_STATUSES = ("in_review", "approved", "rejected", "withdrawn")
ID_NUMBER_FORMAT = "身份证号码应为 18 位（末位可为 X）或 15 位数字"
_FIRST_GENERATION = re.compile(r"[0-9]{15}")


def valid_id_number(value: str) -> bool:
    """The API's GB 11643 check (birth date and check character), so that the sync lets
    into the shared records no number the counter would refuse. A center's older records
    may still hold a first-generation 15-digit number, which has no check character."""
    if _FIRST_GENERATION.fullmatch(value):
        return True
    problem = id_number_problem(value)
    if problem is None:
        return True
    raise ma.ValidationError(problem if len(value) == 18 else ID_NUMBER_FORMAT)


EXTERNAL_ID = validate.Length(min=1, max=128)


class CenterTime(BlankIsMissing, ma.fields.Field):
    """An ISO 8601 timestamp; one without an offset is Asia/Shanghai time (read so here,
    explicitly, at parse time). Loaded as an aware UTC datetime; blank is absent."""

    default_error_messages = {"invalid": "不是有效的 ISO 8601 时间"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=SHANGHAI)
        return moment.astimezone(dt.timezone.utc)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.isoformat()


class RoleList(BlankIsMissing, ma.fields.Field):
    """Roles as a list or as one ``;``-separated string (CSV exports); blank is absent."""

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
    would not run them, and its test says so). Every field is of a ``hub.fields`` kind
    that trims a text value and reads a blank one as absent, whatever the adapter."""

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

    external_id = Text(required=True, validate=EXTERNAL_ID)
    username = Text(required=True, validate=USERNAME)
    display_name = Text(required=True, validate=validate.Length(min=1, max=100))
    department = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))
    roles = RoleList(required=True)
    status = Text(required=True, validate=validate.OneOf(("active", "left")))
    updated_at = CenterTime(required=True)


class ApplicationRecordSchema(CanonicalSchema):
    """A case accepted at a center's own system, as the hub accepts it."""

    RULES = (conclusion_fits_the_status,)

    external_id = Text(required=True, validate=EXTERNAL_ID)
    service_item = Text(required=True, validate=validate.Length(min=1, max=64))
    applicant_name = Text(required=True, validate=validate.Length(min=1, max=100))
    applicant_id_number = IdNumber(required=True, validate=valid_id_number)
    submitted_at = CenterTime(required=True)
    status = Text(required=True, validate=validate.OneOf(SYNCED_APPLICATION_STATUSES))
    concluded_at = CenterTime(load_default=None, allow_none=True)
    updated_at = CenterTime(required=True)
    deleted = Flag(load_default=False)


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
    stream = Text(load_default=None, validate=validate.OneOf(STREAMS))
    full = ma.fields.Boolean(load_default=False, metadata={
        "description": "read from the beginning instead of the committed cursor"})


class RunQuerySchema(ma.Schema):
    center = Text(validate=validate.Length(min=1, max=32))
    stream = Text(validate=validate.OneOf(STREAMS))
    status = Text(validate=validate.OneOf(RUN_STATUSES))


class QuarantineQuerySchema(ma.Schema):
    center = Text(validate=validate.Length(min=1, max=32))
    stream = Text(validate=validate.OneOf(STREAMS))
    run = RowId(strict=False)
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
    resolution = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "accepted：此后同一记录的新版本已被接收；dismissed：管理员复核后关闭"})
    resolved_by = ma.fields.String(required=True, allow_none=True)
    resolution_note = ma.fields.String(required=True, allow_none=True)


class ResolveSchema(ma.Schema):
    note = Text(required=True, validate=validate.Length(max=1000),
                metadata={"description": "复核结论：为何关闭（中心已更正、重复记录、无需接收……）"})


class FreshnessSchema(ma.Schema):
    center = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    stream = ma.fields.String(required=True, validate=validate.OneOf(STREAMS))
    last_success = LocalDateTime(required=True, allow_none=True,
                                 metadata={"description": "最近一次同步成功的结束时间"})
    age_seconds = ma.fields.Float(required=True, allow_none=True,
                                  metadata={"description": "数据年龄：距最近一次成功的秒数"})
    nights_missed = ma.fields.Integer(required=True, metadata={
        "description": "此后已过（含两小时宽限）而未成功的夜间同步次数"})


class FreshnessListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FreshnessSchema), required=True)
