"""The one place for permissions: who may do what, to which object.

Deny by default: an action missing from ``RULES`` is refused. Views check the
route-level action; services check object-level ones on the rows they load, with
the same table. The authorisation tests are generated from it too.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hub.errors import PermissionDenied

SYSTEM_ROLE = "system"
CITIZEN_ROLE = "citizen"


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who acts: a signed-in user, an adapter's service account, or the system itself."""

    username: str
    roles: frozenset[str]
    user_id: int | None = None
    center: str | None = None
    department: str | None = None
    display_name: str = ""
    request_id: str | None = None
    # Signed in with a password someone else set: nothing but changing it until then.
    must_change_password: bool = False

    @classmethod
    def system(cls, name: str = "system", request_id: str | None = None) -> Principal:
        return cls(username=name, roles=frozenset({SYSTEM_ROLE}), display_name="系统",
                   request_id=request_id)

    @classmethod
    def citizen(cls, request_id: str | None = None) -> Principal:
        """Whoever uses the public site: no account, no center, audited as 市民."""
        return cls(username="citizen", roles=frozenset({CITIZEN_ROLE}), display_name="市民",
                   request_id=request_id)

    @property
    def is_system(self) -> bool:
        return SYSTEM_ROLE in self.roles

    def has_role(self, *roles: str) -> bool:
        return self.is_system or bool(self.roles.intersection(roles))


@dataclasses.dataclass(frozen=True)
class Scope:
    center: str | None = None
    department: str | None = None


Rule = Callable[[Principal, Any], bool]


def roles(*names: str) -> Rule:
    return lambda principal, _resource=None: principal.has_role(*names)


def own_center(*names: str) -> Rule:
    """A role acting on its own center's objects (clerks, adapters)."""
    return lambda p, r: p.is_system or (p.has_role(*names) and r is not None
                                       and r.center is not None and r.center == p.center)


def own_department(*names: str) -> Rule:
    """A role acting on its own department's objects (approvers, chiefs)."""
    return lambda p, r: p.is_system or (p.has_role(*names) and r is not None
                                       and r.department is not None
                                       and r.department == p.department)


def involved_department(*names: str) -> Rule:
    """A role acting on an object that several departments share (an application read
    by the approvers and chiefs of any department with a task on it)."""
    return lambda p, r: p.is_system or (p.has_role(*names) and r is not None
                                       and p.department is not None
                                       and p.department in getattr(r, "departments", ()))


def owner() -> Rule:
    """The first-inquiry owner (首问负责人) of a ticket, whoever else may act on it."""
    return lambda p, r: p.is_system or (r is not None and getattr(r, "owner", None) is not None
                                       and r.owner == p.username)


def any_of(*rules: Rule) -> Rule:
    return lambda p, r: any(rule(p, r) for rule in rules)


def anyone(_principal: Principal, _resource: Any = None) -> bool:
    return True


