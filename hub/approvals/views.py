"""HTTP views of applications, tasks, notifications and the working-day calendar:
they translate, the services decide."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from hub import clock, db, idempotency
from hub.api import Blueprint, path_id, path_year
from hub.approvals import assignment, calendar_services, notifications, queries, services
from hub.approvals.models import Application, ApprovalTask, Notification
from hub.approvals.schemas import (
    ApplicantInClearSchema,
    ApplicationQuerySchema,
    ApplicationSchema,
    AssignmentSchema,
    CalendarYearInputSchema,
    CalendarYearSchema,
    DecisionResultSchema,
    DecisionSchema,
    NotificationSchema,
    ResubmissionSchema,
    SubmissionSchema,
    TaskQuerySchema,
    TaskSchema,
    VersionSchema,
    WithdrawalSchema,
)
from hub.directory.auth import current_principal, requires
from hub.materials import services as materials
from hub.pagination import PageArgs, page_schema, paginate

blp = Blueprint("approvals", __name__, url_prefix="/api/v1",
                description="并联审批：办件受理、部门待办、审批决定、补正与撤回；工作日历")

def _application(app: Application, *, detail: bool = False) -> dict[str, Any]:
    session = db.session()
    body = queries.present_application(
        app, current_principal(), clock.now(),
        history_rows=queries.history(session, app.id) if detail else None,
        warnings=queries.warnings_of(session, app.id) if detail else None)
    if detail:
        # What the citizen handed in with an online pre-review (GET …/materials/{id}).
        body["materials"] = [materials.summary(m)
                             for m in materials.of_application(session, app.id)]
    return body


@blp.route("/applications")
class Applications(MethodView):
    @requires("applications.list")
    @blp.arguments(ApplicationQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ApplicationSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """Cases, newest first: a clerk's own center, any center for a supervisor;
        ``warning=yellow|red`` gives the cases showing that card now."""
        stmt = queries.applications_query(current_principal(), clock.now(), **query)
        result = paginate(db.session(), stmt, [Application.submitted_at, Application.id],
                          limit=page["limit"], cursor=page["cursor"], descending=True)
        result["items"] = [_application(a) for a in result["items"]]
        return result

    @requires("applications.submit")
    @blp.arguments(SubmissionSchema)
    @blp.response(201, ApplicationSchema)
    @blp.alt_response(409, description="同一 Idempotency-Key 已用于另一份申请")
    @blp.alt_response(422, description="事项、申请人或表单填写有误")
    def post(self, body: dict[str, Any]) -> Any:
        """Accept a case at the window (clerk of that center); its first-stage tasks are
        open at once. ``receipt_code`` (回执码) is in this response only; with an
        ``Idempotency-Key`` a replay returns the same case and a new code (the first one
        is void)."""
        submitted = services.submit_application(
            db.session(), current_principal(), body,
            idempotency_key=idempotency.key_from_request())
        app = submitted.application
        headers = {"Location": f"/api/v1/applications/{app.id}"}
        if submitted.replayed:
            headers["Idempotent-Replayed"] = "true"
        # The receipt code is in this response only: nothing but its hash is kept.
        return {**_application(app), "receipt_code": submitted.receipt_code}, 201, headers


@blp.route("/applications/<string:application_id>")
class ApplicationItem(MethodView):
    @requires("applications.view")
    @blp.response(200, ApplicationSchema)
    def get(self, application_id: str) -> Any:
        """A case with its tasks, its cards and its history (the audit records)."""
        app = services.readable_application(db.session(), current_principal(),
                                             path_id(application_id))
        return _application(app, detail=True)


@blp.route("/applications/<string:application_id>/applicant")
class ApplicantInClear(MethodView):
    @requires("applications.view_applicant")
    @blp.response(200, ApplicantInClearSchema)
    def get(self, application_id: str) -> Any:
        """The applicant unmasked (clerk of the case's center, supervisor): audited."""
        return services.applicant_in_clear(db.session(), current_principal(),
                                           path_id(application_id))


@blp.route("/applications/<string:application_id>/withdraw")
class Withdrawal(MethodView):
    @requires("applications.change")
    @blp.arguments(WithdrawalSchema)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(409, description="办件已办结")
    def post(self, body: dict[str, Any], application_id: str) -> Any:
        """Withdraw a case still open (clerk of its center); open tasks are cancelled."""
        app = services.withdraw_application(db.session(), current_principal(),
                                            path_id(application_id), body["reason"])
        return _application(app)


@blp.route("/applications/<string:application_id>/resubmit")
class Resubmission(MethodView):
    @requires("applications.change")
    @blp.arguments(ResubmissionSchema)
    @blp.response(200, ApplicationSchema)
    @blp.alt_response(409, description="办件当前不需要补正")
    def post(self, body: dict[str, Any], application_id: str) -> Any:
        """Hand in the supplementary material: the clock resumes, the tasks that asked
        are pending again, decisions already made stand."""
        app = services.resubmit_application(db.session(), current_principal(),
                                            path_id(application_id), body["form"])
        return _application(app)


@blp.route("/tasks")
class Tasks(MethodView):
    @requires("tasks.list")
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(TaskSchema))
    def get(self, query: dict[str, Any], page: dict[str, Any]) -> Any:
        """The department's queue (待办), most urgent first (earliest due date);
        ``status`` defaults to pending; ``assignee=me`` the caller's own tasks,
        ``assignee=none`` the department's pool (待领)."""
        now = clock.now()
        stmt = queries.tasks_query(current_principal(), now, **query)
        result = paginate(db.session(), stmt, [ApprovalTask.due_at, ApprovalTask.id],
                          limit=page["limit"], cursor=page["cursor"])
        result["items"] = [queries.present_task(t, now) for t in result["items"]]
        return result


