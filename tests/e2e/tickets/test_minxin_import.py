"""民心网 exports received as tickets, on SQLite and PostgreSQL: through the service and
through the operator's page. Each case a ticket the operator owns at its center, due from
民心网's own receipt, stored with its 民心网 number; the same file twice receives nothing
new (also two imports at once); bad rows refused beside good ones with their reasons;
every ticket audited as received, the import audited once with its counts."""
from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import openpyxl
import pytest
from sqlalchemy import func, select

from hub import db as hub_db
from hub.audit.models import AuditRecord
from hub.directory.auth import principal_for
from hub.errors import PermissionDenied
from hub.tickets import minxin
from hub.tickets.imports import import_minxin
from hub.tickets.models import Ticket
from tests.e2e.web.pages import csrf_token, fresh, signed_in

HEADER = ["民心网编号", "受理时间", "类型", "主题", "内容", "姓名", "联系电话", "街道"]
PHONE = "13912345678"


def row(number: str, **overrides: object) -> list[object]:
    values: dict[str, object] = {
        "民心网编号": number, "受理时间": "2026-11-27 16:30", "类型": "投诉", "主题": "饭店油烟扰民",
        "内容": "楼下饭店油烟直排，晚上十点后仍在营业", "姓名": "赵六", "联系电话": PHONE,
        "街道": "滨河街道"}
    values.update(overrides)
    return [values[h] for h in HEADER]


def csv_export(rows: list[list[object]], encoding: str = "gb18030") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_export(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Three good rows (full-width digits, a blank street) around a bad one.
MIXED = [
    row("MX2026112700001"),
    row("MX2026112700002", 联系电话="12345", 类型="表扬", 主题=""),
    row("MX2026112700003", 类型="咨询", 主题="开饭店要什么材料", 内容="咨询开办餐饮店所需材料",
        联系电话="１３８ ００１３ ８０００", 街道=""),
    row("MX2026112700004", 类型="建议", 主题='=HYPERLINK("http://evil.example","点我")',
        受理时间="2026/11/30 8:05"),
]


def _tickets(session) -> list[Ticket]:
    return session.scalars(select(Ticket).order_by(Ticket.number)).all()


def _imports(session) -> list[AuditRecord]:
    return session.scalars(select(AuditRecord).where(
        AuditRecord.action == "ticket.minxin_imported").order_by(AuditRecord.id)).all()


def _operator(session, cc):
    return principal_for(session.merge(cc.operator.user))


@pytest.fixture
def service(app):
    """A session of the app's factory, as the page and the command use."""
    with hub_db.get_database(app).session_scope() as made:
        yield made


def test_a_gb18030_export_becomes_tickets_the_operator_owns_due_from_minxins_receipt(
        cc, service, session):
    report = import_minxin(service, _operator(service, cc), csv_export(MIXED),
                           filename="民心网导出.csv")
    assert report.counts() == {"rows": 4, "received": 3, "already_imported": 0, "refused": 1}
    assert [(i.row, i.number, i.ticket) for i in report.received] == [
        (2, "MX2026112700001", "RX20261130-0001"), (4, "MX2026112700003", "RX20261130-0002"),
        (5, "MX2026112700004", "RX20261130-0003")]
    [bad] = report.refused
    assert (bad.row, bad.number) == (3, "MX2026112700002")
    assert bad.lines() == ["类型：类型应为 咨询、投诉、建议", "主题：此项为必填项",
                           "联系电话：电话号码应为 11 位手机号或带区号的固定电话"]
    first = cc.get(str(report.received[0].ticket_id)).json
    assert (first["channel"], first["owner"], first["center"], first["status"]) == \
        ("minxin", "op.binhe", "binhe", "open")
    # Received by 民心网 on Friday 27 November: a complaint's ten working days run from then.
    assert first["received_at"] == "2026-11-27T16:30:00+08:00"
    assert first["due_at"] == "2026-12-11T23:59:59+08:00"
    assert first["caller"] == {"name": "赵*", "phone": "139****5678"}
    assert [h["action"] for h in first["history"]] == ["ticket.received"]
    assert first["history"][0]["after"]["external_number"] == "MX2026112700001"
    consultation = cc.get(str(report.received[1].ticket_id)).json
    assert consultation["center"] == "binhe"  # no street: the operator's center
    assert consultation["due_at"] == "2026-12-02T23:59:59+08:00"
    assert consultation["caller"]["phone"] == "138****8000"  # full-width digits folded
    formula_like = cc.get(str(report.received[2].ticket_id)).json
    assert formula_like["subject"] == '=HYPERLINK("http://evil.example","点我")'  # text, as sent
    rows = _tickets(session)
    assert [(t.external_number, t.channel, t.receipt_code_hash) for t in rows] == [
        ("MX2026112700001", "minxin", None), ("MX2026112700003", "minxin", None),
        ("MX2026112700004", "minxin", None)]
    assert all(PHONE not in (t.caller_phone_encrypted or "") for t in rows)
    received = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "ticket.received")).all()
    assert {(r.target_type, r.target_id, r.actor) for r in received} == {
        ("ticket", str(t.id), "op.binhe") for t in rows}
    [whole] = _imports(session)
    assert (whole.target_type, whole.center, whole.actor) == ("minxin_import", "binhe", "op.binhe")
    assert whole.after == {"rows": 4, "received": 3, "already_imported": 0, "refused": 1,
                           "file": "民心网导出.csv", "refused_rows": [3],
                           "tickets": ["RX20261130-0001", "RX20261130-0002", "RX20261130-0003"]}
    for record in session.scalars(select(AuditRecord)):
        assert PHONE not in f"{record.before}{record.after}"
        assert "赵六" not in f"{record.before}{record.after}"


