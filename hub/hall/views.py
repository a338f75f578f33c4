"""HTTP views of the hall: the public guide and windows, and the administrator's windows."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.directory.auth import current_principal, requires
from hub.hall import services
from hub.hall.schemas import (
    CoverageSchema,
    PublicCenterSchema,
    PublicGuideSchema,
    PublicWindowSchema,
    WindowSchema,
)
from hub.throttle.limits import limit

blp = Blueprint("hall", __name__, url_prefix="/api/v1",
                description="办事指南与全景导引：各中心的窗口、楼层与所办事项")

PUBLIC = {"security": []}  # no sign-in: the OpenAPI document says so per operation


@blp.route("/public/centers")
class PublicCenters(MethodView):
    @limit("public.reads", per_address=600, window=600)
    @blp.doc(**PUBLIC)
    @blp.response(200, PublicCenterSchema(many=True))
    def get(self) -> Any:
        """The district center and the fifteen street centers: address, phone, hours."""
        return services.public_centers(db.session())


@blp.route("/public/centers/<string:code>/windows")
class PublicWindows(MethodView):
    @limit("public.reads", per_address=600, window=600)
    @blp.doc(**PUBLIC)
    @blp.response(200, PublicWindowSchema(many=True))
    def get(self, code: str) -> Any:
        """A center's windows: number, floor, name and the service items each handles."""
        session = db.session()
        services.get_center(session, code)
        return services.windows_of(session, code)


@blp.route("/public/guide/<string:service_item>")
class PublicGuide(MethodView):
    @limit("public.reads", per_address=600, window=600)
    @blp.doc(**PUBLIC)
    @blp.response(200, PublicGuideSchema)
    def get(self, service_item: str) -> Any:
        """The guide (办事指南) of a service item: what to bring, where to go (center, floor,
        window), legal and promised time limits, fee, legal basis, the stages."""
        return services.guide_of(db.session(), service_item)


@blp.route("/centers/<string:code>/windows")
class CenterWindows(MethodView):
    @requires("hall.write")
    @blp.arguments(WindowSchema(many=True))
    @blp.response(200, WindowSchema(many=True))
    def put(self, body: list[dict[str, Any]], code: str) -> Any:
        """Replace a center's windows (admin). An item's appointment capacity in a half-day
        slot is the sum of ``capacity_per_slot`` over the windows that handle it."""
        return services.replace_windows(db.session(), current_principal(), code, body)


@blp.route("/supervision/guides")
class GuideCoverage(MethodView):
    @requires("public_services.read")
    @blp.response(200, CoverageSchema)
    def get(self) -> Any:
        """The guides' coverage: items with a complete guide, items that can be pre-reviewed
        and booked online, and what each incomplete guide lacks."""
        return services.coverage(db.session())
