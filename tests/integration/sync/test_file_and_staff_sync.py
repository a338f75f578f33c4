"""The drop-folder adapter (CSV in GB18030 or UTF-8, with or without BOM, and .xlsx) into
the one database, and synced staff in the one user directory."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select

from adapters.sample.data import RARE
from hub.approvals.models import Application
from hub.directory.models import User
from tests.integration.sync.conftest import counts, point, sync

HEADER = ["业务编号", "事项编码", "申请人", "身份证号", "受理时间", "办理状态", "办结时间", "更新时间"]
FIELDS = {"applications": {"external_id": "业务编号", "service_item": "事项编码",
                           "applicant_name": "申请人", "applicant_id_number": "身份证号",
                           "submitted_at": "受理时间", "status": "办理状态",
                           "concluded_at": "办结时间", "updated_at": "更新时间"}}
ROWS = [
    ["GB-001", "open-restaurant", f"张{RARE[0]}", "210103199001011233", "2026-11-27 09:10:00",
     "在办", "", "2026-11-27 09:10:00"],
    ["GB-002", "open-restaurant", f"欧阳{RARE[1]}{RARE[2]}", "210103198512127778",
     "2026-11-26 14:00:00", "办结", "2026-11-27 16:30:00", "2026-11-27 16:30:00"],
    ["GB-003", "no-such-item", "李四", "210103198512127778", "2026-11-26 14:00:00", "在办", "",
     "2026-11-27 17:00:00"],
]


@pytest.fixture
def drop(app, people, tmp_path):
    people.service_item()
    folder = tmp_path / "drop-binhe"
    folder.mkdir()

    point(app, "binhe", {"kind": "csv_files", "path": str(folder), "encoding": "gb18030",
                         "fields": FIELDS, "batch_size": 2})
    return folder


def write_csv(path, rows, encoding, bom=b""):
    text = "\r\n".join(",".join(r) for r in [HEADER, *rows]) + "\r\n"
    path.write_bytes(bom + text.encode(encoding))


def names(session):
    session.expire_all()
    return {a.external_id: a for a in session.scalars(select(Application))}


@pytest.mark.parametrize("encoding, bom", [("gb18030", b""), ("gb18030", "\ufeff".encode("gb18030")),
                                           ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_chinese_names_arrive_intact_from_csv(app, drop, session, encoding, bom):
    point(app, "binhe", {"kind": "csv_files", "path": str(drop), "encoding": encoding,
                         "fields": FIELDS, "batch_size": 2})
    write_csv(drop / "applications-20261127.csv", ROWS, encoding, bom)
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded", run.error
    assert counts(run) == (3, 2, 0, 0, 1)
    rows = names(session)
    assert rows["GB-001"].applicant_name == f"张{RARE[0]}"
    assert rows["GB-002"].applicant_name == f"欧阳{RARE[1]}{RARE[2]}"
    assert rows["GB-002"].status == "approved"  # 办结, in the center's own words
    # without an offset: Asia/Shanghai, read explicitly at parse time
    assert rows["GB-001"].submitted_at == dt.datetime(2026, 11, 27, 1, 10, tzinfo=dt.timezone.utc)


def test_each_file_is_read_once_oldest_first_and_a_rerun_reads_nothing(app, drop, session):
    write_csv(drop / "applications-20261127.csv", ROWS[:2], "gb18030")
    [first] = sync(app, stream="applications")
    assert counts(first) == (2, 2, 0, 0, 0) and first.cursor_end == "applications-20261127.csv#2"
    [again] = sync(app, stream="applications")
    assert counts(again) == (0, 0, 0, 0, 0)
    changed = [["GB-002", "open-restaurant", "欧阳娜", "210103198512127778", "2026-11-26 14:00:00",
                "不予许可", "2026-11-28 10:00:00", "2026-11-28 10:00:00"]]
    write_csv(drop / "applications-20261128.csv", changed, "gb18030")
    [third] = sync(app, stream="applications")
    assert counts(third) == (1, 0, 1, 0, 0)
    assert names(session)["GB-002"].status == "rejected"


def test_a_file_in_the_wrong_encoding_fails_the_run_clearly(app, drop, session):
    write_csv(drop / "applications-20261127.csv", ROWS[:1], "utf-8")  # Chinese: not ascii
    point(app, "binhe", {"kind": "csv_files", "path": str(drop), "encoding": "ascii",
                         "fields": FIELDS})
    [run] = sync(app, stream="applications")
    assert run.status == "failed" and "ascii" in run.error and names(session) == {}


def test_xlsx_exports_keep_chinese_names_and_dates(app, drop, session):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([1001, "open-restaurant", f"司马{RARE[3]}", "210103199001011233",
                  dt.datetime(2026, 11, 27, 9, 0), "在办", None, dt.datetime(2026, 11, 27, 9, 0)])
    sheet.append([1002, "open-restaurant", "诸葛亮", "210103198501017776",
                  dt.datetime(2026, 11, 25, 9, 0), "已批准", dt.datetime(2026, 11, 27, 11, 0),
                  dt.datetime(2026, 11, 27, 11, 0)])
    book.save(drop / "applications-20261127.xlsx")
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded" and counts(run) == (2, 2, 0, 0, 0), run.error
    rows = names(session)
    assert rows["1001"].applicant_name == f"司马{RARE[3]}"
    assert rows["1002"].status == "approved"
    assert rows["1002"].concluded_at == dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.timezone.utc)


# -- Staff ---------------------------------------------------------------------------------------


def staff(n, **values):
    base = {"external_id": f"E{n}", "username": f"binhe.{n}", "display_name": f"员工{n}",
            "department": None, "roles": "clerk", "status": "active"}
    return {**base, **values}


def test_synced_staff_join_the_directory_and_leavers_are_marked_not_deleted(
        app, http_center, session, people):
    from hub.directory.auth import resolve_token
    from hub.errors import Unauthenticated

    people.department("fire")
    http_center.put_many("staff", [
        staff(1, display_name="王芳"), staff(2, roles="approver;chief", department="fire"),
        staff(3, roles="admin"), staff(4, department="nowhere", roles="approver"),
        staff(5, username=people.clerk().username)])
    [run] = sync(app, stream="staff")
    assert counts(run) == (5, 2, 0, 0, 3), run.error
    users = {u.external_id: u for u in session.scalars(select(User).where(User.source == "binhe"))}
    assert set(users) == {"E1", "E2"}
    assert users["E1"].display_name == "王芳" and users["E1"].center_code == "binhe"
    assert users["E2"].roles == ["approver", "chief"] and users["E2"].password_hash is None
    # a synced account signs in through its center (no hub password); a token the hub
    # issued it works until it leaves
    assert users["E1"].password_hash is None
    token = people.token_for(users["E1"])
    assert resolve_token(session, token).username == "binhe.1"
    http_center.change("staff", "E1", status="left")
    [again] = sync(app, stream="staff")
    assert counts(again) == (1, 0, 1, 0, 0)
    session.expire_all()
    left = session.scalars(select(User).where(User.external_id == "E1")).one()
    assert left.status == "left"  # marked, never deleted
    with pytest.raises(Unauthenticated):
        resolve_token(session, token)
    [nothing] = sync(app, stream="staff", full=True)
    assert counts(nothing) == (5, 0, 0, 2, 3)
