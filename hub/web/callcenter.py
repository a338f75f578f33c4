"""The officials' page of the call center (呼叫中心): the three rates per center and the
streets ranked on them, satisfaction (好差评) per center and per department, exports.
The figures are ``hub.supervision.callcenter_figures``' (the same as the API's)."""
from __future__ import annotations

from typing import Any

from flask import render_template

from hub import clock, db
from hub.supervision import callcenter_figures
from hub.supervision.callcenter import THREE_RATE_WEIGHTS
from hub.web.blueprint import bp, page
from hub.web.dashboard import period_args


@bp.route("/dashboard/callcenter")
@page("supervision.read")
def callcenter_dashboard() -> Any:
    now = clock.now()
    start, end, raw, errors = period_args()
    session = db.session()
    tickets = callcenter_figures.ticket_figures(session, now, start, end)
    ratings = callcenter_figures.rating_figures(session, now, start, end)
    departments = callcenter_figures.department_rating_figures(session, now, start, end)
    ranked = sorted((r for r in tickets if r["level"] == "street"),
                    key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return render_template("dashboard/callcenter.html", nav="callcenter", tickets=tickets,
                           ranked=ranked, ratings=ratings, departments=departments,
                           weights=THREE_RATE_WEIGHTS, period=raw, errors=errors, now=now,
                           start=start, end=end)
