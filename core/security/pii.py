"""Sensitive personal data at rest: ID numbers are stored encrypted (AES-GCM), with a keyed
hash (HMAC-SHA256) beside them for exact lookup. Both keys derive from the secret key, each
with its own label, so neither can stand in for the other."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret.encode())


class PiiProtector:
    """Encrypt, decrypt and hash identifiers with keys derived from ``secret``."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(_derive(secret, b"creditbank pii encryption v1"))
        self._mac_key = _derive(secret, b"creditbank pii lookup v1")

    def lookup_hash(self, value: str) -> str:
        """Deterministic: equal values give equal hashes, for unique indexes and lookups."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode(), None)).decode()

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