def test_importing_the_same_cases_again_receives_nothing_new(cc, service, session):
    operator = _operator(service, cc)
    import_minxin(service, operator, csv_export(MIXED))
    before = [(t.id, t.version) for t in _tickets(session)]
    # The same file again, then the same cases as a workbook with one more.
    again = import_minxin(service, operator, csv_export(MIXED))
    assert again.counts() == {"rows": 4, "received": 0, "already_imported": 3, "refused": 1}
    assert [i.ticket for i in again.already] == [
        "RX20261130-0001", "RX20261130-0002", "RX20261130-0003"]
    workbook = import_minxin(service, operator, xlsx_export(
        [MIXED[0], MIXED[2], row("MX2026112700005", 联系电话=13800138000)]))
    assert workbook.counts() == {"rows": 3, "received": 1, "already_imported": 2, "refused": 0}
    after = [(t.id, t.version) for t in _tickets(session)]
    assert after[:3] == before and len(after) == 4
    assert [r.after["received"] for r in _imports(session)] == [3, 0, 1]


def test_a_case_another_center_imported_is_not_named_to_this_operator(cc, service, session):
    import_minxin(service, principal_for(service.merge(cc.other.user)),
                  csv_export([row("MX1", 街道="大西")]))
    report = import_minxin(service, _operator(service, cc), csv_export([row("MX1", 街道="大西")]))
    assert report.counts()["already_imported"] == 1
    assert (report.already[0].ticket, report.already[0].ticket_id) == (None, None)


def test_a_row_of_another_center_is_refused_to_this_centers_operator(cc, service, session):
    report = import_minxin(service, _operator(service, cc),
                           csv_export([row("MX1", 街道="大西街道"), row("MX2")]))
    assert [i.number for i in report.received] == ["MX2"]
    [refused] = report.refused
    assert refused.row == 2 and "该件属大西街道政务服务中心" in refused.lines()[0]
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_only_operators_import_and_a_bad_file_writes_nothing(cc, service, session):
    for who in (cc.clerk, cc.supervisor, cc.admin):
        with pytest.raises(PermissionDenied):
            import_minxin(service, principal_for(service.merge(who.user)), csv_export(MIXED))
    with pytest.raises(minxin.ExportError, match="缺少列"):
        import_minxin(service, _operator(service, cc), "民心网编号,主题\nMX1,油烟\n".encode())
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert _imports(session) == []


# SQLite runs one writing transaction at a time (BEGIN IMMEDIATE): the race is PostgreSQL's.
@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_imports_of_one_file_at_once_receive_each_case_once(app, cc, session):
    data = csv_export([row(f"MX{n:03d}") for n in range(20)])
    reports = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            with app.app_context(), hub_db.get_database(app).session_scope() as own:
                operator = _operator(own, cc)
                barrier.wait(timeout=10)
                reports.append(import_minxin(own, operator, data))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(r.counts()["received"] + r.counts()["already_imported"] for r in reports) == \
        [20, 20]
    assert sum(r.counts()["received"] for r in reports) == 20
    numbers = session.scalars(select(Ticket.external_number)).all()
    assert sorted(numbers) == [f"MX{n:03d}" for n in range(20)]


