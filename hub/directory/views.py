"""HTTP views of the directory: they translate, the services decide."""
from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from hub import clock, db
from hub.api import Blueprint
from hub.approvals import staffing
from hub.directory import auth, lockout, services
from hub.directory.auth import requires
from hub.directory.models import Center, Department, SignInLock, User
from hub.directory.schemas import (
    CenterSchema,
    ChangedUserSchema,
    DepartmentSchema,
    DepartmentStateSchema,
    DepartmentUpdateSchema,
    MeSchema,
    PasswordChangeSchema,
    SignInLockSchema,
    TokenRequestSchema,
    TokenSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from hub.pagination import PageArgs, page_schema, paginate
from hub.throttle import client_address, limit

blp = Blueprint("directory", __name__, url_prefix="/api/v1",
                description="统一用户目录：登录、中心、部门、工作人员")


@blp.route("/auth/token")
class Token(MethodView):
    @limit(auth.SIGN_IN_SCOPE)
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="失败次数过多，稍后再试")
    def post(self, body: dict[str, Any]) -> Any:
        """Sign in: exchange a username and password for a bearer token."""
        return auth.issue_token(db.session(), body["username"], body["password"],
                                address=client_address(), settings=auth.settings(),
                                request_id=g.get("request_id"))

    @blp.response(204)
    def delete(self) -> None:
        """Sign out: the bearer token of this request stops working at once."""
        token = auth.bearer_token() or ""  # the authentication hook made sure of one
        auth.revoke_token(db.session(), token, address=client_address(),
                          request_id=g.get("request_id"))


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """The caller."""
        p = auth.current_principal()
        return {"username": p.username, "display_name": p.display_name, "center": p.center,
                "department": p.department, "roles": sorted(p.roles)}


@blp.route("/me/password")
class MyPassword(MethodView):
    @limit(auth.PASSWORD_CHANGE_SCOPE)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, body: dict[str, Any]) -> None:
        """Change the caller's own password (the current one proves it is them). Every
        other token and page session of the caller ends; this token goes on."""
        services.change_own_password(db.session(), auth.current_principal(),
                                     body["current_password"], body["new_password"],
                                     auth.bearer_token())


@blp.route("/centers")
class Centers(MethodView):
    @requires("centers.read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(CenterSchema))
    def get(self, args: dict[str, Any]) -> Any:
        """The district center and the fifteen street centers."""
        return paginate(db.session(), services.list_centers(), [Center.position, Center.code],
                        limit=args["limit"], cursor=args["cursor"])


@blp.route("/departments")
class Departments(MethodView):
    @requires("departments.read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(DepartmentSchema))
    def get(self, args: dict[str, Any]) -> Any:
        """Every department."""
        return paginate(db.session(), services.list_departments(), [Department.code],
                        limit=args["limit"], cursor=args["cursor"])

    @requires("departments.write")
    @blp.arguments(DepartmentSchema)
    @blp.response(201, DepartmentSchema)
    @blp.alt_response(409, description="部门代码已存在")
    def post(self, body: dict[str, Any]) -> Any:
        """Create a department (admin)."""
        return services.create_department(db.session(), auth.current_principal(),
                                          body["code"], body["name"])


@blp.route("/departments/<string:code>")
class DepartmentItem(MethodView):
    @requires("departments.write")
    @blp.arguments(DepartmentUpdateSchema)
    @blp.response(200, DepartmentStateSchema)
    @blp.alt_response(404, description="部门不存在")
    def patch(self, body: dict[str, Any], code: str) -> Any:
        """Rename a department or deactivate it (``active: false``: no new steps; the
        steps it has go on), or reactivate it (admin); audited."""
        return services.update_department(db.session(), auth.current_principal(), code, body)


@blp.route("/users")
class Users(MethodView):
    @requires("users.read")
    @blp.arguments(UserQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """The one user directory (admin; supervisors may read)."""
        return paginate(db.session(), services.users_query(**query), [User.username],
                        limit=page["limit"], cursor=page["cursor"])

    @requires("users.write")
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, description="用户名已存在")
    def post(self, body: dict[str, Any]) -> Any:
        """Create a staff account (admin)."""
        return services.create_user(db.session(), auth.current_principal(), body)


@blp.route("/users/<string:username>")
class UserItem(MethodView):
    @requires("users.read")
    @blp.response(200, UserSchema)
    def get(self, username: str) -> Any:
        """One staff account."""
        return services.get_user(db.session(), username)

    @requires("users.write")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, ChangedUserSchema)
    def patch(self, body: dict[str, Any], username: str) -> Any:
        """Change a staff account (admin); status "left" ends its sign-ins and tokens. An
        approver who stops deciding for their department hands their assigned tasks back
        to its pool; ``warnings`` says so, and when nobody is left to decide there."""
        session = db.session()
        leaving = staffing.departure(session, services.get_user(session, username), body)
        user = services.update_user(session, auth.current_principal(), username, body)
        return _Changed(user, leaving.warnings if leaving else [])


class _Changed:
    """An account as saved, with the warnings its change raised."""

    def __init__(self, user: User, warnings: list[str]) -> None:
        self.user, self.warnings = user, warnings

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


@blp.route("/sign-in/locks")
class SignInLocks(MethodView):
    @requires("users.read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(SignInLockSchema))
    def get(self, page: dict[str, Any]) -> Any:
        """Account names locked now after too many failed sign-ins (admin; supervisors may
        read). Names of no account are locked like any other, so they are listed too."""
        return paginate(db.session(), lockout.active_locks(clock.now()), [SignInLock.username],
                        limit=page["limit"], cursor=page["cursor"])


@blp.route("/sign-in/locks/<string:username>")
class SignInLockItem(MethodView):
    @requires("users.write")
    @blp.response(204)
    def delete(self, username: str) -> None:
        """Lift an account's lock (admin): its failure count and the delays of every
        address trying it end too; audited. Lifting an account that is not locked is no
        error and changes nothing."""
        lockout.lift(db.session(), auth.current_principal(), username, clock.now())
