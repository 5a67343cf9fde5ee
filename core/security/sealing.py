"""One way to keep a secret at rest or in a page: AES-GCM under a key derived (HKDF-SHA256)
from the platform's secret key and a purpose label, so a key made for one purpose (ID numbers,
proof signing keys, the portal's wizard tickets) can never open another's values.

A sealed value is ``base64(nonce ‖ ciphertext)`` — URL-safe base64 where it travels in a page.
``bound_to`` (AES-GCM's associated data) ties it to where it belongs — a tenant and key, a
tenant and step — so it cannot be moved: opening it anywhere else fails.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE = 12


def derive_key(secret: str, label: bytes) -> bytes:
    """32 bytes for ``label`` from the platform's secret key (HKDF-SHA256, no salt)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret.encode())


class Sealer:
    """Seals and opens values for one purpose (``label``)."""

    def __init__(self, secret: str, label: bytes, *, urlsafe: bool = False) -> None:
        self._aead = AESGCM(derive_key(secret, label))
        self._encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
        self._decode = base64.urlsafe_b64decode if urlsafe else base64.b64decode

    def seal(self, data: bytes, bound_to: bytes | None = None) -> str:
        nonce = os.urandom(NONCE)
        return self._encode(nonce + self._aead.encrypt(nonce, data, bound_to)).decode()

    def seal_many(self, data: Sequence[bytes]) -> list[str]:
        """``seal`` of each of ``data`` (unbound), the nonces of the batch from one ``os.urandom`` call."""
        pool = os.urandom(NONCE * len(data))
        encrypt, encode = self._aead.encrypt, self._encode
        return [encode(pool[i * NONCE:(i + 1) * NONCE] + encrypt(pool[i * NONCE:(i + 1) * NONCE], d, None)).decode()
                for i, d in enumerate(data)]

    def open(self, token: str, bound_to: bytes | None = None) -> bytes:
        """Raises ``cryptography.exceptions.InvalidTag`` when the value was altered, sealed
        under another secret or purpose, or bound elsewhere; ``ValueError`` when it is not
        base64 at all."""
        raw = self._decode(token.encode())
        return self._aead.decrypt(raw[:NONCE], raw[NONCE:], bound_to)
