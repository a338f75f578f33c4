"""`hub tickets import-minxin` as an operator's script runs it: a real subprocess on each
backend, a GB18030 export with a bad row, then the same file again."""
from __future__ import annotations

import csv
import io

from tests.integration.test_cli import count, run  # noqa: F401  (the fixture)

HEADER = ["民心网编号", "受理时间", "类型", "主题", "内容", "姓名", "联系电话", "街道"]
ROWS = [
    ["MX2025060200001", "2025-06-02 10:15", "投诉", "饭店油烟扰民", "楼下饭店油烟直排", "赵六",
     "13912345678", "滨河街道"],
    ["MX2025060200002", "2025-06-02 10:20", "咨询", "", "开饭店要什么材料", "钱七", "123", ""],
    ["MX2025060200003", "2025/6/3 9:00", "建议", "建议周末开放窗口", "上班族没时间", "孙八",
     "１３８００１３８０００", ""],
]


def _export(path) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    path.write_bytes(out.getvalue().encode("gb18030"))


def test_import_minxin_prints_progress_and_a_summary_and_is_idempotent(run, tmp_path):  # noqa: F811
    run("init")
    run("user", "add", "op.binhe", "--center", "binhe", "--role", "operator",
        "--password-stdin", stdin="a long password\n")
    export = tmp_path / "民心网导出.csv"
    _export(export)
    first = run("tickets", "import-minxin", str(export), "--operator", "op.binhe", check=False)
    assert first.returncode == 1, first.stderr  # a row was refused
    assert "共 3 行，新受理 2 件，已导入过 0 件，未导入 1 行" in first.stdout
    assert "第 2 行 MX2025060200001 → RX" in first.stdout
    assert "未导入 第 3 行 MX2025060200002：主题：此项为必填项；联系电话：" in first.stderr
    assert count(run.database_url, "tickets",
                 "channel = 'minxin' AND owner = 'op.binhe' AND center_code = 'binhe'") == 2
    again = run("tickets", "import-minxin", str(export), "--operator", "op.binhe", check=False)
    assert "新受理 0 件，已导入过 2 件，未导入 1 行" in again.stdout
    assert count(run.database_url, "tickets") == 2
    assert count(run.database_url, "audit_records", "action = 'ticket.minxin_imported'") == 2
    verified = run("audit", "verify")
    assert "problems: 0" in verified.stdout


def test_import_minxin_refuses_an_unknown_operator_or_an_unreadable_file(
        run, tmp_path):  # noqa: F811
    run("init")
    export = tmp_path / "a.csv"
    _export(export)
    nobody = run("tickets", "import-minxin", str(export), "--operator", "nobody", check=False)
    assert nobody.returncode == 1 and "没有在岗的账号 nobody" in nobody.stderr
    run("user", "add", "clerk.binhe", "--center", "binhe", "--role", "clerk",
        "--password-stdin", stdin="a long password\n")
    clerk = run("tickets", "import-minxin", str(export), "--operator", "clerk.binhe", check=False)
    assert clerk.returncode == 1 and "无权导入民心网工单" in clerk.stderr
    run("user", "add", "op.binhe", "--center", "binhe", "--role", "operator",
        "--password-stdin", stdin="a long password\n")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    refused = run("tickets", "import-minxin", str(old), "--operator", "op.binhe", check=False)
    assert refused.returncode == 1 and "旧版 Excel" in refused.stderr
    assert count(run.database_url, "tickets") == 0
