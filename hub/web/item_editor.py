"""The administrator's service-item editor (办事事项): the one form's fields and the
approval stages as form inputs (no JSON), kept as a draft, checked for consistency and
published (``hub.catalog.publication``); the item's availability per center and its
deactivation. Rows are added by a button that posts the form back (no script)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hub import db
from hub.catalog import publication
from hub.catalog import services as catalog
from hub.catalog.models import ServiceItem
from hub.catalog.schemas import FIELD_TYPES, STAGE_MODES, DraftSchema
from hub.directory import deciders
from hub.directory.models import Center, Department
from hub.errors import Conflict, ValidationFailed
from hub.web import forms
from hub.web.blueprint import bp, page, principal

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
FIELD_INPUTS = ("name", "label", "type", "options", "min", "max")
FIELD_FLAGS = ("required", "not_past", "company")
_SEPARATORS = re.compile(r"[、，,；;\n]+")


def _directory() -> dict[str, Any]:
    session = db.session()
    departments = session.scalars(select(Department).order_by(Department.code)).all()
    centers = session.scalars(select(Center).order_by(Center.position, Center.code)).all()
    return {"departments": departments, "centers": [(c.code, c.name) for c in centers],
            "department_names": {d.code: d.name for d in departments},
            "field_types": FIELD_TYPES, "stage_modes": STAGE_MODES}


@bp.route("/admin/items")
@page("catalog.write")
def admin_items() -> Any:
    """Every item with its state: draft, published (which version), 停办, where offered."""
    session = db.session()
    items = session.scalars(catalog.list_items().order_by(ServiceItem.code)).all()
    names = dict(session.execute(select(Department.code, Department.name)).all())
    staffed = deciders.staffed_departments(session)
    return render_template("admin/items.html", nav="items", items=items, department_names=names,
                           unstaffed=set(names) - staffed,
                           center_names=dict(_directory()["centers"]))


# -- From the form's rows to a definition and back ------------------------------------------------


def rows_of(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The editor's rows for a definition: one per field, one per stage."""
    fields = []
    for f in definition.get("form") or []:
        row = {k: "" if f.get(k) is None else str(f.get(k)) for k in ("name", "label", "type",
                                                                     "min", "max")}
        row["options"] = "、".join(f.get("options") or [])
        row.update({k: bool(f.get(k)) for k in FIELD_FLAGS})
        row["departments"] = list(f.get("departments") or [])
        fields.append(row)
    stages = [{"mode": s["mode"], "days": {t["department"]: str(t["days"]) for t in s["tasks"]}}
              for s in definition.get("stages") or []]
    return {"name": definition.get("name", ""),
            "promised_days": str(definition.get("promised_days", "")),
            "yellow_days": str(definition.get("yellow_days", 1)),
            "fields": fields, "stages": stages}


def rows_posted(form: MultiDict[str, str]) -> dict[str, Any]:
    """The rows as posted (removed ones dropped; one more where a row was asked for)."""
    fields = []
    for i in range(_count(form, "field_rows")):
        p = f"f{i}."
        if form.get(p + "remove"):
            continue
        row = {k: form.get(p + k, "").strip() for k in FIELD_INPUTS}
        row.update({k: bool(form.get(p + k)) for k in FIELD_FLAGS})
        row["departments"] = form.getlist(p + "departments")
        fields.append(row)
    stages = []
    for j in range(_count(form, "stage_rows")):
        p = f"s{j}."
        if form.get(p + "remove"):
            continue
        days = {k[len(p) + 5:]: v.strip() for k, v in form.items()
                if k.startswith(p + "days.") and v.strip()}
        stages.append({"mode": form.get(p + "mode", "all"), "days": days})
    action = form.get("action")
    if action == "add_field":
        fields.append({**{k: "" for k in FIELD_INPUTS}, "type": "string",
                       **{k: False for k in FIELD_FLAGS}, "departments": []})
    if action == "add_stage":
        stages.append({"mode": "all", "days": {}})
    return {"name": form.get("name", "").strip(), "promised_days": form.get("promised_days", ""),
            "yellow_days": form.get("yellow_days", ""), "fields": fields, "stages": stages}


