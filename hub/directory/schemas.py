"""The directory's API contract: tokens, the caller, centers, departments and users."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from hub.directory.models import ROLES, USER_STATUSES

CODE = validate.Regexp(r"^[a-z][a-z0-9_-]{0,31}$",
                       error="只能使用小写字母、数字、下划线和连字符，以字母开头，最长 32 位")
USERNAME = validate.Regexp(r"^[A-Za-z0-9_.@-]{2,64}$",
                           error="用户名为 2–64 位字母、数字或 _ . @ -")
PASSWORD = validate.Length(min=8, max=256, error="密码长度须为 8–256 位")
NAME = validate.Length(min=1, max=100)


class TokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, validate=validate.Length(min=1, max=256),
                                load_only=True)


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})


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
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=NAME)


class UserQuerySchema(ma.Schema):
    center = ma.fields.String(validate=validate.Length(max=32))
    department = ma.fields.String(validate=validate.Length(max=32))
    status = ma.fields.String(validate=validate.OneOf(USER_STATUSES))


class UserSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=USERNAME)
    display_name = ma.fields.String(required=True, validate=NAME)
    center = ma.fields.String(required=True, attribute="center_code",
                              validate=validate.Length(min=1, max=32))
    department = ma.fields.String(load_default=None, allow_none=True,
                                  attribute="department_code",
                                  validate=validate.Length(min=1, max=32))
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ROLES)), required=True,
                           validate=validate.Length(min=1, error="至少需要一个角色"))
    status = ma.fields.String(load_default="active", validate=validate.OneOf(USER_STATUSES))
    source = ma.fields.String(dump_only=True)
    password = ma.fields.String(load_only=True, validate=PASSWORD)


class UserUpdateSchema(ma.Schema):
    display_name = ma.fields.String(validate=NAME)
    center = ma.fields.String(attribute="center_code", validate=validate.Length(min=1, max=32))
    department = ma.fields.String(allow_none=True, attribute="department_code",
                                  validate=validate.Length(min=1, max=32))
    roles = ma.fields.List(ma.fields.String(validate=validate.OneOf(ROLES)),
                           validate=validate.Length(min=1, error="至少需要一个角色"))
    status = ma.fields.String(validate=validate.OneOf(USER_STATUSES))
    password = ma.fields.String(load_only=True, validate=PASSWORD)
