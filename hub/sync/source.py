"""What the sync runner needs from a source of records, and nothing more.

The hub never imports ``adapters``: the composition root (``hub.app``) registers a
factory that turns a center's adapter configuration into a ``SyncSource``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

# The streams a center's system offers: its staff and its cases.
STREAMS = ("staff", "applications")


@dataclasses.dataclass(frozen=True)
class Page:
    """Records in change order, and the cursor just past the last of them."""

    records: list[dict[str, Any]]
    cursor: str | None


class SyncSource(Protocol):
    streams: tuple[str, ...]

    def read(self, stream: str, since: str | None) -> Iterator[Page]:
        """Pages of ``stream`` changed since the cursor ``since`` (None: from the start),
        until the source has nothing more."""
        ...

    def close(self) -> None:
        ...


# (center code, the center's adapter configuration) -> a source of records. It must
# pickle (a module-level function, or a partial of one): the preparation process opens
# the source again on its side.
SourceFactory = Callable[[str, Mapping[str, Any]], SyncSource]


@dataclasses.dataclass(frozen=True)
class SourceSpec:
    """A center's source as something any process can open."""

    factory: SourceFactory
    center: str
    config: Mapping[str, Any]

    def open(self) -> SyncSource:
        return self.factory(self.center, self.config)


class SourceError(Exception):
    """A source could not be read (unreachable, refused, misconfigured, malformed answer).
    The run fails with this message and keeps what it committed.

    The message is what the administrator reads on the sync page and in the API's
    ``error``: Chinese, saying what went wrong and where to look. The driver's or the
    server's own words (English exception text, a response body) go in ``technical``,
    kept in the logs and the run's audit record, never shown as the run's error."""

    def __init__(self, message: str, *, technical: str | None = None) -> None:
        super().__init__(message)
        self.technical = technical
