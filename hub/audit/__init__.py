"""The append-only, hash-chained audit log. ``audit.record`` is the one writer."""
from hub.audit.services import changes, record

__all__ = ["changes", "record"]
