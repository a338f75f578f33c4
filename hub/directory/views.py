"""HTTP views of the directory: they translate, the services decide."""
from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.directory import auth, services
from hub.directory.auth import requires
from hub.directory.models import Center, Department, User
from hub.directory.schemas import (
    CenterSchema,
    DepartmentSchema,
    MeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)
from hub.pagination import PageArgs, page_schema, paginate

blp = Blueprint("directory", __name__, url_prefix="/api/v1",
                description="统一用户目录：登录、中心、部门、工作人员")


@blp.route("/auth/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="失败次数过多，稍后再试")
    def post(self, body: dict[str, Any]) -> Any:
        """Sign in: exchange a username and password for a bearer token."""
        return auth.issue_token(db.session(), body["username"], body["password"],
                                address=request.remote_addr, settings=auth.settings())


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    def get(self) -> Any:
        """The caller."""
        p = auth.current_principal()
        return {"username": p.username, "display_name": p.display_name, "center": p.center,
                "department": p.department, "roles": sorted(p.roles)}


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
    @blp.response(200, UserSchema)
    def patch(self, body: dict[str, Any], username: str) -> Any:
        """Change a staff account (admin); status "left" ends its sign-ins and tokens."""
        return services.update_user(db.session(), auth.current_principal(), username, body)
