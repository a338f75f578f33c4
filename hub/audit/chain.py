"""The audit chain's cryptography, pure (no framework, no database): the bytes a record's
MAC covers, the keys derived from ``HUB_AUDIT_KEY``, and the signature of an anchor.

A record's ``hash`` is an HMAC-SHA256 under a key that is not in the database, over its
fields and the previous record's hash: whoever can write the database can no longer
recompute the chain after changing, removing or adding a record. Records written before
the chain was keyed (``key_id`` empty) keep their plain SHA-256 and are still checked;
the first keyed record after them covers their last hash, so rewriting them is detected.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (dt.date, uuid.UUID)):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot audit a {type(value).__name__}")


def canonical(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default).encode()


def plain(value: Any) -> Any:
    """JSON-safe and stable: what is hashed is exactly what is stored and read back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


@dataclasses.dataclass(frozen=True)
class AuditKey:
    """The keys derived from one ``HUB_AUDIT_KEY``: one for records, one for anchors (so
    a MAC of one kind is never taken for the other), and a public id stored beside each
    record to say which key made it."""

    id: str
    records: bytes = dataclasses.field(repr=False)
    anchors: bytes = dataclasses.field(repr=False)

    @classmethod
    def derive(cls, secret: str) -> AuditKey:
        if not secret:
            raise ValueError("an audit key cannot be empty")
        raw = secret.encode()

        def part(label: bytes) -> bytes:
            return hmac.new(raw, label, hashlib.sha256).digest()

        return cls(id=part(b"hub audit key id").hex()[:12], records=part(b"hub audit records"),
                   anchors=part(b"hub audit anchors"))


class KeyRing:
    """The current key (it makes every new MAC) and earlier ones (they only verify)."""

    def __init__(self, current: AuditKey, previous: Iterable[AuditKey] = ()) -> None:
        self.current = current
        self._by_id = {k.id: k for k in (*previous, current)}

    @classmethod
    def from_secrets(cls, current: str, previous: Iterable[str] = ()) -> KeyRing:
        return cls(AuditKey.derive(current), [AuditKey.derive(s) for s in previous if s])

    def get(self, key_id: str) -> AuditKey | None:
        return self._by_id.get(key_id)


def legacy_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """How records were hashed before the chain was keyed (plain SHA-256)."""
    return hashlib.sha256(canonical({**fields, "prev_hash": prev_hash})).hexdigest()


def keyed_hash(key: AuditKey, prev_hash: str, fields: Mapping[str, Any]) -> str:
    """A record's MAC: its fields and the previous record's hash, under the key."""
    body = canonical({**fields, "key_id": key.id, "prev_hash": prev_hash})
    return hmac.new(key.records, body, hashlib.sha256).hexdigest()


def sign_anchor(key: AuditKey, payload: Mapping[str, Any]) -> dict[str, Any]:
    """An anchor (the chain heads at a moment) with its signature."""
    body = {k: v for k, v in payload.items() if k not in ("key_id", "signature")}
    body["key_id"] = key.id
    signature = hmac.new(key.anchors, canonical(body), hashlib.sha256).hexdigest()
    return {**body, "signature": signature}


def anchor_is_genuine(keys: KeyRing, anchor: Mapping[str, Any]) -> bool:
    """Whether an anchor's signature was made by one of ``keys`` over what it says."""
    key = keys.get(str(anchor.get("key_id", "")))
    signature = anchor.get("signature")
    if key is None or not isinstance(signature, str):
        return False
    body = {k: v for k, v in anchor.items() if k != "signature"}
    expected = hmac.new(key.anchors, canonical(body), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
