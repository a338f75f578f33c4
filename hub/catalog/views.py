"""HTTP views of the catalog."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from hub import db
from hub.api import Blueprint
from hub.catalog import publication, services
from hub.catalog.models import ServiceItem
from hub.catalog.schemas import (
    AvailabilitySchema,
    DraftSchema,
    DraftStateSchema,
    GuideSchema,
    ItemStateSchema,
    SavedServiceItemSchema,
    ServiceItemSchema,
    ServiceItemUpdateSchema,
)
from hub.directory import auth
from hub.directory.auth import requires
from hub.pagination import PageArgs, page_schema, paginate

blp = Blueprint("catalog", __name__, url_prefix="/api/v1/service-items",
                description="办事事项目录：一张表与并联审批阶段")


class _Checked:
    """An item with the warnings about its routing (``services.routing_warnings``)."""

    def __init__(self, item: ServiceItem) -> None:
        self.item = item
        self.warnings = services.routing_warnings(db.session(), item.stages)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


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
    @blp.response(201, SavedServiceItemSchema)
    @blp.alt_response(409, description="事项代码已存在")
    def post(self, body: dict[str, Any]) -> Any:
        """Define a service item (admin); ``warnings`` names the steps no one could act on
        (a department without an active approver)."""
        return _Checked(services.create_item(db.session(), auth.current_principal(), body))


@blp.route("/<string:code>")
class ServiceItemResource(MethodView):
    @requires("catalog.read")
    @blp.response(200, ServiceItemSchema)
    def get(self, code: str) -> Any:
        """One service item with its form and stages."""
        return services.get_item(db.session(), code)

    @requires("catalog.write")
    @blp.arguments(ServiceItemUpdateSchema)
    @blp.response(200, SavedServiceItemSchema)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Replace a service item's definition (admin); ``warnings`` as for POST."""
        return _Checked(services.replace_item(db.session(), auth.current_principal(), code,
                                              body))


@blp.route("/<string:code>/guide")
class ServiceItemGuide(MethodView):
    @requires("catalog.write")
    @blp.arguments(GuideSchema)
    @blp.response(200, GuideSchema)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Replace the item's guide (办事指南, admin): time limit in law, fee, legal basis,
        the materials to bring. The public reads it at /api/v1/public/guide/{code}."""
        return services.set_guide(db.session(), auth.current_principal(), code, body).guide


def _draft_state(item: ServiceItem) -> dict[str, Any]:
    session = db.session()
    return {"code": item.code, "version": item.version, "active": item.active,
            "centers": item.centers, "published_at": item.published_at, "draft": item.draft,
            "published": publication.published(item) if item.published_at else None,
            "problems": publication.problems(session, item.draft) if item.draft else {}}


@blp.route("/<string:code>/draft")
class ServiceItemDraft(MethodView):
    @requires("catalog.write")
    @blp.response(200, DraftStateSchema)
    def get(self, code: str) -> Any:
        """The item's draft (the editor's work) beside what is published, with what keeps
        it from being published."""
        return _draft_state(services.get_item(db.session(), code))

    @requires("catalog.write")
    @blp.arguments(DraftSchema)
    @blp.response(200, DraftStateSchema)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Keep a draft (admin); new cases go on getting the published definition."""
        return _draft_state(publication.save_draft(db.session(), auth.current_principal(), code,
                                                   body))

    @requires("catalog.write")
    @blp.response(200, DraftStateSchema)
    @blp.alt_response(409, description="没有草稿，或事项尚未发布")
    def delete(self, code: str) -> Any:
        """Drop the draft of a published item."""
        return _draft_state(publication.discard_draft(db.session(), auth.current_principal(),
                                                      code))


@blp.route("/<string:code>/publish")
class ServiceItemPublication(MethodView):
    @requires("catalog.write")
    @blp.response(200, ItemStateSchema)
    @blp.alt_response(409, description="没有待发布的草稿")
    @blp.alt_response(422, description="事项定义前后不一致：阶段时限之和超过承诺时限，"
                                       "部门已停用或没有在岗审批人员")
    def post(self, code: str) -> Any:
        """Publish the draft: new cases get it; cases in flight keep the routing they were
        accepted with."""
        return publication.publish(db.session(), auth.current_principal(), code)


@blp.route("/<string:code>/availability")
class ServiceItemAvailability(MethodView):
    @requires("catalog.write")
    @blp.arguments(AvailabilitySchema)
    @blp.response(200, ItemStateSchema)
    def put(self, body: dict[str, Any], code: str) -> Any:
        """Whether the item takes new cases (停办 when false) and at which centers."""
        return publication.set_availability(db.session(), auth.current_principal(), code,
                                            active=body["active"], centers=body["centers"])
