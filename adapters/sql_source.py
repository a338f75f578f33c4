"""A read-only SQLAlchemy source: one query per stream, read in keyset pages.

Each query selects the canonical fields (``SELECT emp_no AS external_id, …``); the
adapter wraps it to page by ``(updated_at, external_id)``, so the composite cursor
never skips records that share a timestamp. The URL comes from the variable
``url_env`` names; the connection is opened read-only.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import validate

from adapters.base import AdapterConfigError, AdapterConfigSchema, AdapterError, BaseAdapter
from hub.sync.source import STREAMS, Page


class SqlConfigSchema(AdapterConfigSchema):
    url_env = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Z_][A-Z0-9_]*$"))
    queries = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(STREAMS)),
                             values=ma.fields.String(validate=validate.Length(min=1)),
                             required=True, validate=validate.Length(min=1))


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return dt.datetime.fromisoformat(value["dt"])
    return value


class SqlAdapter(BaseAdapter):
    kind = "sql"
    config_schema: ClassVar[type[ma.Schema]] = SqlConfigSchema

    def __init__(self, center: str, config: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(center, config, **kwargs)
        self.streams = tuple(s for s in STREAMS if s in self.config["queries"])
        url = os.environ.get(self.config["url_env"])
        if not url:
            raise AdapterConfigError(
                f"中心 {center} 的数据库地址变量 {self.config['url_env']} 未设置（适配器 sql）")
        try:
            self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise AdapterConfigError(f"中心 {center} 的数据库地址无效，请检查变量 "
                                     f"{self.config['url_env']}", technical=str(exc)) from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect",
                            lambda conn, _rec: conn.execute("PRAGMA query_only = ON"))

    def close(self) -> None:
        self.engine.dispose()

    def _statement(self, stream: str, after: bool) -> sa.TextClause:
        where = ("WHERE src.updated_at > :since_updated_at OR (src.updated_at = :since_updated_at"
                 " AND src.external_id > :since_external_id)") if after else ""
        return sa.text(f"SELECT * FROM ({self.config['queries'][stream]}) AS src {where} "
                       "ORDER BY src.updated_at, src.external_id LIMIT :limit")

    def read(self, stream: str, since: str | None) -> Iterator[Page]:
        self.check_stream(stream)
        position = None
        if since:
            try:
                position = [_decode(v) for v in json.loads(since)]
            except (ValueError, TypeError) as exc:
                raise AdapterError(f"无法识别的数据库游标：{since!r}") from exc
        try:
            with self.engine.connect() as connection:
                if self.engine.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                while True:
                    params: dict[str, Any] = {"limit": self.batch_size}
                    if position is not None:
                        params["since_updated_at"], params["since_external_id"] = position
                    rows = connection.execute(self._statement(stream, position is not None),
                                              params).mappings().all()
                    if not rows:
                        return
                    last = rows[-1]
                    position = [last["updated_at"], last["external_id"]]
                    cursor = json.dumps([_encode(v) for v in position], ensure_ascii=False)
                    yield Page(records=self.mapping.apply_all(stream, rows), cursor=cursor)
        except sa.exc.SQLAlchemyError as exc:
            raise AdapterError(_failure(exc), technical=(
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:500]}")) from exc


def _failure(exc: sa.exc.SQLAlchemyError) -> str:
    """What an administrator reads when the center's database cannot be read."""
    if isinstance(exc, sa.exc.OperationalError):  # down, unreachable, file gone, refused
        return "无法连接该中心的业务数据库（数据库未启动、不可达或拒绝了只读账号），请联系该中心检查"
    if isinstance(exc, sa.exc.ProgrammingError):  # a table or column the query names is gone
        return "该中心业务数据库的查询语句与其表结构不符，请核对中心配置中的查询"
    return "读取该中心业务数据库时出错，请联系该中心检查"
