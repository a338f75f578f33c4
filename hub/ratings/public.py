"""Whether a citizen may rate what they look up: the progress views of cases and tickets
gain ``rateable`` (concluded or answered, and not rated yet)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from hub.public.progress import Found, Lookup
from hub.ratings.services import existing, subject_of


def with_rateable(lookup: Lookup) -> Lookup:
    """``lookup`` whose view also says whether the case or ticket can be rated now."""
    def find(session: Session, number: str) -> Found | None:
        found = lookup(session, number)
        if found is None:
            return None

        def view() -> dict[str, object]:
            shown = dict(found.view())
            subject = subject_of(session, number)  # with its rating's id: one statement
            shown["rateable"] = bool(subject and subject.rateable
                                     and existing(session, subject) is None)
            return shown
        return Found(found.code_hash, view)
    return find
