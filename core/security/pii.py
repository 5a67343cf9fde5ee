"""Sensitive personal data at rest: ID numbers are stored encrypted (AES-GCM), with a keyed
hash (HMAC-SHA256) beside them for exact lookup. Both keys derive from the secret key, each
with its own label, so neither can stand in for the other."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence

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
        # HMAC's padded keys, computed once: the batch path hashes a million IDs an import.
        block = self._mac_key.ljust(64, b"\0")
        self._ipad = bytes(b ^ 0x36 for b in block)
        self._opad = bytes(b ^ 0x5C for b in block)

    def lookup_hash(self, value: str) -> str:
        """Deterministic: equal values give equal hashes, for unique indexes and lookups."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()

    def lookup_hashes(self, values: Sequence[str]) -> list[str]:
        """``lookup_hash`` of each of ``values``, in order, from the precomputed pads."""
        sha256, ipad, opad = hashlib.sha256, self._ipad, self._opad
        return [sha256(opad + sha256(ipad + v.encode()).digest()).hexdigest() for v in values]

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode(), None)).decode()

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()

    def protect_many(self, values: Sequence[str]) -> tuple[list[str], list[str]]:
        """``(lookup hashes, ciphertexts)`` of ``values``, in order: exactly what
        ``lookup_hash`` and ``encrypt`` give, with HMAC done from the precomputed pads and the
        nonces of a batch taken from one ``os.urandom`` call."""
        sha256, ipad, opad, seal, b64 = hashlib.sha256, self._ipad, self._opad, self._aead.encrypt, base64.b64encode
        data = [v.encode() for v in values]
        hashes = [sha256(opad + sha256(ipad + d).digest()).hexdigest() for d in data]
        pool = os.urandom(12 * len(data))
        nonces = [pool[i:i + 12] for i in range(0, len(pool), 12)]
        return hashes, [b64(n + seal(n, d, None)).decode() for n, d in zip(nonces, data)]
