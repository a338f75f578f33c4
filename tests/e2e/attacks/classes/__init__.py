"""The attack classes, one module each (see ``tests/e2e/attacks/harness.py``); a new
module here is run by the suite and counted in its figures without a line elsewhere."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def all_classes() -> list[ModuleType]:
    """Every class module, in the order they run (ORDER, then name)."""
    modules = [importlib.import_module(f"{__name__}.{info.name}")
               for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.NAME))
