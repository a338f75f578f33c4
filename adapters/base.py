"""The adapter contract: a config schema, the streams, and ``read(stream, since)``.

Like a Singer tap: each stream is read from a saved bookmark (the cursor) in pages,
each page carrying the cursor just past its last record, so the runner can commit a
page and its cursor together. A new kind of source is one module subclassing
``BaseAdapter`` and one entry point in ``setup.cfg``.
"""
from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import validate

from adapters.mapping import RecordMapping
from hub.sync.source import STREAMS, Page, SourceError


class AdapterError(SourceError):
    """The source answered, but not with something the hub can use."""


class AdapterConfigError(AdapterError):
    """The center's adapter stanza in the centers file is wrong or incomplete."""


class AdapterUnavailable(AdapterError):
    """The source could not be reached, or kept failing after the retries."""


class AdapterAuthError(AdapterError):
    """The source refused the hub's credentials (401/403): retrying will not help."""


class AdapterConfigSchema(ma.Schema):
    """What every kind accepts; each kind adds its own fields."""

    class Meta:
        unknown = ma.RAISE

    kind = ma.fields.String(required=True)
    batch_size = ma.fields.Integer(load_default=None, allow_none=True,
                                   validate=validate.Range(min=1, max=10_000))
    # Per stream, canonical field -> the source's own column name.
    fields = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(STREAMS)),
                            values=ma.fields.Dict(keys=ma.fields.String(),
                                                  values=ma.fields.String()),
                            load_default=dict)
    # Per canonical field, the source's own value -> the canonical value (e.g. 办结 -> approved).
    values = ma.fields.Dict(keys=ma.fields.String(),
                            values=ma.fields.Dict(keys=ma.fields.String(),
                                                  values=ma.fields.Raw()),
                            load_default=dict)


class BaseAdapter(abc.ABC):
    """One center's source of records."""

    kind: ClassVar[str]
    config_schema: ClassVar[type[ma.Schema]] = AdapterConfigSchema
    streams: tuple[str, ...] = STREAMS
    default_batch_size: ClassVar[int] = 1000

    def __init__(self, center: str, config: Mapping[str, Any], *,
                 base_dir: Path | None = None) -> None:
        self.center = center
        self.base_dir = base_dir or Path.cwd()
        try:
            self.config: dict[str, Any] = self.config_schema().load(dict(config))
        except ma.ValidationError as exc:
            raise AdapterConfigError(
                f"中心 {center} 的适配器配置有误（{self.kind}）：{exc.messages}") from exc
        self.batch_size: int = self.config.get("batch_size") or self.default_batch_size
        self.mapping = RecordMapping(self.config.get("fields") or {},
                                     self.config.get("values") or {})

    def check_stream(self, stream: str) -> None:
        if stream not in self.streams:
            raise AdapterError(f"中心 {self.center} 的数据源没有数据流 {stream}")

    @abc.abstractmethod
    def read(self, stream: str, since: str | None) -> Iterator[Page]:
        """Pages of ``stream`` changed after ``since``, in change order, each with the
        cursor just past its last record; stops when the source has nothing more."""

    def close(self) -> None:
        """Release connections (the runner calls it when a run ends)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} center={self.center}>"
