"""The administrator's guide and hall pages, and the officials' page of the public site's
figures (the guides' coverage, appointments and no-shows per center)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from hub import db
from hub.appointments import services as appointments
from hub.catalog import services as catalog
from hub.catalog.schemas import GuideSchema
from hub.errors import ValidationFailed
from hub.hall import floorplan
from hub.hall import services as hall
from hub.hall.schemas import WindowSchema
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.present import names

SEPARATORS = ("｜", "|")


def _cells(line: str, count: int) -> list[str]:
    for separator in SEPARATORS:
        line = line.replace(separator, "|")
    cells = [c.strip() for c in line.split("|")]
    return (cells + [""] * count)[:count]


def materials_from_text(text: str) -> list[dict[str, Any]]:
    """One material a line: 名称｜份数｜原件或复印件｜说明 (what is left out takes its default)."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, copies, kind, note = _cells(line, 4)
        row: dict[str, Any] = {"name": name, "original": kind.strip() == "原件", "note": note}
        row["copies"] = int(copies) if copies.isdigit() else (copies or 1)
        rows.append(row)
    return rows


def materials_to_text(materials: list[dict[str, Any]]) -> str:
    return "\n".join(f"{m['name']}｜{m.get('copies', 1)}｜{'原件' if m.get('original') else '复印件'}"
                     f"｜{m.get('note', '')}" for m in materials)


def windows_from_text(text: str) -> list[dict[str, Any]]:
    """One window a line: 窗口号｜楼层｜名称｜事项代码（逗号分隔）｜每半天预约量."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        window, floor, name, items, capacity = _cells(line, 5)
        rows.append({"window": window, "name": name,
                     "floor": int(floor) if floor.lstrip("-").isdigit() else floor,
                     "service_items": [i.strip() for i in items.replace("，", ",").split(",")
                                       if i.strip()],
                     "capacity_per_slot": int(capacity) if capacity.isdigit() else (
                         capacity or 0)})
    return rows


def windows_to_text(windows: list[Any]) -> str:
    return "\n".join(f"{w.window}｜{w.floor}｜{w.name}｜{','.join(w.service_items)}｜"
                     f"{w.capacity_per_slot}" for w in windows)


@bp.route("/admin/items/<string:code>/guide", methods=["GET", "POST"])
@page("catalog.write")
def admin_guide(code: str) -> Any:
    """An item's guide: time limit in law, fee, basis, materials (one a line)."""
    session = db.session()
    item = catalog.get_item(session, code)
    guide = item.guide or {}
    texts = {"legal_days": str(guide.get("legal_days") or ""), "fee": guide.get("fee") or "",
             "basis": guide.get("basis") or "",
             "materials": materials_to_text(guide.get("materials") or [])}
    errors: forms.Errors = {}
    if request.method == "POST":
        texts = {k: request.form.get(k, "") for k in texts}
        legal = texts["legal_days"].strip()
        values = {"legal_days": int(legal) if legal.isdigit() else (legal or None),
                  "fee": texts["fee"].strip() or None, "basis": texts["basis"].strip() or None,
                  "materials": materials_from_text(texts["materials"])}
        try:
            catalog.set_guide(session, principal(), code, forms.load(GuideSchema(), values))
        except ValidationFailed as exc:
            errors = forms.place(exc.errors, ["legal_days", "fee", "basis", "materials"])
        else:
            flash(f"已保存“{item.name}”的办事指南")
            return redirect(url_for("web.admin_guide", code=code))
    missing = hall.missing_parts(item.guide, len(hall.guide_of(session, code)["windows"]))
    return render_template("admin/guide.html", nav="items", item=item, texts=texts,
                           errors=errors, missing=missing), 422 if errors else 200


def _line_of(key: str) -> str:
    """``3.service_items`` → ``第 4 行（service_items）：``."""
    index, _, name = key.partition(".")
    return f"第 {int(index) + 1} 行（{name}）：" if index.isdigit() else ""


@bp.route("/admin/hall")
@page("hall.write")
def admin_hall() -> Any:
    session = db.session()
    centers = [(c, len(hall.windows_of(session, c.code))) for c in hall.public_centers(session)]
    return render_template("admin/hall.html", nav="hall", centers=centers)


@bp.route("/admin/hall/<string:center>", methods=["GET", "POST"])
@page("hall.write")
def admin_hall_center(center: str) -> Any:
    """A center's windows, one a line; the floor plan drawn from them to check."""
    session = db.session()
    chosen = hall.get_center(session, center)
    text = windows_to_text(hall.windows_of(session, center))
    errors: forms.Errors = {}
    if request.method == "POST":
        text = request.form.get("windows", "")
        try:
            loaded = forms.load(WindowSchema(many=True), windows_from_text(text))
            hall.replace_windows(session, principal(), center, loaded)
        except ValidationFailed as exc:
            errors = {"windows": [f"{_line_of(key)}{forms.chinese(message)}"
                                  for key, messages in (exc.errors or {}).items()
                                  for message in messages]}
        else:
            flash(f"已保存{chosen.name}的窗口")
            return redirect(url_for("web.admin_hall_center", center=center))
    plans = floorplan.floor_plans(hall.spots(hall.windows_of(session, center)))
    return render_template("admin/hall_center.html", nav="hall", center=chosen, text=text,
                           errors=errors, plans=plans, names=names()), 422 if errors else 200


@bp.route("/dashboard/online")
@page("public_services.read")
def online_services() -> Any:
    """网上服务 for officials: the guides' coverage, appointments and no-shows per center."""
    session = db.session()
    try:
        start = dt.date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        start = None
    try:
        end = dt.date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        end = None
    return render_template("dashboard/online.html", nav="online",
                           coverage=hall.coverage(session),
                           figures=appointments.figures(session, start, end),
                           start=start, end=end)
