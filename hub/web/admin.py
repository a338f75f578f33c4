"""Administrator pages: staff accounts, departments, service items, the working-day
calendar, the call center's answer policy."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hub import clock, db
from hub.approvals import calendar_services, staffing
from hub.directory import deciders, lockout
from hub.directory import services as directory
from hub.directory.models import ROLES, USER_STATUSES, Center, Department, User
from hub.directory.schemas import DepartmentSchema, UserSchema, UserUpdateSchema
from hub.errors import Conflict, ValidationFailed
from hub.tickets import services as tickets
from hub.tickets.lifecycle import KINDS
from hub.tickets.schemas import PolicySchema
from hub.pagination import paginate
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import names

USER_INPUTS = ("username", "display_name", "center", "department", "roles", "status", "password")


def _choices() -> dict[str, Any]:
    session = db.session()
    centers = session.scalars(select(Center).order_by(Center.position, Center.code)).all()
    departments = session.scalars(select(Department).order_by(Department.code)).all()
    return {"centers": [(c.code, c.name) for c in centers],
            "departments": [(d.code, d.name) for d in departments],
            "roles": ROLES, "statuses": USER_STATUSES,
            "min_length": current_app.config["HUB_SETTINGS"].password_min_length}


# -- Staff accounts ---------------------------------------------------------------------------


@bp.route("/admin/users")
@page("users.write")
def admin_users() -> Any:
    args = request.args
    query = {k: args.get(k) or None for k in ("center", "department", "status")}
    session = db.session()
    result = paginate(session, directory.users_query(**query), [User.username],
                      limit=100, cursor=args.get("cursor") or None)
    restricted = lockout.restrictions(session, [u.username for u in result["items"]],
                                      clock.now())
    return render_template("admin/users.html", nav="users", users=result["items"],
                           restricted=restricted, next_cursor=result["next_cursor"],
                           query=query, **_choices())


def _user_values(form: Any, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "display_name": forms.text(form, "display_name"),
        "center": forms.text(form, "center"),
        "department": forms.text(form, "department"),
        "roles": form.getlist("roles"),
        "status": forms.text(form, "status") or "active",
    }
    if creating:
        values["username"] = forms.text(form, "username")
    password = form.get("password", "")
    if password:
        values["password"] = password
    return {k: v for k, v in values.items() if v is not None or k == "department"}


@bp.route("/admin/users/new", methods=["GET", "POST"])
@page("users.write")
def admin_user_new() -> Any:
    errors: forms.Errors = {}
    values: dict[str, Any] = {"status": "active", "roles": ["clerk"]}
    if request.method == "POST":
        values = _user_values(request.form, creating=True)
        try:
            loaded = forms.load(UserSchema(), values)
            user = directory.create_user(db.session(), principal(), loaded)
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, USER_INPUTS)
        except Conflict as exc:
            errors = {"username": [exc.detail]}
        else:
            flash(f"已创建账号 {user.username}")
            return redirect(url_for("web.admin_users"))
    return render_template("admin/user_form.html", nav="users", creating=True, values=values,
                           errors=errors, **_choices()), 422 if errors else 200


@bp.route("/admin/users/<string:username>", methods=["GET", "POST"])
@page("users.write")
def admin_user_edit(username: str) -> Any:
    """Edit an account. A change that takes an approver off their department's queue is
    said first (their tasks go back to the pool; the department may have nobody left) and
    saved only once the administrator confirms it."""
    session = db.session()
    user = directory.get_user(session, username)
    errors: forms.Errors = {}
    leaving: staffing.Departure | None = None
    values: dict[str, Any] = {"username": user.username, "display_name": user.display_name,
                              "center": user.center_code, "department": user.department_code,
                              "roles": user.roles, "status": user.status}
    if request.method == "POST":
        values = {**_user_values(request.form, creating=False), "username": username}
        try:
            loaded = forms.load(UserUpdateSchema(), {k: v for k, v in values.items()
                                                      if k != "username"})
            leaving = staffing.departure(session, user, loaded)
            if leaving is None or not leaving.warnings or request.form.get("confirm") == "1":
                held = leaving.held if leaving else 0
                directory.update_user(session, principal(), username, loaded)
                _said_after_saving(username, leaving, held)
                return redirect(url_for("web.admin_users"))
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, USER_INPUTS)
    restriction = lockout.restriction(db.session(), username, clock.now())
    return render_template("admin/user_form.html", nav="users", creating=False, values=values,
                           user=user, restriction=restriction, errors=errors, departure=leaving,
                           **_choices()), 422 if errors else 200


@bp.route("/admin/users/<string:username>/unlock", methods=["POST"])
@page("users.write")
def admin_user_unlock(username: str) -> Any:
    user = directory.get_user(db.session(), username)
    if lockout.lift(db.session(), principal(), user.username, clock.now()):
        flash(f"已解除账号 {user.username} 的登录锁定")
    else:
        flash(f"账号 {user.username} 没有登录限制，无需解除")
    return redirect(url_for("web.admin_user_edit", username=user.username))


def _said_after_saving(username: str, leaving: staffing.Departure | None, held: int) -> None:
    flash(f"已保存账号 {username}")
    if held:
        flash(f"{username} 名下 {held} 件在办审批任务已退回部门待办池", "warning")
    if leaving is not None and leaving.last_decider:
        flash(f"{names()['departments'].get(leaving.department or '', leaving.department)}"
              "已没有在岗审批人员：其待办将无人可办，请尽快安排", "error")


# -- Departments --------------------------------------------------------------------------------


@bp.route("/admin/departments/<string:code>/active", methods=["POST"])
@page("departments.write")
def admin_department_active(code: str) -> Any:
    """停用 or 启用 a department (audited): a stopped one takes no new steps."""
    active = request.form.get("active") == "1"
    department = directory.update_department(db.session(), principal(), code,
                                             {"active": active})
    flash(f"已{'启用' if active else '停用'}{department.name}" + (
        "" if active else "：不再承担新的审批环节，已有的环节照常办理；经它审批的事项须调整后才能再发布"))
    return redirect(url_for("web.admin_departments"))


@bp.route("/admin/departments", methods=["GET", "POST"])
@page("departments.write")
def admin_departments() -> Any:
    errors: forms.Errors = {}
    values = {"code": "", "name": ""}
    if request.method == "POST":
        values = {"code": forms.text(request.form, "code"), "name": forms.text(request.form, "name")}
        try:
            loaded = forms.load(DepartmentSchema(), {k: v for k, v in values.items() if v})
            directory.create_department(db.session(), principal(), loaded["code"], loaded["name"])
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ("code", "name"))
        except Conflict as exc:
            errors = {"code": [exc.detail]}
        else:
            flash(f"已添加部门 {loaded['name']}")
            return redirect(url_for("web.admin_departments"))
    session = db.session()
    departments = session.scalars(directory.list_departments().order_by(Department.code)).all()
    # The same rule as the item editor's: a department nobody in post can decide for.
    staffed = deciders.staffed_departments(session)
    return render_template("admin/departments.html", nav="departments", departments=departments,
                           unstaffed={d.code for d in departments if d.code not in staffed},
                           values=values, errors=errors), 422 if errors else 200


# -- The working-day calendar ---------------------------------------------------------------------


def _dates(raw: str, name: str, errors: forms.Errors) -> list[dt.date]:
    days: list[dt.date] = []
    for token in raw.replace("，", ",").replace("、", ",").replace("\n", ",").split(","):
        token = token.strip()
        if not token:
            continue
        try:
            days.append(dt.date.fromisoformat(token))
        except ValueError:
            errors.setdefault(name, []).append(f"无法识别的日期：{token}（格式 YYYY-MM-DD）")
    return days


@bp.route("/admin/calendar", methods=["GET", "POST"])
@page("calendar.write")
def admin_calendar() -> Any:
    session = db.session()
    default_year = clock.local(clock.now()).year
    try:
        year = int(request.values.get("year") or default_year)
    except ValueError:
        year = default_year
    errors: forms.Errors = {}
    texts: dict[str, str] | None = None
    if request.method == "POST":
        texts = {k: request.form.get(k, "") for k in ("holidays", "workdays")}
        holidays = _dates(texts["holidays"], "holidays", errors)
        workdays = _dates(texts["workdays"], "workdays", errors)
        try:
            if errors:
                raise ValidationFailed(errors)
            calendar_services.publish_year(session, principal(), year, holidays, workdays)
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ("year", "holidays", "workdays"))
        else:
            flash(f"已发布 {year} 年工作日历，相关办件的办理期限将随之重新计算")
            return redirect(url_for("web.admin_calendar", year=year))
    schedule = calendar_services.get_year(session, year)
    if texts is None:
        texts = {"holidays": "\n".join(map(str, schedule.holidays)),
                 "workdays": "\n".join(map(str, schedule.workdays))}
    return render_template("admin/calendar.html", nav="calendar", year=year, schedule=schedule,
                           texts=texts, errors=errors,
                           years=range(default_year - 1, default_year + 3)), \
        422 if errors else 200


# -- The call center's answer policy ---------------------------------------------------------


@bp.route("/admin/ticket-policy", methods=["GET", "POST"])
@page("ticket_policy.write")
def admin_ticket_policy() -> Any:
    """Working days to answer each kind of ticket; tickets received keep theirs."""
    session = db.session()
    errors: forms.Errors = {}
    values: dict[str, Any] = tickets.policy(session)
    if request.method == "POST":
        values = {kind: forms.integer_or_text(request.form.get(kind, "")) for kind in KINDS}
        try:
            tickets.set_policy(session, principal(), forms.load(PolicySchema(), values))
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, KINDS)
        else:
            flash("工单答复时限已更新，此后受理的工单按新时限计算")
            return redirect(url_for("web.admin_ticket_policy"))
    return render_template("admin/ticket_policy.html", nav="ticket_policy", values=values,
                           kinds=KINDS, errors=errors), 422 if errors else 200