@blp.route("/tasks/<string:task_id>/decision")
class Decision(MethodView):
    @requires("tasks.decide")
    @blp.arguments(DecisionSchema)
    @blp.response(200, DecisionResultSchema)
    @blp.alt_response(409, description="版本已过期，或任务已有决定")
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """Approve, reject (with a comment) or ask for a supplement (with a comment);
        ``version`` is the task's version the decision was made on."""
        task, app = services.decide_task(db.session(), current_principal(), path_id(task_id),
                                         body["decision"], body.get("comment"), body["version"])
        return {"task": queries.present_task(task, clock.now()), "application": _application(app)}


@blp.route("/tasks/<string:task_id>/assign")
class Assignment(MethodView):
    @requires("tasks.assign")
    @blp.arguments(AssignmentSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description="版本已过期，或任务已有决定")
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """A chief representative hands a pending task to an approver of the department
        (with ``version``, only if the task is still as the chief saw it)."""
        task = assignment.assign_task(db.session(), current_principal(), path_id(task_id),
                                      body["assignee"], body.get("version"))
        return queries.present_task(task, clock.now())


@blp.route("/tasks/<string:task_id>/claim")
class Claim(MethodView):
    @requires("tasks.claim")
    @blp.arguments(VersionSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description="已由他人领取、版本已过期，或任务已有决定")
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """Take a task from the department's pool (领取): it becomes the caller's."""
        task = assignment.claim_task(db.session(), current_principal(), path_id(task_id),
                                     body["version"])
        return queries.present_task(task, clock.now())


@blp.route("/tasks/<string:task_id>/release")
class Release(MethodView):
    @requires("tasks.claim")
    @blp.arguments(VersionSchema)
    @blp.response(200, TaskSchema)
    @blp.alt_response(409, description="不在任何人名下、版本已过期，或任务已有决定")
    def post(self, body: dict[str, Any], task_id: str) -> Any:
        """Give a task back to the department's pool (退回待领): its holder, or a chief."""
        task = assignment.release_task(db.session(), current_principal(), path_id(task_id),
                                       body["version"])
        return queries.present_task(task, clock.now())


@blp.route("/notifications")
class Notifications(MethodView):
    @requires("notifications.read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(NotificationSchema))
    def get(self, page: dict[str, Any]) -> Any:
        """The caller's notifications (站内提醒), newest first."""
        return paginate(db.session(), notifications.for_principal(current_principal()),
                        [Notification.id], limit=page["limit"], cursor=page["cursor"],
                        descending=True)


@blp.route("/calendar/<string:year>")
class CalendarYear(MethodView):
    @requires("calendar.read")
    @blp.response(200, CalendarYearSchema)
    def get(self, year: str) -> Any:
        """A year's holidays and make-up working days: official once published,
        else provisional (weekends and the computed statutory holidays)."""
        return calendar_services.get_year(db.session(), path_year(year))

    @requires("calendar.write")
    @blp.arguments(CalendarYearInputSchema)
    @blp.response(200, CalendarYearSchema)
    def put(self, body: dict[str, Any], year: str) -> Any:
        """Publish or correct a year's official schedule (admin); the open due dates that
        reach into it are then recomputed, each change audited."""
        return calendar_services.publish_year(db.session(), current_principal(), path_year(year),
                                              body["holidays"], body["workdays"])