def _count(form: MultiDict[str, str], name: str) -> int:
    raw = form.get(name, "0")
    return min(int(raw), 100) if raw.isdigit() else 0


def definition_of(rows: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The definition the rows say (for ``DraftSchema`` to check), and for each of its
    paths the input a message about it belongs beside."""
    where: dict[str, str] = {}
    form = []
    for i, row in enumerate(rows["fields"]):
        field: dict[str, Any] = {"name": row["name"], "label": row["label"],
                                 "type": row["type"] or "string",
                                 "departments": row["departments"]}
        field.update({k: True for k in FIELD_FLAGS if row[k]})
        if row["options"]:
            field["options"] = [o.strip() for o in _SEPARATORS.split(row["options"]) if o.strip()]
        for bound in ("min", "max"):
            if row[bound]:
                field[bound] = _number(row[bound])
        for key in (*FIELD_INPUTS, *FIELD_FLAGS, "departments"):
            where[f"form.{len(form)}.{key}"] = f"f{i}.{key}"
        where[f"form.{len(form)}"] = f"f{i}.name"
        form.append(field)
    stages = []
    for j, row in enumerate(rows["stages"]):
        tasks = []
        for department, days in row["days"].items():
            where[f"stages.{len(stages)}.tasks.{len(tasks)}"] = f"s{j}.days.{department}"
            tasks.append({"department": department, "days": _number(days)})
        where[f"stages.{len(stages)}"] = f"s{j}.mode"
        stages.append({"mode": row["mode"], "tasks": tasks})
    definition = {"name": rows["name"], "promised_days": _number(rows["promised_days"]),
                  "yellow_days": _number(rows["yellow_days"] or "1"), "form": form,
                  "stages": stages}
    return {k: v for k, v in definition.items() if v != ""}, where


def _number(raw: str) -> int | float | str:
    """A number as typed (``20``, ``0.5``); anything else is passed on for the schema to
    refuse with its message."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    return int(value) if value.is_integer() else value


def placed(errors: Mapping[str, list[str]], where: Mapping[str, str]) -> forms.Errors:
    """Messages beside the rows' inputs: the longest path of ``where`` a key starts with."""
    out: forms.Errors = {}
    paths = sorted(where, key=len, reverse=True)
    for key, messages in errors.items():
        target = next((where[p] for p in paths if key == p or key.startswith(p + ".")), key)
        out.setdefault(target, []).extend(forms.chinese(m) for m in messages)
    return out


# -- The pages ------------------------------------------------------------------------------------


def _editor(item: ServiceItem | None, rows: dict[str, Any], errors: forms.Errors,
            status: int | None = None, code: str = "") -> Any:
    draft = item.draft if item is not None else None
    session = db.session()
    return render_template(
        "admin/item_form.html", nav="items", creating=item is None, item=item, rows=rows,
        code=code, errors=errors, field_count=len(rows["fields"]),
        stage_count=len(rows["stages"]),
        problems=publication.problems(session, draft) if draft else {},
        routing_warnings=catalog.routing_warnings(session, (draft or {}).get("stages")
                                                  or (item.stages if item else [])),
        **_directory()), status or (422 if errors else 200)


def _warn_about_routing(item: ServiceItem) -> None:
    """After a save: the draft's steps nobody could act on, in one warning."""
    warnings = catalog.routing_warnings(db.session(), (item.draft or {}).get("stages")
                                        or item.stages)
    if warnings:
        flash("注意：" + "；".join(w["detail"] for w in warnings)
              + "。请在“工作人员”中为这些部门安排在岗审批人员，否则不能发布。", "warning")


@bp.route("/admin/items/new", methods=["GET", "POST"])
@page("catalog.write")
def admin_item_new() -> Any:
    """A new item, saved as a draft (not offered until published)."""
    if request.method == "GET":
        return _editor(None, rows_of({"yellow_days": 1, "stages": [{"mode": "all", "tasks": []}]}),
                       {})
    rows = rows_posted(request.form)
    code = (request.form.get("code") or "").strip()
    if request.form.get("action") in ("add_field", "add_stage"):
        return _editor(None, rows, {}, code=code)
    definition, where = definition_of(rows)
    errors: forms.Errors = {}
    if not CODE_PATTERN.match(code):
        errors["code"] = ["事项代码只能使用小写字母、数字、下划线和连字符，以字母开头"]
    try:
        loaded = forms.load(DraftSchema(), definition)
        if errors:
            raise ValidationFailed(errors)
        item = publication.create_draft(db.session(), principal(), code, loaded)
    except ValidationFailed as exc:
        db.session().rollback()
        return _editor(None, rows, {**errors, **placed(exc.errors or {}, where)}, code=code)
    except Conflict as exc:
        return _editor(None, rows, {"code": [exc.detail]}, code=code)
    flash(f"已保存办事事项 {item.name} 的草稿：发布后才受理新的申请")
    _warn_about_routing(item)
    return redirect(url_for("web.admin_item_edit", code=item.code))


@bp.route("/admin/items/<string:code>", methods=["GET", "POST"])
@page("catalog.write")
def admin_item_edit(code: str) -> Any:
    """The item's draft (or, without one, its published definition) in the editor;
    "保存草稿" keeps it, "发布" keeps and publishes it when it holds together."""
    session = db.session()
    item = catalog.get_item(session, code)
    if request.method == "GET":
        return _editor(item, rows_of(item.draft or publication.published(item)), {}, code=code)
    rows = rows_posted(request.form)
    action = request.form.get("action")
    if action in ("add_field", "add_stage"):
        return _editor(item, rows, {}, code=code)
    definition, where = definition_of(rows)
    try:
        loaded = forms.load(DraftSchema(), definition)
        item = publication.save_draft(session, principal(), code, loaded)
        if action == "publish":
            item = publication.publish(session, principal(), code)
    except ValidationFailed as exc:
        session.rollback()
        return _editor(catalog.get_item(session, code), rows,
                       placed(exc.errors or {}, where), code=code)
    except Conflict as exc:
        session.rollback()
        return _editor(catalog.get_item(session, code), rows, {"_schema": [exc.detail]},
                       status=409, code=code)
    if action == "publish":
        flash(f"已发布办事事项 {item.name}（第 {item.version} 版）：新受理的办件按此办理，"
              "在办的办件仍按受理时的定义办理")
    else:
        flash(f"已保存 {item.name} 的草稿（未发布：新受理的办件仍按已发布的定义办理）")
        _warn_about_routing(item)
    return redirect(url_for("web.admin_item_edit", code=code))


@bp.route("/admin/items/<string:code>/discard", methods=["POST"])
@page("catalog.write")
def admin_item_discard(code: str) -> Any:
    try:
        publication.discard_draft(db.session(), principal(), code)
    except Conflict as exc:
        flash(exc.detail, "error")
    else:
        flash("已放弃草稿，事项保持已发布的定义")
    return redirect(url_for("web.admin_item_edit", code=code))


@bp.route("/admin/items/<string:code>/availability", methods=["POST"])
@page("catalog.write")
def admin_item_availability(code: str) -> Any:
    """停办/恢复受理, and the centers that take the item."""
    everywhere = request.form.get("everywhere") == "1"
    centers = None if everywhere else request.form.getlist("centers")
    if not everywhere and not centers:
        flash("请至少选择一个受理中心，或选择“全部中心”", "error")
        return redirect(url_for("web.admin_item_edit", code=code))
    item = publication.set_availability(db.session(), principal(), code,
                                        active=request.form.get("active") == "1",
                                        centers=centers)
    names = dict(_directory()["centers"])
    where = "全部中心" if not item.centers else "、".join(names.get(c, c) for c in item.centers)
    flash(f"{item.name}：{'受理新的申请' if item.active else '已停办，不再受理新的申请'}；{where}")
    return redirect(url_for("web.admin_item_edit", code=code))
