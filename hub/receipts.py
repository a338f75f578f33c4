"""Receipt codes (回执码): what a citizen holds, beside a number, to follow a case, a ticket,
an appointment or a pre-review without signing in, and to rate it.

A code is random, shown once (on the receipt), and never stored: only a keyed hash of
it, bound to its number, so a copy of the database gives neither the codes nor a way to
test guesses offline, and one code cannot be moved to another number. Checking is
constant-time, and a number that does not exist is checked against a dummy hash, so a
wrong code and an unknown number take the same path and give the same answer.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

# No 0/O, 1/I/L: read aloud on the hotline or copied from paper, nothing is mistaken.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8  # 31**8 ≈ 8.5e11 codes (≈ 40 bits), behind a rate limit per address
MAX_INPUT = 64  # what a form may send; anything longer is not a code
_EXTENSION = "hub.receipts"


def new_code(length: int = LENGTH) -> str:
    """A fresh random code from ``ALPHABET``."""
    if length < 6:
        raise ValueError("a receipt code has at least 6 characters")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(value: str) -> str:
    """As typed: full-width characters folded (NFKC), spaces and hyphens dropped
    (``ABCD-EFGH`` is how the receipt prints it), upper case."""
    folded = unicodedata.normalize("NFKC", value or "")
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-").upper()


def normalise_number(value: str) -> str:
    """A case or ticket number as typed: NFKC, trimmed, upper case."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def shown(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH``, easier to read out and to copy."""
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) >= 8 else code


class ReceiptCodes:
    """Issues codes and checks them against their stored hashes (HMAC-SHA256 under a key
    derived from ``HUB_PII_KEY``, which is kept with the backups: a code outlives a
    change of ``HUB_SECRET_KEY``)."""

    def __init__(self, key: str) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hub-receipt-v1",
                         info=b"receipt codes").derive(key.encode())
        # What an unknown number is compared with: the same work as a known one.
        self._dummy = self.digest("", new_code())

    def digest(self, number: str, code: str) -> str:
        """The stored form of ``code`` on ``number``."""
        message = f"{normalise_number(number)}\x00{normalise_code(code)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, number: str) -> tuple[str, str]:
        """A new code for ``number``: (the code to print once, the hash to store)."""
        code = new_code()
        return code, self.digest(number, code)

    def matches(self, stored: str | None, number: str, code: str) -> bool:
        """Whether ``code`` is the one issued for ``number``; ``stored`` is None when the
        number is unknown or was given no code. Constant-time either way."""
        if len(code or "") > MAX_INPUT:
            code = ""
        candidate = self.digest(number, code)
        same = hmac.compare_digest(stored if stored is not None else self._dummy, candidate)
        return same and stored is not None


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = ReceiptCodes(app.config["HUB_SETTINGS"].pii_key)


def receipt_codes() -> ReceiptCodes:
    """The application's receipt codes."""
    return current_app.extensions[_EXTENSION]


__all__ = ["ALPHABET", "LENGTH", "ReceiptCodes", "init_app", "new_code", "normalise_code",
           "normalise_number", "receipt_codes", "shown"]
