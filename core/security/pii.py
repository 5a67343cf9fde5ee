"""Sensitive personal data at rest: ID numbers are stored encrypted (AES-GCM), with a keyed
hash (HMAC-SHA256) beside them for exact lookup. Both keys derive from the secret key, each
with its own label, so neither can stand in for the other."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from core.security.sealing import Sealer, derive_key


class PiiProtector:
    """Encrypt, decrypt and hash identifiers with keys derived from ``secret``."""

    def __init__(self, secret: str) -> None:
        self._sealer = Sealer(secret, b"creditbank pii encryption v1")
        self._mac_key = derive_key(secret, b"creditbank pii lookup v1")
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
        return self._sealer.seal(value.encode())

    def decrypt(self, token: str) -> str:
        return self._sealer.open(token).decode()

    def protect_many(self, values: Sequence[str]) -> tuple[list[str], list[str]]:
        """``(lookup hashes, ciphertexts)`` of ``values``, in order: exactly what
        ``lookup_hash`` and ``encrypt`` give, with HMAC done from the precomputed pads and the
        nonces of a batch taken from one ``os.urandom`` call."""
        sha256, ipad, opad = hashlib.sha256, self._ipad, self._opad
        data = [v.encode() for v in values]
        hashes = [sha256(opad + sha256(ipad + d).digest()).hexdigest() for d in data]
        return hashes, self._sealer.seal_many(data)
