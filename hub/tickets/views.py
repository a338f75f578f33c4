"""HTTP views of the call center: tickets, the answer policy, a caller's history, and the
citizens' channel without sign-in. They translate; the services decide."""
from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from hub import clock, db, idempotency
from hub.approvals.schemas import ApplicantInClearSchema
from hub.directory.auth import current_principal, requires
from hub.errors import NotFound
from hub.pagination import PageArgs, page_schema, paginate
from hub.tickets import queries, services
from hub.tickets.models import Ticket
from hub.tickets.schemas import (
    AssignSchema,
    CallerHistoryQuerySchema,
    CallerHistorySchema,
    CloseSchema,
    PolicySchema,
    PublicTicketReceiptSchema,
    PublicTicketSchema,
    ReplySchema,
    TicketQuerySchema,
    TicketSchema,
    TicketSubmissionSchema,
    TransferSchema,
)
from hub.throttle import limit

blp = Blueprint("tickets", __name__, url_prefix="/api/v1",
                description="呼叫中心：工单的受理、首问负责、交办、转办、答复、回访办结；答复时限")


def _id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("工单不存在") from None


def _shown(row: Ticket, *, detail: bool = True) -> dict[str, Any]:
    return queries.present(row, clock.now(), detail=detail, session=db.session())


