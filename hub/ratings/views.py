"""HTTP views of ratings: the citizen's rating (no sign-in), the list, appeals."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import db
from hub.directory.auth import current_principal, requires
from hub.errors import NotFound
from hub.pagination import PageArgs, page_schema, paginate
from hub.ratings import services
from hub.ratings.models import Rating
from hub.ratings.schemas import (
    AppealDecisionSchema,
    AppealSchema,
    PublicRatingReceiptSchema,
    PublicRatingSchema,
    RatingQuerySchema,
    RatingSchema,
)
from hub.throttle import limit

blp = Blueprint("ratings", __name__, url_prefix="/api/v1",
                description="好差评：办件与工单的评价、差评整改、申诉")


def _id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise NotFound("评价不存在")
    return int(value)


@blp.route("/public/ratings")
class PublicRatings(MethodView):
    @limit("public.ratings", per_address=20, window=3600)
    @blp.arguments(PublicRatingSchema)
    @blp.response(201, PublicRatingReceiptSchema)
    @blp.alt_response(404, description="编号不存在或查询码不正确（两者不作区分）")
    @blp.alt_response(409, description="已评价过，或尚未办结（答复）")
    @blp.doc(security=[])
    def post(self, body: dict[str, Any]) -> Any:
        """Rate a concluded case or an answered ticket once (一事一评), with its number and
        receipt code: 5 非常满意 … 1 非常不满意; 1 or 2 opens a rectification ticket."""
        rating = services.rate(db.session(), body["number"], body["code"], body["level"],
                               body.get("comment"))
        return {"number": rating.number, "level": rating.level, "rated_at": rating.rated_at}


@blp.route("/ratings")
class Ratings(MethodView):
    @requires("ratings.list")
    @blp.arguments(RatingQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(RatingSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Ratings, newest first (rater masked): every center for supervisors and
        administrators, their own for a center's clerks and chiefs; ``appeal=pending``
        gives the appeals awaiting a supervisor."""
        session = db.session()
        stmt = services.ratings_query(current_principal(), center=query.get("center"),
                                      level=query.get("level"), appeal=query.get("appeal"),
                                      start=query.get("start"), end=query.get("end"))
        result = paginate(session, stmt, [Rating.id], limit=page["limit"],
                          cursor=page["cursor"], descending=True)
        result["items"] = [services.present(r, session) for r in result["items"]]
        return result


@blp.route("/ratings/<string:rating_id>")
class RatingItem(MethodView):
    @requires("ratings.list")
    @blp.response(200, RatingSchema)
    def get(self, rating_id: str) -> Any:
        """One rating, with its rectification and its appeal."""
        session = db.session()
        rating = services.rating_in_reach(session, current_principal(), _id(rating_id),
                                          "rating.list_center")
        return services.present(rating, session)


@blp.route("/ratings/<string:rating_id>/appeal")
class Appeal(MethodView):
    @requires("ratings.appeal")
    @blp.arguments(AppealSchema)
    @blp.response(200, RatingSchema)
    @blp.alt_response(409, description="已申诉过，或版本已过期")
    def post(self, body: dict[str, Any], rating_id: str) -> Any:
        """The center asks to leave out a malicious or mistaken rating (申诉): its clerks
        or chiefs, once per rating."""
        session = db.session()
        rating = services.appeal(session, current_principal(), _id(rating_id), body["reason"],
                                 body.get("version"))
        return services.present(rating, session)


@blp.route("/ratings/<string:rating_id>/appeal/decision")
class AppealDecision(MethodView):
    @requires("ratings.decide_appeal")
    @blp.arguments(AppealDecisionSchema)
    @blp.response(200, RatingSchema)
    @blp.alt_response(409, description="没有待决定的申诉，或版本已过期")
    def post(self, body: dict[str, Any], rating_id: str) -> Any:
        """A supervisor decides an appeal: ``exclude`` leaves the rating out of every
        satisfaction figure, ``keep`` keeps it; audited."""
        session = db.session()
        rating = services.decide_appeal(session, current_principal(), _id(rating_id),
                                        body["decision"], body["comment"], body.get("version"))
        return services.present(rating, session)
