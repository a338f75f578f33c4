"""What ``hub demo`` prints: the week in figures (aligned for a terminal, where a Chinese
character takes two columns), the addresses and the sign-ins."""
from __future__ import annotations

import datetime as dt
import unicodedata

from hub.demo.report import address_lines, summary_lines
from hub.timezones import SHANGHAI

START = dt.datetime(2026, 11, 30, 8, 30, tzinfo=SHANGHAI)
END = dt.datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI)


def row(center: str, name: str, received: int, red: int, rate: float | None,
        timeliness: float | None = None) -> dict:
    return {"center": center, "name": name, "received": received, "concluded": received // 2,
            "in_progress": received - received // 2, "yellow": 1, "red": red, "overdue": red,
            "on_time_rate": rate, "timeliness_rate": timeliness}


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_the_summary_has_the_week_each_center_and_the_totals_aligned():
    lines = summary_lines(
        seconds=12.34, seed=7, start=START, end=END,
        done={"submitted": 40, "approve": 60, "reject": 2, "scanned": 15},
        cards={"yellow": 5, "red": 3}, runs={"succeeded": 30},
        figures=[row("district", "沈河区政务服务中心", 10, 0, None),
                 row("binhe", "滨河街道政务服务中心", 120, 4, 0.975, 0.9)],
        incident={"failed": 47, "throttled": 5, "locked": ("environment-approver2",)},
        story=["督办：DB-20261203-0001 已答复"])
    text = "\n".join(lines)
    assert "猜密码 47 次失败、5 次被限制" in text and "environment-approver2" in text
    assert "12.3 秒" in text and "种子 7" in text
    assert "2026-11-30（一）" in text and "2026-12-04（五）" in text
    assert "受理 40" in text and "不予许可 2" in text and "扫描 15 次" in text
    assert "亮黄牌 5、红牌 3" in text and "succeeded 30 次" in text
    table = lines[lines.index("") + 1:]
    assert [t.split()[0] for t in table] == ["中心", "沈河区", "滨河街道", "合计"]
    assert "督办：DB-20261203-0001 已答复" in text
    assert table[1].split()[-2:] == ["—", "—"] and table[2].split()[-2:] == ["98%", "90%"]
    assert table[-1].split()[1:] == ["130", "65", "65", "2", "4", "4"]
    # The numbers of every row end in the same terminal columns as the header's.
    ends = {columns(t[:t.index(t.split()[1]) + len(t.split()[1])]) for t in table}
    assert len(ends) == 1, table


def test_the_addresses_and_sign_ins():
    lines = address_lines("http://127.0.0.1:8000", {"daxi": "http://127.0.0.1:9001"},
                          "Demo@2026", END)
    text = "\n".join(lines)
    for address in ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/api/v1",
                    "http://127.0.0.1:8000/openapi.json", "http://127.0.0.1:8000/metrics",
                    "daxi http://127.0.0.1:9001"):
        assert address in text
    assert "Demo@2026" in text and "supervisor" in text and "clerk-district" in text
    assert "2026-12-04 17:30" in text


def test_the_public_sites_week_in_one_line():
    from hub.demo.report import public_lines

    (line,) = public_lines(53, {"booked": 53, "arrived": 40, "no_show": 7, "cancelled": 6,
                                "upcoming": 8}, {"submitted": 30, "passed": 16, "returned": 5,
                                                 "accepted": 4})
    # The week's bookings and next week's are both bookings: the total says so, and the
    # week's parts add up to the week's (40 + 7 + 6 = 53).
    assert line == ("公众服务：53 个窗口；网上预约 61 个（本周 53 个：到场 40，爽约 7，取消 6；"
                    "下周待到 8 个）；"
                    "网上预审 30 件（通过 16，退回 5，已转正式受理 4）")
