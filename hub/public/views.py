"""The public progress lookup: no sign-in, a receipt's number and code."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.public import progress
from hub.public.schemas import ProgressArgs, PublicProgressSchema
from hub.receipts import receipt_codes
from hub.throttle import limit

blp = Blueprint("public", __name__, url_prefix="/api/v1/public",
                description="公众服务（无需登录）：凭编号和查询码查询进度")


@blp.route("/progress/<string:number>")
class Progress(MethodView):
    # A citizen looks a few times a day; guessing a 40-bit code at this rate is hopeless.
    @limit("public.progress", per_address=60, window=600)
    @blp.arguments(ProgressArgs, location="query")
    @blp.response(200, PublicProgressSchema)
    @blp.alt_response(404, description="编号不存在或查询码不正确（两者不作区分）")
    @blp.doc(security=[])
    def get(self, args: dict[str, Any], number: str) -> Any:
        """The public view of an application, a ticket, a pre-review or an appointment:
        status, stages, replies or a return's reasons, due date; no personal data beyond
        the masked name. A wrong code and an unknown number give the same 404."""
        return progress.lookups().find(db.session(), receipt_codes(), number, args["code"])
