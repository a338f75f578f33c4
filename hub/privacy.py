"""Citizens' personal data: encrypted at rest, a keyed hash for look-ups, masked when shown."""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app


class PiiCipher:
    """Fernet (AES + HMAC) for the value, HMAC-SHA256 for equality look-ups."""

    def __init__(self, key: str) -> None:
        material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"hub-pii-v1",
                        info=b"applicant personal data").derive(key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(material[:32]))
        self._hmac_key = material[32:]

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:  # a wrong HUB_PII_KEY, not a client error
            raise RuntimeError("cannot decrypt personal data: is HUB_PII_KEY the one it was written with?") from exc

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hmac_key, normalise(value).encode(), hashlib.sha256).hexdigest()


def normalise(value: str) -> str:
    return "".join(value.split()).upper()


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


def init_app(app: Flask) -> None:
    app.extensions["hub.pii"] = PiiCipher(app.config["HUB_SETTINGS"].pii_key)


def cipher() -> PiiCipher:
    return current_app.extensions["hub.pii"]
