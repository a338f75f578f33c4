"""Citizens' personal data: encrypted at rest, a keyed hash for look-ups, masked when shown."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app


# A value written by AES-256-GCM: the prefix, then base64url(nonce + ciphertext + tag).
# Values without it are Fernet tokens, written before; they still read.
_GCM = "v2:"
_NONCE = 12


class PiiCipher:
    """AES-256-GCM for the value (authenticated, a fresh random nonce each time; cheaper
    than Fernet, which the sync's first loads feel: docs/BENCHMARKS.md), HMAC-SHA256 for
    equality look-ups."""

    def __init__(self, key: str) -> None:
        # HKDF's output is a stream: asking for 96 bytes leaves the first 64 (the Fernet
        # key of earlier values and the look-up key) as they were.
        material = HKDF(algorithm=hashes.SHA256(), length=96, salt=b"hub-pii-v1",
                        info=b"applicant personal data").derive(key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(material[:32]))
        self._hmac_key = material[32:64]
        self._gcm = AESGCM(material[64:])

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._gcm.encrypt(nonce, value.encode(), None)
        return _GCM + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        try:
            if token.startswith(_GCM):
                sealed = base64.b64decode(token[len(_GCM):], altchars=b"-_", validate=True)
                return self._gcm.decrypt(sealed[:_NONCE], sealed[_NONCE:], None).decode()
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidTag, InvalidToken, binascii.Error, ValueError) as exc:
            # a wrong HUB_PII_KEY, not a client error
            raise RuntimeError("cannot decrypt personal data: is HUB_PII_KEY the one it was written with?") from exc

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hmac_key, normalise(value).encode(), hashlib.sha256).hexdigest()


def normalise(value: str) -> str:
    return "".join(value.split()).upper()


def normalise_phone(value: str) -> str:
    """A phone number as stored and looked up: full-width digits folded (NFKC), spaces
    dropped (``０２４ 2234 5678`` → ``02422345678``; the hyphen of ``024-…`` stays)."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def mask_id_number(value: str | None) -> str | None:
    """``210102199001011234`` → ``2101**********1234``."""
    if not value:
        return value
    value = normalise(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return value
    value = "".join(value.split())
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """``张三丰`` → ``张**``: the family name only."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_contact(value: str | None) -> str | None:
    """A requester's contact as shown: a phone number as ``mask_phone``, an e-mail as
    ``z***@example.com``, anything else (a postal address) its first six characters."""
    if not value:
        return value
    compact = "".join(value.split())
    if "@" in compact:
        local, _, domain = compact.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if compact.replace("-", "").replace("+", "").isdigit():
        return mask_phone(compact)
    return value.strip()[:6] + "****"
def applicant_columns(id_number: str, phone: str) -> dict[str, str]:
    """A citizen's ID number and phone as the tables keep them (``applicant_id_*`` and
    ``applicant_phone_*``): encrypted, a keyed hash for look-ups, the masked form."""
    pii = cipher()
    id_number = normalise(id_number)
    phone = "".join(phone.split())
    return {"applicant_id_encrypted": pii.encrypt(id_number),
            "applicant_id_hash": pii.lookup_hash(id_number),
            "applicant_id_masked": mask_id_number(id_number) or "",
            "applicant_phone_encrypted": pii.encrypt(phone),
            "applicant_phone_hash": pii.lookup_hash(phone),
            "applicant_phone_masked": mask_phone(phone) or ""}


def init_app(app: Flask) -> None:
    app.extensions["hub.pii"] = PiiCipher(app.config["HUB_SETTINGS"].pii_key)


def cipher() -> PiiCipher:
    return current_app.extensions["hub.pii"]
