"""The append-only, keyed hash-chained audit log. ``audit.record`` is the one writer."""
from hub.audit.services import changes, init_app, listen, record

__all__ = ["changes", "init_app", "listen", "record"]
