"""What delivery needs from a department's system, and nothing more: the port.

The domain never imports ``adapters``: the composition root (``hub.app``) puts a
``Sender`` in ``app.extensions[SENDER]`` (``adapters.outbound.send``, over HTTP).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

SENDER = "hub.delivery.sender"


class Sender(Protocol):
    def __call__(self, endpoint: Mapping[str, Any], key: str, body: Mapping[str, Any]) -> int:
        """Hand ``body`` to the system that ``endpoint`` (a department's ``endpoint``
        configuration) describes, under the idempotency ``key``; the status code it
        answered. Raises ``TransientFailure`` or ``PermanentFailure``."""
        ...


class DeliveryFailure(Exception):
    """The department system did not take the task; ``status_code`` when it answered."""

    def __init__(self, reason: str, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.status_code = status_code


class TransientFailure(DeliveryFailure):
    """A timeout, a refused connection, a 5xx or a 429: worth another try later."""


class PermanentFailure(DeliveryFailure):
    """Refused in a way no retry can fix (a 401, 403 or other 4xx; a configuration that
    cannot work)."""