RULES: dict[str, Rule] = {
    # Directory
    "centers.read": anyone,
    "departments.read": anyone,
    "departments.write": roles("admin"),
    "users.read": roles("admin", "supervisor"),
    "users.write": roles("admin"),
    # Catalog
    "catalog.read": anyone,
    "catalog.write": roles("admin"),
    # Audit
    "audit.read": roles("supervisor", "admin"),
    # E-supervision: officials and administrators read every center's figures.
    "supervision.read": roles("supervisor", "admin"),
    # The warnings list names cases: the officials' (an administrator reads figures).
    "warnings.read": roles("supervisor"),
    # Sync: admins start runs, supervisors watch them; a center's adapter service account
    # writes only its own center's records.
    "sync.run": roles("admin"),
    "sync.review": roles("admin"),  # close a quarantined record after review
    "sync.read": roles("admin", "supervisor"),
    "sync.write": own_center("adapter"),
    # Approvals. Plural names guard a route (role only); singular ones one object, by its
    # center or department. A supervisor reads everything and writes nothing.
    "applications.list": roles("clerk", "supervisor"),
    "applications.view": roles("clerk", "approver", "chief", "supervisor"),
    "applications.submit": roles("clerk"),
    "applications.change": roles("clerk"),  # withdraw, resubmit
    "applications.view_applicant": roles("clerk", "supervisor"),
    "applications.print": roles("clerk"),
    "application.list_center": any_of(own_center("clerk"), roles("supervisor")),
    "application.read": any_of(own_center("clerk"), roles("supervisor"),
                               involved_department("approver", "chief")),
    "application.submit": own_center("clerk"),
    "application.change": own_center("clerk"),
    "application.read_applicant": any_of(own_center("clerk"), roles("supervisor")),
    # A printed document names the applicant in full: the window of the case's center.
    "application.print": own_center("clerk"),
    # The whole one form (一张表); any other reader of a case reads only the fields that
    # name their department (hub.approvals.queries.readable_fields), wherever they show.
    "application.read_form": any_of(own_center("clerk"), roles("supervisor", "admin")),
    "tasks.list": roles("approver", "chief", "supervisor"),
    "tasks.decide": roles("approver", "chief"),
    "tasks.assign": roles("chief"),
    "tasks.claim": roles("approver", "chief"),
    "task.list_department": any_of(own_department("approver", "chief"), roles("supervisor")),
    "task.decide": own_department("approver", "chief"),
    "task.assign": own_department("chief"),
    "task.claim": own_department("approver", "chief"),
    "notifications.read": roles("clerk", "approver", "chief", "supervisor"),
    # Supervision notices (督办): the one write an official makes (issuing a notice asks
    # a department to explain itself; it changes no case); the department answers.
    "notices.issue": roles("supervisor"),
    "notices.read": roles("supervisor", "admin", "approver", "chief", "clerk"),
    "notice.read": any_of(roles("supervisor", "admin"), own_department("approver", "chief"),
                          own_center("clerk")),
    "notices.answer": roles("approver", "chief"),
    "notice.answer": own_department("approver", "chief"),
    # Who can act on a department's queue at all ("no one can act", 无人可办).
    "staffing.read": roles("supervisor", "admin"),
    # The working-day calendar
    "calendar.read": anyone,
    "calendar.write": roles("admin"),
    # Government information disclosure (政府信息公开). Requests are registered by the clerks
    # and operators of the center that received them and worked there; a chief of that
    # center (or an administrator) approves the one extension; officials read the report.
    "disclosure_requests.list": roles("clerk", "operator", "chief", "supervisor", "admin"),
    "disclosure_requests.register": roles("clerk", "operator"),
    "disclosure_requests.extend": roles("chief", "admin"),
    "disclosure_requests.supplement": roles("clerk"),
    "disclosure_requests.answer": roles("clerk", "chief"),
    "disclosure_requests.read_requester": roles("clerk", "operator", "chief"),
    "disclosure_request.register": own_center("clerk", "operator"),
    "disclosure_request.read": any_of(own_center("clerk", "operator", "chief"),
                                      roles("supervisor", "admin")),
    "disclosure_request.list_all": roles("supervisor", "admin"),
    "disclosure_request.extend": any_of(own_center("chief"), roles("admin")),
    "disclosure_request.supplement": own_center("clerk"),
    "disclosure_request.answer": own_center("clerk", "chief"),
    "disclosure_request.read_requester": own_center("clerk", "operator", "chief"),
    "disclosure.outcomes": anyone,
    "disclosure.report": roles("supervisor", "admin"),
    "disclosure.years.read": roles("supervisor", "admin"),
    "disclosure.years.write": roles("admin"),
    # The call center: operators (话务员) and clerks take tickets at their own center and
    # own what they received (首问负责) until they transfer it; the staff of the
    # department a ticket is assigned to answer it, its chief may send it on; a
    # supervisor reads every ticket and writes none.
    "tickets.list": roles("operator", "clerk", "approver", "chief", "supervisor"),
    "tickets.view": roles("operator", "clerk", "approver", "chief", "supervisor"),
    "tickets.create": roles("operator", "clerk"),
    "tickets.act": roles("operator", "clerk", "approver", "chief"),
    "tickets.callbacks": roles("operator", "clerk"),  # owners call back (回访)
    "tickets.view_caller": roles("operator", "clerk", "supervisor"),
    "callers.history": roles("operator", "clerk"),
    # 民心网's export of cases, received by an operator of the call center (each case at a
    # center the operator may receive tickets at: "ticket.create").
    "tickets.import_minxin": roles("operator"),
    "ticket.create": own_center("operator", "clerk"),
    "ticket.list_center": any_of(own_center("operator", "clerk"), roles("supervisor")),
    "ticket.list_department": any_of(own_department("approver", "chief"), roles("supervisor")),
    "ticket.read": any_of(own_center("operator", "clerk"), own_department("approver", "chief"),
                          roles("supervisor"), owner()),
    "ticket.read_caller": any_of(own_center("operator", "clerk"), roles("supervisor")),
    "ticket.assign": any_of(owner(), own_department("chief")),
    "ticket.transfer": owner(),
    "ticket.reply": any_of(owner(), own_department("approver", "chief")),
    "ticket.close": owner(),
    "callers.history_center": own_center("operator", "clerk"),
    "ticket_policy.read": anyone,
    "ticket_policy.write": roles("admin"),
    # Ratings (好差评): officials and administrators read all, a center's clerks and
    # chiefs their own; a center appeals (申诉) a rating, a supervisor decides: the one
    # write a supervisor makes, since deciding on the center's appeal is the official's.
    "ratings.list": roles("supervisor", "admin", "clerk", "chief"),
    "rating.list_center": any_of(roles("supervisor", "admin"), own_center("clerk", "chief")),
    "ratings.appeal": roles("clerk", "chief"),
    "rating.appeal": own_center("clerk", "chief"),
    "ratings.decide_appeal": roles("supervisor"),
    # The public site: guides, the hall and its windows, appointments, pre-reviews.
    "public.use": anyone,
    "hall.write": roles("admin"),
    "appointments.list": roles("clerk"),
    "appointment.manage": own_center("clerk"),
    "prereviews.list": roles("clerk"),
    "prereview.review": own_center("clerk"),
    "public_services.read": roles("supervisor", "admin"),
}


