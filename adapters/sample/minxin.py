"""A stand-in for 民心网's case export, as the district receives it: GB18030 CSV with the
platform's own Chinese headers (the platform's format, not the hub's: the hub's import,
hub/tickets/minxin.py, reads it and its usual variants)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

# 民心网's columns, in its order; the values of each row are keyed by these headers.
HEADERS = ("民心网编号", "受理时间", "类型", "主题", "内容", "姓名", "联系电话", "街道")


def export(rows: Iterable[Mapping[str, str]]) -> bytes:
    """The cases as 民心网 exports them: a header row, one row per case, GB18030."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(header, "") for header in HEADERS])
    return out.getvalue().encode("gb18030")
