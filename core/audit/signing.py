"""The platform's checkpoint-signing key and the checkpoints it signs.

The private key is sealed as tenants' proof keys are (core.certificates.keys): AES-GCM under a
key derived (HKDF-SHA256) from the platform's secret key with a label of its own, bound to the
public key as associated data. A checkpoint signs ``statement(...)``: the UTF-8 JSON list
``["creditbank-audit-checkpoint-v1", chain, seq, hash, signed_at, key_id]`` (an archive record
signs the same with ``"creditbank-audit-archive-v1"`` and its segment). ``key_id`` is the first
32 hex digits of the SHA-256 of the raw public key.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_public_key,
)

from core.audit.chain import at_text
from core.audit.tables import AuditCheckpoint, AuditHead, AuditKey
from core.clock import utcnow

CHECKPOINT = "creditbank-audit-checkpoint-v1"
ARCHIVE = "creditbank-audit-archive-v1"


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:32]


def statement(kind: str, *parts) -> bytes:
    return msgspec.json.encode([kind, *parts])


def checkpoint_statement(row: dict) -> bytes:
    return statement(CHECKPOINT, int(row["chain"]), int(row["seq"]), row["hash"], at_text(row["signed_at"]),
                     row["key_id"])


def archive_statement(row: dict) -> bytes:
    return statement(ARCHIVE, int(row["chain"]), int(row["from_seq"]), int(row["to_seq"]), row["first_prev"],
                     row["last_hash"], row["file_sha256"], row["storage_key"], at_text(row["created_at"]),
                     row["key_id"])


def signed_by(keys: dict[str, Ed25519PublicKey], key: str, signature: str, message: bytes) -> bool:
    public = keys.get(key)
    if public is None:
        return False
    try:
        public.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    key = load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("不是 Ed25519 公钥")
    return key


class AuditSigner:
    """Opens (and on first need makes) the platform's signing key."""

    def __init__(self, secret: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"creditbank audit checkpoint key v1").derive(secret.encode())
        self._aead = AESGCM(derived)
        self._key: tuple[str, Ed25519PrivateKey] | None = None

    async def key(self) -> tuple[str, Ed25519PrivateKey]:
        """The active key (opened once, then cached while it stays the active one)."""
        active = await AuditKey.select(AuditKey.key_id).where(AuditKey.status == "active").first()
        if self._key is None or active is None or active["key_id"] != self._key[0]:
            row = await AuditKey.select().where(AuditKey.status == "active").first()
            if row is None:
                private = Ed25519PrivateKey.generate()
                public = base64.b64encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
                nonce = os.urandom(12)
                raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
                sealed = base64.b64encode(nonce + self._aead.encrypt(nonce, raw, public.encode())).decode()
                await AuditKey.raw(
                    "INSERT INTO audit_key (key_id, public_key, private_key_enc, status, created_at) "
                    "VALUES ({}, {}, {}, 'active', {}) ON CONFLICT DO NOTHING",
                    key_id(private.public_key()), public, sealed, utcnow())
                row = await AuditKey.select().where(AuditKey.status == "active").first()
            if row is None:
                raise RuntimeError("审计签名密钥未能写入")
            sealed_bytes = base64.b64decode(row["private_key_enc"])
            raw = self._aead.decrypt(sealed_bytes[:12], sealed_bytes[12:], row["public_key"].encode())
            self._key = (row["key_id"], Ed25519PrivateKey.from_private_bytes(raw))
        return self._key

    async def sign(self, message_of, row: dict) -> dict:
        """``row`` with ``key_id`` and ``signature`` (over ``message_of(row)``) filled in."""
        kid, private = await self.key()
        row = {**row, "key_id": kid}
        row["signature"] = base64.b64encode(private.sign(message_of(row))).decode()
        return row

    async def checkpoint(self, chain: int, *, at: datetime | None = None) -> dict:
        """Sign the chain's head as it is now; the new checkpoint row (none is written when the
        chain has no event yet or the last checkpoint already covers its head)."""
        head = await AuditHead.select().where(AuditHead.chain == chain).first()
        if head is None or not head["seq"]:
            return {}
        last = await AuditCheckpoint.select().where(AuditCheckpoint.chain == chain).order_by(
            AuditCheckpoint.seq, ascending=False).first()
        if last and last["seq"] == head["seq"]:
            return last
        row = await self.sign(checkpoint_statement, {"chain": chain, "seq": head["seq"], "hash": head["hash"],
                                                     "signed_at": at or utcnow()})
        saved = await AuditCheckpoint.insert(AuditCheckpoint(**row)).returning(*AuditCheckpoint.all_columns())
        return saved[0]

    async def checkpoint_all(self) -> list[dict]:
        """A checkpoint of every chain whose head moved since its last one (the daily job)."""
        done = []
        for head in await AuditHead.select(AuditHead.chain).order_by(AuditHead.chain):
            if row := await self.checkpoint(head["chain"]):
                done.append(row)
        return done


async def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every signing key the platform has had (active or retired), by key id."""
    return {row["key_id"]: Ed25519PublicKey.from_public_bytes(base64.b64decode(row["public_key"]))
            for row in await AuditKey.select(AuditKey.key_id, AuditKey.public_key)}


async def active_public_key(signer: AuditSigner) -> Ed25519PublicKey:
    _, private = await signer.key()
    return private.public_key()


_signer: AuditSigner | None = None


def bind(secret: str) -> AuditSigner:
    """Make the process's signer from the platform's secret key (``create_app`` calls this)."""
    global _signer
    _signer = AuditSigner(secret)
    return _signer


def signer() -> AuditSigner:
    if _signer is None:
        raise RuntimeError("审计签名密钥未初始化：请先调用 core.audit.signing.bind(secret_key)")
    return _signer