@blp.route("/tickets")
class Tickets(MethodView):
    @requires("tickets.list")
    @blp.arguments(TicketQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(TicketSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Tickets, most urgent (earliest due) first: an operator's or clerk's center, an
        approver's or chief's department, every one for a supervisor; ``overdue=true``
        gives those awaiting an answer past their due date."""
        now = clock.now()
        stmt = queries.tickets_query(current_principal(), now, **query)
        result = paginate(db.session(), stmt, [Ticket.due_at, Ticket.id], limit=page["limit"],
                          cursor=page["cursor"])
        result["items"] = [queries.present(t, now) for t in result["items"]]
        return result

    @requires("tickets.create")
    @blp.arguments(TicketSubmissionSchema)
    @blp.response(201, TicketSchema)
    @blp.alt_response(409, description="同一 Idempotency-Key 已用于另一份登记")
    @blp.alt_response(422, description="类型、渠道、来电人或事项有误")
    def post(self, body: dict[str, Any]) -> Any:
        """Enter a call, message or visit (operator or clerk of that center), who owns it
        from now on (首问负责). ``receipt_code`` is in this response only; a replay of the
        ``Idempotency-Key`` returns the same ticket with a new code."""
        received = services.receive_ticket(db.session(), current_principal(), body,
                                           idempotency_key=idempotency.key_from_request())
        headers = {"Location": f"/api/v1/tickets/{received.ticket.id}"}
        if received.replayed:
            headers["Idempotent-Replayed"] = "true"
        return ({**_shown(received.ticket), "receipt_code": received.receipt_code}, 201,
                headers)


@blp.route("/tickets/policy")
class Policy(MethodView):
    @requires("ticket_policy.read")
    @blp.response(200, PolicySchema)
    def get(self) -> Any:
        """Working days to answer, per kind of ticket."""
        return services.policy(db.session())

    @requires("ticket_policy.write")
    @blp.arguments(PolicySchema)
    @blp.response(200, PolicySchema)
    def put(self, body: dict[str, Any]) -> Any:
        """Change the working days per kind (admin); tickets already received keep theirs."""
        return services.set_policy(db.session(), current_principal(), body)


@blp.route("/tickets/<string:ticket_id>")
class TicketItem(MethodView):
    @requires("tickets.view")
    @blp.response(200, TicketSchema)
    def get(self, ticket_id: str) -> Any:
        """A ticket with its replies and its history (the audit records)."""
        return _shown(services.readable_ticket(db.session(), current_principal(),
                                               _id(ticket_id)))


@blp.route("/tickets/<string:ticket_id>/assign")
class Assign(MethodView):
    @requires("tickets.act")
    @blp.arguments(AssignSchema)
    @blp.response(200, TicketSchema)
    @blp.alt_response(409, description="版本已过期，或工单已答复、已办结")
    def post(self, body: dict[str, Any], ticket_id: str) -> Any:
        """To a department, which must answer by ``due_at`` (its owner); a chief of the
        department it is with sends it on to another one, with a note."""
        return _shown(services.assign_ticket(db.session(), current_principal(), _id(ticket_id),
                                             body["department"], body.get("note"),
                                             body.get("version")))


@blp.route("/tickets/<string:ticket_id>/transfer")
class Transfer(MethodView):
    @requires("tickets.act")
    @blp.arguments(TransferSchema)
    @blp.response(200, TicketSchema)
    @blp.alt_response(409, description="版本已过期，或工单已办结")
    def post(self, body: dict[str, Any], ticket_id: str) -> Any:
        """Ownership moves to another operator or clerk (its owner), the reason in its
        history; the ticket goes to the new owner's center."""
        return _shown(services.transfer_ticket(db.session(), current_principal(),
                                               _id(ticket_id), body["to_user"], body["reason"],
                                               body.get("version")))


@blp.route("/tickets/<string:ticket_id>/reply")
class Reply(MethodView):
    @requires("tickets.act")
    @blp.arguments(ReplySchema)
    @blp.response(200, TicketSchema)
    @blp.alt_response(409, description="版本已过期，或工单已办结")
    def post(self, body: dict[str, Any], ticket_id: str) -> Any:
        """The answer (its owner, or an approver or chief of its department): status
        ``answered``; only then can it be closed."""
        return _shown(services.reply_ticket(db.session(), current_principal(), _id(ticket_id),
                                            body["content"], body["version"]))


@blp.route("/tickets/<string:ticket_id>/close")
class Close(MethodView):
    @requires("tickets.act")
    @blp.arguments(CloseSchema)
    @blp.response(200, TicketSchema)
    @blp.alt_response(409, description="工单尚未答复，或版本已过期")
    def post(self, body: dict[str, Any], ticket_id: str) -> Any:
        """After the callback (回访, its owner): ``satisfied`` or ``unreachable`` close it;
        ``unsatisfied`` reopens it, due again from now."""
        return _shown(services.close_ticket(db.session(), current_principal(), _id(ticket_id),
                                            body["outcome"], body.get("note"),
                                            body.get("version")))


@blp.route("/tickets/<string:ticket_id>/caller")
class CallerInClear(MethodView):
    @requires("tickets.view_caller")
    @blp.response(200, ApplicantInClearSchema)
    def get(self, ticket_id: str) -> Any:
        """The caller's name and phone unmasked, for the callback: audited."""
        return services.caller_in_clear(db.session(), current_principal(), _id(ticket_id))


@blp.route("/callers/history")
class CallerHistory(MethodView):
    @requires("callers.history")
    @blp.arguments(CallerHistoryQuerySchema)
    @blp.response(200, CallerHistorySchema)
    def post(self, body: dict[str, Any]) -> Any:
        """A caller's earlier tickets and cases at the operator's center, by phone number
        (sent in the body, never in a URL; looked up by its keyed hash)."""
        return queries.caller_history(db.session(), current_principal(), body["phone"])


@blp.route("/public/tickets")
class PublicTickets(MethodView):
    # A citizen writes a few times a day at most; the limit holds back floods.
    @limit("public.tickets", per_address=10, window=3600)
    @blp.arguments(PublicTicketSchema)
    @blp.response(201, PublicTicketReceiptSchema)
    @blp.alt_response(422, description="类型、中心或来电人信息有误")
    @blp.doc(security=[])
    def post(self, body: dict[str, Any]) -> Any:
        """A consultation, complaint or suggestion without signing in (channel ``web``):
        the number and the receipt code (shown once) to follow it, and its due date."""
        received = services.receive_public(db.session(), body)
        return {"number": received.ticket.number, "code": received.receipt_code,
                "due_at": received.ticket.due_at}
