"""Whether the secret key is the one the data was written under.

Every keyed hash (logins by ID number, ID lookups), every encrypted ID number and every sealed
proof-signing key depends on the secret key. Started with another one (``var/secret_key``
lost in a restore, a mistyped ``CREDITBANK_SECRET_KEY``) the platform would run and then fail
at those points one by one; instead it refuses to start, saying so.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from cryptography.exceptions import InvalidTag

from core.clock import utcnow
from core.errors import DomainError
from core.security.pii import PiiProtector
from core.security.sealing import derive_key
from core.security.tables import KeyCheck

_LABEL = b"creditbank key check v1"


class KeyMismatch(DomainError):
    """The secret key does not match the data (the platform must not start)."""


def fingerprint(secret: str) -> str:
    """An HMAC of a fixed text under a key derived from ``secret`` (its own label): equal for
    equal secrets, and says nothing about the secret."""
    return hmac.new(derive_key(secret, _LABEL), b"creditbank secret key fingerprint", hashlib.sha256).hexdigest()


_ADVICE = ("请使用写入这些数据时的密钥启动：恢复原来的 var/secret_key 文件（或设置原来的 CREDITBANK_SECRET_KEY），"
           "或用 creditbank restore 从备份恢复（备份中含密钥）。")


async def check_secret_key(secret: str, encrypted_sample: Callable[[], Awaitable[str | None]]) -> None:
    """Raise ``KeyMismatch`` unless ``secret`` is the key of the data. The first start records
    the fingerprint; a database written before fingerprints were kept is judged by decrypting
    one stored ID number (``encrypted_sample`` reads one, or None when there is none)."""
    mine = fingerprint(secret)
    stored = await KeyCheck.select(KeyCheck.fingerprint).order_by(KeyCheck.id).first()
    if stored:
        if not hmac.compare_digest(stored["fingerprint"], mine):
            raise KeyMismatch(
                f"密钥与数据不符，平台拒绝启动：数据库记录的密钥指纹为 {stored['fingerprint'][:12]}…，"
                f"当前密钥的指纹为 {mine[:12]}…。{_ADVICE}")
        return
    sample = await encrypted_sample()
    if sample:
        try:
            PiiProtector(secret).decrypt(sample)
        except (InvalidTag, ValueError):
            raise KeyMismatch(f"密钥与数据不符，平台拒绝启动：当前密钥无法解密数据库中已加密的证件号码。{_ADVICE}") from None
    await KeyCheck(fingerprint=mine, created_at=utcnow()).save()