# -- The page --------------------------------------------------------------------------------


def _upload(client, data: bytes, name: str, token: str) -> object:
    return fresh(client, "POST", "/desk/minxin", content_type="multipart/form-data",
                 data={"csrf_token": token, "file": (io.BytesIO(data), name)})


def test_the_desk_offers_the_import_and_the_page_shows_the_summary(client, cc, session):
    signed_in(client, cc.operator)
    desk = fresh(client, "GET", "/desk").get_data(as_text=True)
    assert "导入民心网工单" in desk and 'enctype="multipart/form-data"' in desk
    assert 'action="/desk/minxin"' in desk and "民心网编号" in desk
    token = csrf_token(client, "/desk")
    workbook = xlsx_export([
        row("MX1", 受理时间=dt.datetime(2026, 11, 27, 16, 30), 联系电话=13912345678),
        row("MX2", 主题="=SUM(1,2)"),  # a formula cell: refused
        row("MX3", 姓名="   ", 内容="楼下\u202e饭店"),
        row("MX4", 类型="建议", 主题="建议周末开放窗口", 街道=None)])
    response = _upload(client, workbook, "民心网.xlsx", token)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-count="received">2<' in page and 'data-count="refused">2<' in page
    assert "第 3 行" in page and "单元格是公式" in page
    assert "第 4 行" in page and "姓名：此项为必填项" in page and "双向文本控制符（U+202E" in page
    assert "RX20261130-0001" in page and "RX20261130-0002" in page
    again = _upload(client, workbook, "民心网.xlsx", token).get_data(as_text=True)
    assert 'data-count="received">0<' in again and 'data-count="already">2<' in again
    assert session.scalar(select(func.count()).select_from(Ticket)) == 2
    ticket = session.scalars(select(Ticket).where(Ticket.external_number == "MX1")).one()
    detail = fresh(client, "GET", f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "民心网编号" in detail and "MX1" in detail and "民心网" in detail


def test_the_page_refuses_a_file_it_cannot_read_beside_the_input(client, cc, session):
    signed_in(client, cc.operator)
    token = csrf_token(client, "/desk/minxin")
    old_excel = _upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.xls", token)
    assert old_excel.status_code == 422
    assert "旧版 Excel" in old_excel.get_data(as_text=True)
    nothing = fresh(client, "POST", "/desk/minxin", data={"csrf_token": token})
    assert nothing.status_code == 422 and "请选择要导入的民心网导出文件" in nothing.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert _imports(session) == []


def test_the_page_is_for_operators_with_its_form_token(client, cc, session):
    data = csv_export([row("MX1")])
    assert fresh(client, "GET", "/desk/minxin").status_code == 302  # sign in first
    signed_in(client, cc.operator)
    no_token = fresh(client, "POST", "/desk/minxin", content_type="multipart/form-data",
                     data={"file": (io.BytesIO(data), "a.csv")})
    assert no_token.status_code == 400
    other = client.application.test_client()
    token = signed_in(other, cc.clerk)
    assert "导入民心网工单" not in fresh(other, "GET", "/desk").get_data(as_text=True)
    refused = _upload(other, data, "a.csv", token)
    assert refused.status_code == 403
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert _imports(session) == []


def test_the_import_is_no_endpoint_of_the_api(app):
    assert not [rule.rule for rule in app.url_map.iter_rules()
                if rule.rule.startswith("/api/") and "minxin" in rule.rule]


def test_a_case_imported_between_the_lookup_and_its_receipt_is_counted_once(
        cc, service, session, monkeypatch):
    from hub.tickets import imports

    operator = _operator(service, cc)
    import_minxin(service, operator, csv_export([row("MX1")]))
    looked_up = imports._existing
    calls = []

    def too_early(*args, **kwargs):  # the first look happens before the other import
        calls.append(1)
        return {} if len(calls) == 1 else looked_up(*args, **kwargs)

    monkeypatch.setattr(imports, "_existing", too_early)
    report = import_minxin(service, operator, csv_export([row("MX1"), row("MX2")]))
    assert report.counts() == {"rows": 2, "received": 1, "already_imported": 1, "refused": 0}
    assert report.already[0].ticket == "RX20261130-0001"
    assert sorted(session.scalars(select(Ticket.external_number))) == ["MX1", "MX2"]
