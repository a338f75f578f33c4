"""Ratings' pages (好差评): a center's ratings with their rectifications, the center's
appeal (申诉) of a rating, the supervisor's decision. Writes go through
``hub.ratings.services`` with the API's schemas."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from hub import db
from hub.domain_errors import StateConflict
from hub.errors import Conflict, ValidationFailed
from hub.pagination import paginate
from hub.permissions import Scope, allowed
from hub.ratings import services
from hub.ratings.models import APPEAL_STATUSES, LEVELS, Rating
from hub.ratings.schemas import AppealDecisionSchema, AppealSchema
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import names


def _page(errors: forms.Errors | None = None, status: int = 200) -> Any:
    args = request.args
    level = int(args["level"]) if args.get("level", "").isdigit() and \
        int(args["level"]) in LEVELS else None
    appeal = args.get("appeal") if args.get("appeal") in APPEAL_STATUSES else None
    session = db.session()
    p = principal()
    stmt = services.ratings_query(p, level=level, appeal=appeal)
    result = paginate(session, stmt, [Rating.id], limit=100,
                      cursor=args.get("cursor") or None, descending=True)
    rows = [services.present(r, session) for r in result["items"]]
    for row in rows:
        row["can_appeal"] = row["appeal"] is None and allowed(p, "ratings.appeal") and \
            allowed(p, "rating.appeal", Scope(center=row["center"]))
    return render_template("ratings/list.html", nav="ratings", rows=rows, level=level,
                           appeal=appeal, next_cursor=result["next_cursor"],
                           can_decide=allowed(p, "ratings.decide_appeal"), errors=errors or {},
                           names=names()), status


@bp.route("/ratings")
@page("ratings.list")
def ratings() -> Any:
    """Ratings, newest first; the appeals awaiting a decision with ``appeal=pending``."""
    return _page()


def _done(action: Any, message: str) -> Any:
    try:
        action()
    except ValidationFailed as exc:
        db.session().rollback()
        return _page(forms.place(exc.errors, ["reason", "decision", "comment"]), 422)
    except (Conflict, StateConflict) as exc:
        flash(exc.detail, "error")
    else:
        flash(message)
    return redirect(request.referrer if request.referrer and "/ratings" in request.referrer
                    else url_for("web.ratings"))


@bp.route("/ratings/<int:rating_id>/appeal", methods=["POST"])
@page("ratings.appeal")
def rating_appeal(rating_id: int) -> Any:
    # Another center's rating is not found, before anything posted is read.
    services.rating_in_reach(db.session(), principal(), rating_id, "rating.appeal")

    def act() -> None:
        reason = forms.text(request.form, "reason")
        body = forms.load(AppealSchema(), {"reason": reason} if reason else {})
        services.appeal(db.session(), principal(), rating_id, body["reason"])
    return _done(act, "已提交申诉，待监察人员决定")


@bp.route("/ratings/<int:rating_id>/decision", methods=["POST"])
@page("ratings.decide_appeal")
def rating_decision(rating_id: int) -> Any:
    def act() -> None:
        typed = {name: forms.text(request.form, name) for name in ("decision", "comment")}
        body = forms.load(AppealDecisionSchema(), {k: v for k, v in typed.items() if v})
        services.decide_appeal(db.session(), principal(), rating_id, body["decision"],
                               body["comment"])
    return _done(act, "已对申诉作出决定")
