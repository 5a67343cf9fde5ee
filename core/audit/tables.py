"""The tables that keep the audit chain whole: its heads, signed checkpoints, archives, and the
platform's signing key. The events themselves are ``audit_entry`` (core.accounts.tables)."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.storage.columns import StorageKey


class AuditHead(Table, tablename="audit_head"):
    """The last event of a chain (``chain`` = tenant id, 0 for the platform's own events).
    The writer bumps ``seq`` in the statement that locks the row, so events of one chain are
    appended one at a time, in order, whatever the number of writers."""

    id: Serial  # added by Piccolo; declared for the type checker

    chain = Integer(unique=True)
    seq = Integer(default=0)
    hash = Varchar(length=64)


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """A signed statement "chain ``chain`` had ``seq`` events, the last hashing to ``hash``, at
    ``signed_at``" (``signing.statement`` is the signed bytes)."""

    id: Serial  # added by Piccolo; declared for the type checker

    chain = Integer()
    seq = Integer()
    hash = Varchar(length=64)
    signed_at = Timestamptz()
    key_id = Varchar(length=32)
    signature = Varchar(length=128)  # base64 of the 64-byte Ed25519 signature


class AuditArchive(Table, tablename="audit_archive"):
    """Events ``from_seq``..``to_seq`` of a chain, moved to the file ``storage_key`` (sha256
    ``file_sha256``) before they were removed. ``first_prev`` is the hash the segment starts
    from, ``last_hash`` the one it ends on; the record is signed like a checkpoint. The
    append-only trigger lets a row of ``audit_entry`` be deleted only when an archive covers it."""

    id: Serial  # added by Piccolo; declared for the type checker

    chain = Integer()
    from_seq = Integer()
    to_seq = Integer()
    first_prev = Varchar(length=64)
    last_hash = Varchar(length=64)
    storage_key = StorageKey(length=255)
    file_sha256 = Varchar(length=64)
    created_at = Timestamptz()
    key_id = Varchar(length=32)
    signature = Varchar(length=128)


class AuditKey(Table, tablename="audit_key"):
    """The platform's checkpoint-signing key: the private half sealed (AES-GCM under a key
    derived from the platform's secret key), the public half in the clear (base64, raw)."""

    id: Serial  # added by Piccolo; declared for the type checker

    key_id = Varchar(length=32, unique=True)
    public_key = Varchar(length=64)
    private_key_enc = Text()
    status = Varchar(length=16, default="active")  # active | retired
    created_at = Timestamptz()