# What each action is, in the words of the hall: a refusal says what may not be done
# ("当前账号无权指派审批任务"), never the rule's code.
ACTIONS: dict[str, str] = {
    "centers.read": "查看中心", "departments.read": "查看部门", "departments.write": "管理部门",
    "users.read": "查看工作人员", "users.write": "管理工作人员账号",
    "catalog.read": "查看办事事项", "catalog.write": "维护办事事项",
    "audit.read": "查看审计记录", "supervision.read": "查看电子监察数据",
    "warnings.read": "查看预警办件清单", "sync.review": "复核隔离的同步记录",
    "notices.issue": "签发督办", "notices.read": "查看督办", "notice.read": "查看该督办",
    "notices.answer": "答复督办", "notice.answer": "答复该督办",
    "staffing.read": "查看无人可办的审批环节",
    "sync.run": "发起数据同步", "sync.read": "查看数据同步情况", "sync.write": "写入本中心同步数据",
    "applications.list": "查看办件列表", "applications.view": "查看办件",
    "applications.submit": "受理办件", "applications.change": "办理撤回、补正等窗口业务",
    "applications.view_applicant": "查看申请人完整信息",
    "application.list_center": "查看该中心的办件", "application.read": "查看该办件",
    "application.submit": "在该中心受理办件", "application.change": "办理该办件的窗口业务",
    "application.read_applicant": "查看该办件申请人的完整信息",
    "application.read_form": "查看该办件的全部表单内容",
    "applications.print": "打印办件文书", "application.print": "打印该办件的文书",
    "tasks.list": "查看待办", "tasks.decide": "审批", "tasks.assign": "指派审批任务",
    "tasks.claim": "领取或退回审批任务",
    "task.list_department": "查看该部门的待办", "task.decide": "审批该部门的任务",
    "task.assign": "指派该部门的审批任务", "task.claim": "领取或退回该部门的审批任务",
    "notifications.read": "查看站内提醒",
    "calendar.read": "查看工作日历", "calendar.write": "发布工作日历",
    "tickets.list": "查看工单", "tickets.view": "查看工单", "tickets.create": "登记工单",
    "tickets.act": "办理工单", "tickets.view_caller": "查看来电人信息",
    "callers.history": "查看来电人的历史工单", "ticket.create": "在该中心登记工单",
    "ticket.list_center": "查看该中心的工单", "ticket.list_department": "查看该部门的工单",
    "ticket.read": "查看该工单", "ticket.read_caller": "查看该工单来电人的信息",
    "ticket.assign": "分派该工单", "ticket.transfer": "转交该工单", "ticket.reply": "答复该工单",
    "ticket.close": "办结该工单", "callers.history_center": "查看该中心来电人的历史工单",
    "ticket_policy.read": "查看工单时限", "ticket_policy.write": "设置工单时限",
    "ratings.list": "查看好差评", "rating.list_center": "查看该中心的好差评",
    "ratings.appeal": "对差评提出申诉", "rating.appeal": "对该中心的差评提出申诉",
    "ratings.decide_appeal": "裁定差评申诉", "public.use": "使用网上服务",
    "hall.write": "维护大厅窗口", "appointments.list": "查看预约",
    "appointment.manage": "办理该中心的预约", "prereviews.list": "查看网上预审",
    "prereview.review": "审核该中心的网上预审", "public_services.read": "查看网上服务情况",
    "tickets.callbacks": "查看待回访的工单", "tickets.import_minxin": "导入民心网工单",
    "disclosure_requests.list": "查看政府信息公开申请",
    "disclosure_requests.register": "登记政府信息公开申请",
    "disclosure_requests.extend": "批准延长答复期限",
    "disclosure_requests.supplement": "告知申请人补正",
    "disclosure_requests.answer": "答复政府信息公开申请",
    "disclosure_requests.read_requester": "查看申请人完整联系方式",
    "disclosure_request.register": "在该中心登记政府信息公开申请",
    "disclosure_request.read": "查看该政府信息公开申请",
    "disclosure_request.list_all": "查看各中心的政府信息公开申请",
    "disclosure_request.extend": "批准延长该申请的答复期限",
    "disclosure_request.supplement": "告知该申请的申请人补正",
    "disclosure_request.answer": "答复该政府信息公开申请",
    "disclosure_request.read_requester": "查看该申请人的完整联系方式",
    "disclosure.outcomes": "查看答复结果分类", "disclosure.report": "查看政府信息公开年度报告",
    "disclosure.years.read": "查看年度主动公开等数据",
    "disclosure.years.write": "填报年度主动公开、复议诉讼等数据",
}


def describe(action: str) -> str:
    """What ``action`` lets one do, in Chinese (for refusals shown to people)."""
    return ACTIONS.get(action, "执行此操作")


def allowed(principal: Principal, action: str, resource: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        return False
    return bool(rule(principal, resource))


def require(principal: Principal, action: str, resource: Any = None) -> None:
    """Raise ``PermissionDenied`` unless ``principal`` may do ``action`` (to ``resource``)."""
    if not allowed(principal, action, resource):
        raise PermissionDenied(f"当前账号无权{describe(action)}")
