"""Administrator pages: staff accounts, departments, service items, the working-day calendar."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from hub import clock, db
from hub.approvals import calendar_services
from hub.catalog import services as catalog
from hub.catalog.models import ServiceItem
from hub.catalog.schemas import ServiceItemSchema, ServiceItemUpdateSchema
from hub.directory import services as directory
from hub.directory.models import ROLES, USER_STATUSES, Center, Department, User
from hub.directory.schemas import DepartmentSchema, UserSchema, UserUpdateSchema
from hub.errors import Conflict, ValidationFailed
from hub.pagination import paginate
from hub.web import forms
from hub.web.blueprint import bp, page, principal

USER_INPUTS = ("username", "display_name", "center", "department", "roles", "status", "password")


def _choices() -> dict[str, Any]:
    session = db.session()
    centers = session.scalars(select(Center).order_by(Center.position, Center.code)).all()
    departments = session.scalars(select(Department).order_by(Department.code)).all()
    return {"centers": [(c.code, c.name) for c in centers],
            "departments": [(d.code, d.name) for d in departments],
            "roles": ROLES, "statuses": USER_STATUSES}


# -- Staff accounts ---------------------------------------------------------------------------


@bp.route("/admin/users")
@page("users.write")
def admin_users() -> Any:
    args = request.args
    query = {k: args.get(k) or None for k in ("center", "department", "status")}
    result = paginate(db.session(), directory.users_query(**query), [User.username],
                      limit=100, cursor=args.get("cursor") or None)
    return render_template("admin/users.html", nav="users", users=result["items"],
                           next_cursor=result["next_cursor"], query=query, **_choices())


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
    user = directory.get_user(db.session(), username)
    errors: forms.Errors = {}
    values: dict[str, Any] = {"username": user.username, "display_name": user.display_name,
                              "center": user.center_code, "department": user.department_code,
                              "roles": user.roles, "status": user.status}
    if request.method == "POST":
        values = {**_user_values(request.form, creating=False), "username": username}
        try:
            loaded = forms.load(UserUpdateSchema(), {k: v for k, v in values.items()
                                                      if k != "username"})
            directory.update_user(db.session(), principal(), username, loaded)
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, USER_INPUTS)
        else:
            flash(f"已保存账号 {username}")
            return redirect(url_for("web.admin_users"))
    return render_template("admin/user_form.html", nav="users", creating=False, values=values,
                           user=user, errors=errors, **_choices()), 422 if errors else 200


# -- Departments --------------------------------------------------------------------------------


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
    departments = db.session().scalars(directory.list_departments().order_by(Department.code)).all()
    return render_template("admin/departments.html", nav="departments", departments=departments,
                           values=values, errors=errors), 422 if errors else 200


# -- Service items ------------------------------------------------------------------------------

ITEM_INPUTS = ("code", "name", "promised_days", "yellow_days", "form", "stages", "guide")


@bp.route("/admin/items")
@page("catalog.write")
def admin_items() -> Any:
    items = db.session().scalars(catalog.list_items().order_by(ServiceItem.code)).all()
    names = dict(_choices()["departments"])
    return render_template("admin/items.html", nav="items", items=items, department_names=names)


def _item_values(form: Any, errors: forms.Errors) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": forms.text(form, "code"), "name": forms.text(form, "name"),
        "promised_days": _integer(form, "promised_days", errors),
        "yellow_days": _integer(form, "yellow_days", errors),
        "form": forms.parse_json(form.get("form"), "form", errors, []),
        "stages": forms.parse_json(form.get("stages"), "stages", errors, []),
        "guide": forms.parse_json(form.get("guide"), "guide", errors, None),
    }
    return {k: v for k, v in values.items() if v is not None}


def _integer(form: Any, name: str, errors: forms.Errors) -> int | None:
    raw = forms.text(form, name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        errors.setdefault(name, []).append("请输入整数")
        return None


def _item_texts(item: dict[str, Any] | ServiceItem | None, form: Any = None) -> dict[str, str]:
    """What the edit form shows: posted text as typed, or the stored definition as JSON."""
    if form is not None:
        return {k: form.get(k, "") for k in ITEM_INPUTS}
    if item is None:
        return {"code": "", "name": "", "promised_days": "", "yellow_days": "1",
                "form": "[]", "stages": "[]", "guide": ""}

    def dump(value: Any) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, indent=2)
    return {"code": item.code, "name": item.name, "promised_days": str(item.promised_days),
            "yellow_days": str(item.yellow_days), "form": dump(item.form),
            "stages": dump(item.stages), "guide": dump(item.guide)}


@bp.route("/admin/items/new", methods=["GET", "POST"])
@page("catalog.write")
def admin_item_new() -> Any:
    errors: forms.Errors = {}
    texts = _item_texts(None)
    if request.method == "POST":
        texts = _item_texts(None, request.form)
        values = _item_values(request.form, errors)
        try:
            if errors:
                raise ValidationFailed(errors)
            item = catalog.create_item(db.session(), principal(),
                                       forms.load(ServiceItemSchema(), values))
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ITEM_INPUTS)
        except Conflict as exc:
            errors = {"code": [exc.detail]}
        else:
            flash(f"已添加办事事项 {item.name}")
            return redirect(url_for("web.admin_item_edit", code=item.code))
    return render_template("admin/item_form.html", nav="items", creating=True, texts=texts,
                           item=None, errors=errors, **_choices()), 422 if errors else 200


@bp.route("/admin/items/<string:code>", methods=["GET", "POST"])
@page("catalog.write")
def admin_item_edit(code: str) -> Any:
    item = catalog.get_item(db.session(), code)
    errors: forms.Errors = {}
    texts = _item_texts(item)
    if request.method == "POST":
        texts = {**_item_texts(None, request.form), "code": code}
        values = _item_values(request.form, errors)
        values.pop("code", None)
        try:
            if errors:
                raise ValidationFailed(errors)
            item = catalog.replace_item(db.session(), principal(), code,
                                        forms.load(ServiceItemUpdateSchema(), values))
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ITEM_INPUTS)
        else:
            flash(f"已保存办事事项 {item.name}（第 {item.version} 版）")
            return redirect(url_for("web.admin_item_edit", code=code))
    return render_template("admin/item_form.html", nav="items", creating=False, texts=texts,
                           item=item, errors=errors, **_choices()), 422 if errors else 200


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
