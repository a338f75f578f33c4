"""The nightly drop folder: ``{path}/{stream}-YYYYMMDD.csv`` (or ``.xlsx``), header row
first, in the declared encoding (UTF-8 or GB18030, with a byte-order mark or without).

A run reads every file it has not read before, oldest first. The cursor is the file
and the number of its data rows already committed, so a run that failed half-way
through a file resumes at the next row.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import validate

from adapters.base import AdapterConfigError, AdapterConfigSchema, AdapterError, BaseAdapter
from hub.sync.source import Page

_FILE = re.compile(r"^(?P<stream>[a-z_]+)-(?P<day>\d{8})(?P<suffix>[^.]*)\.(?P<ext>csv|xlsx)$")


class CsvFilesConfigSchema(AdapterConfigSchema):
    path = ma.fields.String(required=True, validate=validate.Length(min=1))
    encoding = ma.fields.String(load_default="utf-8")
    delimiter = ma.fields.String(load_default=",", validate=validate.Length(equal=1))

    @ma.validates("encoding")
    def _known_encoding(self, value: str, data_key: str) -> None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ma.ValidationError(f"未知的编码：{value}") from None


def _parse_cursor(cursor: str | None) -> tuple[str, int] | None:
    if not cursor:
        return None
    name, sep, rows = cursor.rpartition("#")
    if not sep or not rows.isdigit() or not _FILE.match(name):
        raise AdapterError(f"无法识别的文件游标：{cursor!r}")
    return name, int(rows)


class CsvFilesAdapter(BaseAdapter):
    kind = "csv_files"
    config_schema: ClassVar[type[ma.Schema]] = CsvFilesConfigSchema

    def __init__(self, center: str, config: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(center, config, **kwargs)
        folder = Path(self.config["path"])
        if folder.is_absolute():
            self.folder = folder
        else:
            # Relative to the centers file, and inside its folder: ``../..`` leads nowhere.
            root = self.base_dir.resolve()
            self.folder = (root / folder).resolve()
            if not self.folder.is_relative_to(root):
                raise AdapterConfigError(
                    f"中心 {center} 的数据交换目录 {self.config['path']!r} 超出了中心配置文件所在目录")
        # utf-8-sig reads UTF-8 with or without the BOM; for GB18030 the BOM decodes
        # to U+FEFF, which is stripped from the header below.
        encoding = codecs.lookup(self.config["encoding"]).name
        self.encoding = "utf-8-sig" if encoding == "utf-8" else encoding

    def files(self, stream: str) -> list[Path]:
        """The stream's files, oldest first (by the date in the name, then the name)."""
        if not self.folder.is_dir():
            raise AdapterConfigError(f"中心 {self.center} 的数据交换目录不存在：{self.folder}")
        root = self.folder.resolve()
        found = []
        for path in self.folder.iterdir():
            match = _FILE.match(path.name)
            if match and match["stream"] == stream and path.is_file():
                # The center writes this folder: a link out of it (to the hub's own
                # secrets, say) is refused, never read.
                if not path.resolve().is_relative_to(root):
                    raise AdapterError(
                        f"中心 {self.center} 的数据交换目录中的 {path.name} 指向目录之外，已拒绝读取")
                found.append((match["day"], path.name, path))
        return [path for _day, _name, path in sorted(found)]

    def read(self, stream: str, since: str | None) -> Iterator[Page]:
        self.check_stream(stream)
        position = _parse_cursor(since)
        for path in self.files(stream):
            skip = 0
            if position is not None:
                done_name, done_rows = position
                if (_FILE.match(path.name)["day"], path.name) < (  # type: ignore[index]
                        _FILE.match(done_name)["day"], done_name):  # type: ignore[index]
                    continue
                if path.name == done_name:
                    skip = done_rows
            yield from self._pages(stream, path, skip)

    def _pages(self, stream: str, path: Path, skip: int) -> Iterator[Page]:
        batch: list[dict[str, Any]] = []
        offset = 0
        for row in self._rows(path):
            offset += 1
            if offset <= skip:
                continue
            batch.append(self.mapping.apply(stream, row))
            if len(batch) >= self.batch_size:
                yield Page(records=batch, cursor=f"{path.name}#{offset}")
                batch = []
        if batch:
            yield Page(records=batch, cursor=f"{path.name}#{offset}")

    def _rows(self, path: Path) -> Iterator[dict[str, Any]]:
        if path.suffix == ".xlsx":
            yield from _xlsx_rows(path)
            return
        try:
            text = path.read_bytes().decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise AdapterError(
                f"文件 {path.name} 不是声明的编码 {self.config['encoding']}（第 {exc.start} 字节）",
                technical=exc.reason) from exc
        text = text.removeprefix("\ufeff")
        reader = csv.DictReader(io.StringIO(text, newline=""),
                                delimiter=self.config["delimiter"])
        if not reader.fieldnames:
            return
        for row in reader:
            yield {k: v for k, v in row.items() if k is not None}


def _xlsx_rows(path: Path) -> Iterator[dict[str, Any]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise AdapterError(f"无法读取 Excel 文件 {path.name}（文件损坏或不是 xlsx 格式）",
                           technical=f"{type(exc).__name__}: {exc}") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = [str(h).strip() if h is not None else None for h in header]
        for values in rows:
            if all(v is None or v == "" for v in values):
                continue
            yield {name: value for name, value in zip(names, values, strict=False) if name}
    finally:
        workbook.close()
