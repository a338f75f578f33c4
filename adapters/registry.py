"""The adapter kinds, a dict filled from the ``hub.adapters`` entry points (setup.cfg)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from adapters.base import AdapterConfigError, BaseAdapter

GROUP = "hub.adapters"


@functools.cache
def kinds() -> dict[str, type[BaseAdapter]]:
    """Every installed kind of adapter, by name."""
    found: dict[str, type[BaseAdapter]] = {}
    for entry in entry_points(group=GROUP):
        adapter = entry.load()
        if not (isinstance(adapter, type) and issubclass(adapter, BaseAdapter)):
            raise TypeError(f"entry point {entry.name} in {GROUP} is not a BaseAdapter")
        found[entry.name] = adapter
    return found


def build_adapter(center: str, config: Mapping[str, Any] | None, *,
                  base_dir: Path | None = None) -> BaseAdapter:
    """The adapter a center's stanza in the centers file describes."""
    if not config:
        raise AdapterConfigError(f"中心 {center} 没有配置适配器")
    kind = config.get("kind")
    adapter = kinds().get(str(kind))
    if adapter is None:
        known = "、".join(sorted(kinds())) or "（无）"
        raise AdapterConfigError(f"中心 {center} 的适配器类型 {kind!r} 未知；可用：{known}")
    return adapter(center, config, base_dir=base_dir)


def centers_folder(centers_config: str) -> Path:
    """Relative paths in a centers file (drop folders) are relative to the file."""
    if centers_config:
        return Path(centers_config).resolve().parent
    return Path(__file__).resolve().parent


def source_factory(settings: Any) -> Callable[[str, Mapping[str, Any]], BaseAdapter]:
    """The factory the composition root hands the hub's sync: a center's stanza → its
    adapter, pages as large as the configured batch unless the stanza says otherwise.
    A partial of a module-level function: the sync's preparation process unpickles it."""
    return functools.partial(_build, centers_folder(settings.centers_config),
                             settings.sync_batch_size)


def _build(base_dir: Path, batch_size: int, center: str, config: Mapping[str, Any]
           ) -> BaseAdapter:
    stanza = dict(config)
    if stanza.get("batch_size") is None:
        stanza["batch_size"] = batch_size
    return build_adapter(center, stanza, base_dir=base_dir)
