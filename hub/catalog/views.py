"""HTTP views of the catalog."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.catalog import services
from hub.catalog.models import ServiceItem
from hub.catalog.schemas import ServiceItemSchema, ServiceItemUpdateSchema
from hub.directory import auth
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/service-items",
                description="办事事项目录：一张表与并联审批阶段")


@blp.route("")
class ServiceItems(MethodView):
    @requires("catalog.read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ServiceItemSchema))
    def get(self, page: dict[str, Any]) -> Any:
        """Every service item."""
        return paginate(db.session(), services.list_items(), [ServiceItem.code],
                        limit=page["limit"], cursor=page["cursor"])

    @requires("catalog.write")
    @blp.arguments(ServiceItemSchema)
    @blp.response(201, ServiceItemSchema)
    @blp.alt_response(409, description="事项代码已存在")
    def post(self, body: dict[str, Any]) -> Any:
        """Define a service item (admin)."""
        return services.create_item(db.session(), auth.current_principal(), body)


@blp.route("/<string:code>")
class ServiceItemResource(MethodView):
    @requires("catalog.read")
    @blp.response(200, ServiceItemSchema)
    def get(self, code: str) -> Any:
        """One service item with its form and stages."""
        return services.get_item(db.session(), code)

    @requires("catalog.write")
    @blp.arguments(ServiceItemUpdateSchema)
    @blp.response(200, ServiceItemSchema)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Replace a service item's definition (admin)."""
        return services.replace_item(db.session(), auth.current_principal(), code, body)
