"""The domain's own exceptions: what a rule of the hub refuses, said without HTTP.

The pure core (the routing engine, the calendar, the formulas) and the services raise
these; ``hub.errors`` maps each kind to its problem+json status in one table, so the
domain never imports the web's error types.
"""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused what was asked; ``detail`` says why, in Chinese, for
    the person who asked."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class StateConflict(DomainError):
    """The case, task or object is not in a state that allows this step."""
