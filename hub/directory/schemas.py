"""The directory's API contract: tokens, the caller, centers, departments and users."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from hub.directory.models import ROLES, USER_STATUSES
from hub.fields import Secret, Text

CODE = validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$",
                       error="只能使用小写字母、数字、下划线和连字符，以字母开头，最长 32 位")
USERNAME = validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}$",
                           error="用户名为 2–64 位字母、数字或 _ . @ -")
# The length's lower bound and the rest of the policy are the directory's to check
# (hub/directory/password_policy.py): they depend on the account and the settings.
PASSWORD = validate.Length(max=256, error="密码不能超过 256 位")
NAME = validate.Length(min=1, max=100)


class TokenRequestSchema(ma.Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = Secret(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})


class PasswordChangeSchema(ma.Schema):
    current_password = Secret(required=True, load_only=True,
                              validate=validate.Length(min=1, max=256))
    new_password = Secret(required=True, load_only=True, validate=PASSWORD)


class MeSchema(ma.Schema):
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    center = ma.fields.String(required=True, allow_none=True)
    department = ma.fields.String(required=True, allow_none=True)
    roles = ma.fields.List(ma.fields.String(), required=True)


class CenterSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True, validate=validate.OneOf(["district", "street"]))
    parent = ma.fields.String(required=True, allow_none=True, attribute="parent_code")


class DepartmentSchema(ma.Schema):
    code = Text(required=True, validate=CODE)
    name = Text(required=True, validate=NAME)


class SignInLockSchema(ma.Schema):
    username = ma.fields.String(required=True, metadata={"description": "the name as typed, lowercased"})
    locked_at = ma.fields.AwareDateTime(required=True)
    locked_until = ma.fields.AwareDateTime(required=True)
    failures = ma.fields.Integer(required=True, metadata={
        "description": "failures from any address within the account window when it locked"})


class DepartmentStateSchema(DepartmentSchema):
    active = ma.fields.Boolean(dump_only=True, metadata={
        "description": "停用的部门不再承担新的审批环节；已有的环节照常办理"})


class DepartmentUpdateSchema(ma.Schema):
    name = Text(validate=NAME)
    active = ma.fields.Boolean()


class UserQuerySchema(ma.Schema):
    center = Text(validate=validate.Length(max=32))
    department = Text(validate=validate.Length(max=32))
    status = Text(validate=validate.OneOf(USER_STATUSES))


class UserSchema(ma.Schema):
    username = Text(required=True, validate=USERNAME)
    display_name = Text(required=True, validate=NAME)
    center = Text(required=True, attribute="center_code", validate=validate.Length(min=1, max=32))
    department = Text(load_default=None, allow_none=True, attribute="department_code",
                      validate=validate.Length(min=1, max=32))
    roles = ma.fields.List(Text(validate=validate.OneOf(ROLES)), required=True,
                           validate=validate.Length(min=1, error="至少需要一个角色"))
    status = Text(load_default="active", validate=validate.OneOf(USER_STATUSES))
    source = ma.fields.String(dump_only=True)
    password = Secret(load_only=True, validate=PASSWORD, metadata={
        "description": "the initial password: its owner must change it at first sign-in "
                       "(until then every call but GET /me, POST /me/password and signing "
                       "out answers 403 with type /problems/password-change-required)"})


class ChangedUserSchema(UserSchema):
    """An account as saved, with what its change left behind."""

    warnings = ma.fields.List(ma.fields.String(), dump_only=True, metadata={
        "description": "保存成功，但须知：名下任务已退回部门待办池，或部门已无在岗审批人员"})


class UserUpdateSchema(ma.Schema):
    display_name = Text(validate=NAME)
    center = Text(attribute="center_code", validate=validate.Length(min=1, max=32))
    department = Text(allow_none=True, attribute="department_code",
                      validate=validate.Length(min=1, max=32))
    roles = ma.fields.List(Text(validate=validate.OneOf(ROLES)),
                           validate=validate.Length(min=1, error="至少需要一个角色"))
    status = Text(validate=validate.OneOf(USER_STATUSES))
    password = Secret(load_only=True, validate=PASSWORD)
