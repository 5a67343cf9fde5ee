"""Tenants' proof-signing keys: made on first need, kept encrypted, rotated by a tenant admin.

The private key of each ``ProofKey`` row is sealed with AES-GCM under a key derived (HKDF) from
the platform's secret key with a label of its own, bound to its tenant and public key as
associated data, so a row copied to another tenant or another key does not open.

``create_app`` binds the vault for the process (``bind``), as ``core.db.bind`` binds the
engine: issuing happens inside the review decision, which has no request to carry it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from core.certificates import credential
from core.certificates.errors import ProofError
from core.certificates.tables import ProofKey
from core.clock import utcnow
from core.db import is_unique_violation
from core.security.sealing import Sealer


@dataclass(frozen=True)
class SigningKey:
    id: int
    multibase: str
    private: Ed25519PrivateKey


class KeyVault:
    """Seals and opens private keys; caches opened keys (by row id) and public keys (by tenant
    and multibase) — both never change once written."""

    def __init__(self, secret: str) -> None:
        self._sealer = Sealer(secret, b"creditbank proof signing keys v1")
        self._private: dict[int, Ed25519PrivateKey] = {}
        self._public: dict[tuple[int, str], Ed25519PublicKey] = {}

    @staticmethod
    def _bound_to(tenant_id: int, multibase: str) -> bytes:
        return f"{tenant_id}|{multibase}".encode()

    def seal(self, tenant_id: int, multibase: str, key: Ed25519PrivateKey) -> str:
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return self._sealer.seal(raw, self._bound_to(tenant_id, multibase))

    def open(self, row: dict) -> SigningKey:
        """Raises ``cryptography.exceptions.InvalidTag`` when the secret key changed or the row
        was moved."""
        key = self._private.get(row["id"])
        if key is None:
            raw = self._sealer.open(row["private_key_enc"], self._bound_to(row["tenant_id"], row["public_multibase"]))
            key = self._private[row["id"]] = Ed25519PrivateKey.from_private_bytes(raw)
        return SigningKey(row["id"], row["public_multibase"], key)

    async def public_key(self, tenant_id: int, multibase: str) -> Ed25519PublicKey | None:
        """The tenant's key named ``multibase`` (active or retired), or None if it has none such."""
        cached = self._public.get((tenant_id, multibase))
        if cached is not None:
            return cached
        row = await ProofKey.select(ProofKey.public_multibase).where(
            ProofKey.tenant_id == tenant_id, ProofKey.public_multibase == multibase).first()
        if row is None:
            return None
        key = self._public[(tenant_id, multibase)] = credential.public_from_multikey(row["public_multibase"])
        return key

    async def signing_key(self, tenant_id: int, *, create: bool = True) -> SigningKey:
        """The tenant's active key; the first call for a tenant makes one. Two workers making
        the first key at once both end up with the one that was written first."""
        row = await _active(tenant_id)
        if row is None and create:
            try:
                await self._insert(tenant_id, created_by=None)
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise
            row = await _active(tenant_id)
        if row is None:
            raise ProofError("本学分银行尚无签名密钥", 409)
        return self.open(row)

    async def rotate(self, tenant_id: int, actor_id: int) -> dict:
        """Retire the active key (it keeps verifying what it signed) and make a new one; in one
        transaction, so there is never a moment without, or with two, active keys."""
        async with ProofKey._meta.db.transaction():
            await ProofKey.update({ProofKey.status: "retired", ProofKey.retired_at: utcnow()}).where(
                ProofKey.tenant_id == tenant_id, ProofKey.status == "active")
            try:
                return await self._insert(tenant_id, created_by=actor_id)
            except Exception as exc:
                if is_unique_violation(exc):
                    raise ProofError("另一位管理员正在轮换密钥，请稍后再试", 409) from exc
                raise

    async def _insert(self, tenant_id: int, created_by: int | None) -> dict:
        key = Ed25519PrivateKey.generate()
        multibase = credential.public_multikey(key.public_key())
        rows = await ProofKey.insert(ProofKey(
            tenant_id=tenant_id, public_multibase=multibase, private_key_enc=self.seal(tenant_id, multibase, key),
            status="active", created_by=created_by, created_at=utcnow())).returning(*ProofKey.all_columns())
        return rows[0]


async def _active(tenant_id: int) -> dict | None:
    return await ProofKey.select().where(ProofKey.tenant_id == tenant_id, ProofKey.status == "active").first()


async def list_keys(tenant_id: int) -> list[dict]:
    """Every key of the tenant, the active one first, then newest first."""
    rows = await ProofKey.select(ProofKey.id, ProofKey.public_multibase, ProofKey.status, ProofKey.created_at,
                                 ProofKey.retired_at).where(ProofKey.tenant_id == tenant_id).order_by(
        ProofKey.id, ascending=False)
    return sorted(rows, key=lambda r: r["status"] != "active")


_vault: KeyVault | None = None


def bind(secret: str) -> KeyVault:
    """Make the process's vault from the platform's secret key (``create_app`` calls this)."""
    global _vault
    _vault = KeyVault(secret)
    return _vault


def vault() -> KeyVault:
    if _vault is None:
        raise RuntimeError("证明签名密钥库未初始化：请先调用 core.certificates.keys.bind(secret_key)")
    return _vault
