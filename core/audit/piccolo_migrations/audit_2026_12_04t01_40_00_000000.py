from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T01:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ("audit trail, tamper-evident: chain heads, signed checkpoints, archives, the platform's signing key; "
               "the entries written before the chain chained; append-only triggers on the audit tables")

TABLES = [
    "CREATE TABLE audit_head (id {serial}, chain INTEGER NOT NULL UNIQUE, seq INTEGER NOT NULL DEFAULT 0, "
    "hash VARCHAR(64) NOT NULL)",
    "CREATE TABLE audit_checkpoint (id {serial}, chain INTEGER NOT NULL, seq INTEGER NOT NULL, hash VARCHAR(64) NOT NULL, "
    "signed_at TIMESTAMPTZ NOT NULL, key_id VARCHAR(32) NOT NULL, signature VARCHAR(128) NOT NULL)",
    "CREATE INDEX audit_checkpoint_chain ON audit_checkpoint (chain, seq)",
    "CREATE TABLE audit_archive (id {serial}, chain INTEGER NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, "
    "first_prev VARCHAR(64) NOT NULL, last_hash VARCHAR(64) NOT NULL, storage_key VARCHAR(255) NOT NULL, "
    "file_sha256 VARCHAR(64) NOT NULL, created_at TIMESTAMPTZ NOT NULL, key_id VARCHAR(32) NOT NULL, "
    "signature VARCHAR(128) NOT NULL)",
    "CREATE INDEX audit_archive_chain ON audit_archive (chain, from_seq)",
    "CREATE TABLE audit_key (id {serial}, key_id VARCHAR(32) NOT NULL UNIQUE, public_key VARCHAR(64) NOT NULL, "
    "private_key_enc TEXT NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'active', created_at TIMESTAMPTZ NOT NULL)",
    "CREATE UNIQUE INDEX audit_key_one_active ON audit_key (status) WHERE status = 'active'",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def chain():
        from core.audit import chain, guard

        engine = Table._meta.db
        serial = "SERIAL PRIMARY KEY" if engine.engine_type == "postgres" else "INTEGER PRIMARY KEY"
        for statement in TABLES:
            await Table.raw(statement.format(serial=serial))
        # Entries written before the chain: chained now, oldest first, before the triggers exist.
        heads: dict[int, tuple[int, str]] = {}
        for row in await Table.raw("SELECT * FROM audit_entry ORDER BY id"):
            key = row["tenant_id"] or 0
            seq, prev = heads.get(key, (0, chain.GENESIS))
            kind, _, number = (row["target"] or "").partition(":")
            fields = {**row, "chain": key, "chain_seq": seq + 1, "prev_hash": prev,
                      "actor_kind": "staff" if row["actor_id"] else "system", "result": "done",
                      "target_table": kind if number.isdigit() else "", "target_id": int(number) if number.isdigit() else None}
            digest = chain.digest(chain.sealed(fields))
            await Table.raw("UPDATE audit_entry SET chain = {}, chain_seq = {}, prev_hash = {}, entry_hash = {}, "
                            "actor_kind = {}, target_table = {}, target_id = {} WHERE id = {}",
                            key, seq + 1, prev, digest, fields["actor_kind"], fields["target_table"],
                            fields["target_id"], row["id"])
            heads[key] = (seq + 1, digest)
        for key, (seq, digest) in heads.items():
            await Table.raw("INSERT INTO audit_head (chain, seq, hash) VALUES ({}, {}, {})", key, seq, digest)
        for statement in guard.statements(engine.engine_type):
            await Table.raw(statement)

    manager.add_raw(chain)
    return manager
