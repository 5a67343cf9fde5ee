"""The database's side of "append-only": triggers that refuse UPDATE and DELETE on the audit
tables, on PostgreSQL and SQLite alike.

The one delete let through is of an event an archive record covers (``audit_archive``: the
archiver writes the record, with the signed file already in storage, then deletes the events,
in one transaction — docs/audit.md). A checkpoint or an archive record is never changed or
deleted. TRUNCATE and DROP are the table owner's, outside the application: run the application
under a role that does not own the tables (docs/audit.md, "database-level audit").

Frozen: the migration that created the triggers runs these statements; a change is a new
migration (and a new entry here)."""

from __future__ import annotations

_COVERED = ("EXISTS (SELECT 1 FROM audit_archive a WHERE a.chain = OLD.chain "
            "AND OLD.chain_seq BETWEEN a.from_seq AND a.to_seq)")

_REFUSE = ("RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME "
           "USING ERRCODE = 'insufficient_privilege'; END $$")
POSTGRES = [
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'DELETE' THEN IF {_COVERED} THEN RETURN OLD; END IF; END IF; " + _REFUSE,
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " + _REFUSE,
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    *(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      "FOR EACH ROW EXECUTE FUNCTION audit_append_only()" for table in ("audit_checkpoint", "audit_archive")),
]

SQLITE_NAMES = ["audit_entry_no_update", "audit_entry_no_delete", "audit_checkpoint_no_update",
                "audit_checkpoint_no_delete", "audit_archive_no_update", "audit_archive_no_delete"]
SQLITE = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE on audit_entry refused'); END",
    f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry WHEN NOT {_COVERED} "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE on audit_entry refused'); END",
    *(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
      f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {op} on {table} refused'); END"
      for table in ("audit_checkpoint", "audit_archive") for op in ("UPDATE", "DELETE")),
]


def statements(engine_type: str) -> list[str]:
    return POSTGRES if engine_type == "postgres" else SQLITE
