"""Ready for distribution by ``tenant_id`` (docs/scale.md): the migrated schema, read back from
the database (SQLite or PostgreSQL), and the raw SQL of the services, checked for what a
sharded PostgreSQL (Citus, tables distributed by ``tenant_id``) needs:

- every table is tenant-owned (``tenant_id NOT NULL``), a reference table, or named below with
  the reason it is neither;
- every unique constraint or index of a tenant-owned table (besides the surrogate primary key,
  which the distribution migration re-keys to ``(tenant_id, id)``) includes ``tenant_id``: a
  shard can only enforce uniqueness within itself;
- every foreign key can be co-located: tenant table → tenant table (both carry ``tenant_id``),
  or → a reference table; never a reference table → a tenant table;
- every join between tenant tables in raw SQL matches ``tenant_id`` too, so that it runs
  inside one shard.
"""

from __future__ import annotations

import re
from pathlib import Path

from core import db
from core.settings import PROJECT_HOME
from core.tenancy.tables import Tenant

# Small, read everywhere, written rarely: copied to every node.
REFERENCE_TABLES = {
    "tenant": "the hosted credit banks: every tenant row points here",
    "platform_admin": "national administrators, no tenant",
}
# Neither: where each goes instead (docs/scale.md, "Tables that are neither").
OTHER_TABLES = {
    "migration": "Piccolo's record of applied migrations: local to the coordinator",
    "auth_token": "tenant_id is null for platform administrators' tokens; always found by token_hash: "
                  "distributed by token_hash",
    "idempotent_request": "keyed by request_key (hash of account and key), tenant_id null when anonymous: "
                          "distributed by request_key",
    "audit_entry": "tenant_id is null for the platform's own entries: those move to the coordinator-local "
                   "platform log and tenant_id becomes NOT NULL in the distribution migration",
    "audit_head": "one row per audit chain; chain is the tenant's id (0: the platform's own log): distributed "
                  "by chain, colocated with the tenant's rows",
    "audit_checkpoint": "signed heads of an audit chain, keyed by chain (the tenant's id): distributed by chain",
    "audit_archive": "archive records of an audit chain, keyed by chain (the tenant's id): distributed by chain",
    "audit_key": "the platform's audit signing keys, a few rows: a reference table",
    "key_check": "one row, the fingerprint of the platform's secret key: a reference table",
}
# Unique without tenant_id, on purpose. Each is a random or tenant-prefixed value unique across
# the platform by construction; under Citus it becomes unique per (tenant_id, value).
GLOBAL_UNIQUE = {
    ("evidence", ("storage_key",)): "storage keys begin with the tenant's prefix",
    ("review_material", ("storage_key",)): "storage keys begin with the tenant's prefix",
    ("appeal_file", ("storage_key",)): "storage keys begin with the tenant's prefix",
    ("notification", ("dedupe_key",)): "the dedupe key names the tenant and the event",
    ("proof", ("code",)): "a random verification code printed on the proof; checked under /t/{tenant}/",
}
# Joins through Piccolo's foreign-key traversal (``Table.fk.column``) match on id alone; they are
# listed here as they stand, and each becomes a raw join on (tenant_id, id) before distribution.
# A new one fails the test: write the join with tenant_id instead.
PICCOLO_FK_JOINS = {
    "core/accounts/audit.py": 1,
    "core/accounts/service.py": 1,
    "core/accounts/staff.py": 7,
    "core/certificates/issuing.py": 1,
    "core/notifications/service.py": 1,
    "core/reviews/service.py": 4,
    "core/rules/service.py": 1,
}


async def _schema() -> dict[str, dict]:
    """{table: {"columns": {name: not_null}, "unique": [(index, [columns], primary)], "fks": [(column, table)]}}"""
    engine = Tenant._meta.db
    tables: dict[str, dict] = {}
    if engine.engine_type == "postgres":
        for row in await db.fetch(Tenant, "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
                                          "WHERE table_schema = 'public'"):
            tables.setdefault(row["table_name"], {"columns": {}, "unique": [], "fks": []})["columns"][row["column_name"]] = \
                row["is_nullable"] == "NO"
        for row in await db.fetch(Tenant, """
                SELECT c.relname AS tab, i.relname AS idx, ix.indisprimary AS pk,
                       ARRAY(SELECT a.attname FROM unnest(ix.indkey) k JOIN pg_attribute a
                             ON a.attrelid = c.oid AND a.attnum = k)::text[] AS cols
                FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND ix.indisunique"""):
            tables[row["tab"]]["unique"].append((row["idx"], list(row["cols"]), row["pk"]))
        for row in await db.fetch(Tenant, """
                SELECT c.conrelid::regclass::text AS tab, c.confrelid::regclass::text AS ref,
                       ARRAY(SELECT a.attname FROM unnest(c.conkey) k JOIN pg_attribute a
                             ON a.attrelid = c.conrelid AND a.attnum = k)::text[] AS cols
                FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"""):
            tables[row["tab"]]["fks"].append((",".join(row["cols"]), row["ref"]))
        return tables
    names = [r["name"] for r in await db.fetch(
        Tenant, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                # SQLite's FTS5 catalog index and its shadow tables: an index of catalog_entry
                # that PostgreSQL does not have (core/catalog/fts.py), not tables of their own.
                "AND name NOT LIKE 'catalog_entry_fts%'")]
    for name in names:
        info = tables[name] = {"columns": {}, "unique": [], "fks": []}
        for col in await db.fetch(Tenant, f"PRAGMA table_info({name})"):
            info["columns"][col["name"]] = bool(col["notnull"]) or bool(col["pk"])
        for index in await db.fetch(Tenant, f"PRAGMA index_list({name})"):
            if index["unique"]:
                cols = [c["name"] or "<expression>" for c in await db.fetch(Tenant, f"PRAGMA index_info({index['name']})")]
                info["unique"].append((index["name"], cols, index["origin"] == "pk"))
        for fk in await db.fetch(Tenant, f"PRAGMA foreign_key_list({name})"):
            info["fks"].append((fk["from"], fk["table"]))
    return tables


def _tenant_owned(tables: dict[str, dict]) -> set[str]:
    return {name for name, info in tables.items() if info["columns"].get("tenant_id")}


async def test_every_table_is_tenant_owned_reference_or_explained(clean_database):
    tables = await _schema()
    owned = _tenant_owned(tables)
    assert "account" in owned and "application" in owned and "tenant" not in owned
    unplaced = sorted(set(tables) - owned - set(REFERENCE_TABLES) - set(OTHER_TABLES))
    assert unplaced == [], (f"tables with no NOT NULL tenant_id that are neither reference tables nor explained: "
                            f"{unplaced} — give them tenant_id, or add them to REFERENCE_TABLES / OTHER_TABLES "
                            "here and to docs/scale.md")
    assert not set(REFERENCE_TABLES) & owned and not set(OTHER_TABLES) & owned
    assert set(REFERENCE_TABLES) | set(OTHER_TABLES) <= set(tables), "a listed table no longer exists: update the lists"


async def test_every_unique_constraint_of_a_tenant_table_includes_tenant_id(clean_database):
    tables = await _schema()
    lacking = []
    for name in sorted(_tenant_owned(tables)):
        for index, columns, primary in tables[name]["unique"]:
            if primary and columns == ["id"]:
                continue  # the surrogate key: (tenant_id, id) in the distribution migration
            if "tenant_id" not in columns and (name, tuple(columns)) not in GLOBAL_UNIQUE:
                lacking.append(f"{name}.{index} ({', '.join(columns)})")
    assert lacking == [], ("unique without tenant_id on tenant-owned tables (a shard cannot enforce them): "
                           + "; ".join(lacking))
    # Every exception is still there, and still lacks tenant_id (else take it off the list).
    for name, columns in GLOBAL_UNIQUE:
        assert any(tuple(cols) == columns for _, cols, _ in tables[name]["unique"]), \
            f"{name} ({', '.join(columns)}) is no longer unique on its own: take it off GLOBAL_UNIQUE"


async def test_every_foreign_key_can_be_co_located(clean_database):
    tables = await _schema()
    owned = _tenant_owned(tables)
    wrong = []
    for name in sorted(tables):
        for column, ref in tables[name]["fks"]:
            if ref in REFERENCE_TABLES:
                continue  # any table may point at a reference table
            if name in owned and ref in owned:
                continue  # becomes (tenant_id, column) → ref (tenant_id, id): same shard
            wrong.append(f"{name}.{column} → {ref}")
    assert wrong == [], "foreign keys that cannot be co-located by tenant_id: " + "; ".join(wrong)


# ---------------------------------------------------------------------------------------------
# Joins in the services' SQL

_JOIN = re.compile(r"\bJOIN\s+(\w+)\s+(\w+)\s+ON\s+(.+?)(?=\s+(?:LEFT\s+|INNER\s+|RIGHT\s+)?JOIN\b|\s+WHERE\b|\s+GROUP\b"
                   r"|\s+ORDER\b|\s+UNION\b|\"|'\s*$|$)", re.IGNORECASE)
_FK_TRAVERSAL = re.compile(r"\b[A-Z]\w+\.\w+_id\.(?!is_in\b|is_null\b|is_not_null\b|like\b|ilike\b|not_in\b)[a-z_]+\b")


def _sources() -> list[Path]:
    return [p for p in sorted((PROJECT_HOME / "core").rglob("*.py")) if "piccolo_migrations" not in p.parts]


async def test_joins_between_tenant_tables_carry_tenant_id(clean_database):
    owned = _tenant_owned(await _schema())
    missing = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for table, alias, condition in _JOIN.findall(line):
                if table in owned and "tenant_id" not in condition:
                    missing.append(f"{path.relative_to(PROJECT_HOME)}:{number}: JOIN {table} {alias} ON {condition.strip()}")
    assert missing == [], "joins between tenant tables without tenant_id (they would cross shards):\n" + "\n".join(missing)


def test_no_new_joins_through_piccolo_foreign_key_traversal():
    counts = {}
    for path in _sources():
        found = len(_FK_TRAVERSAL.findall(path.read_text(encoding="utf-8")))
        if found:
            counts[str(path.relative_to(PROJECT_HOME))] = found
    assert counts == PICCOLO_FK_JOINS, (
        "joins through Piccolo foreign-key traversal changed (they match on id alone, across shards): write new "
        "ones as raw joins on tenant_id and id, and take converted ones off PICCOLO_FK_JOINS")


def test_the_join_check_sees_a_join_without_tenant_id():
    line = '"FROM achievement a JOIN account acc ON acc.id = a.learner_id LEFT JOIN org_unit u ON u.id = acc.unit_id "'
    assert [(t, c.strip()) for t, _, c in _JOIN.findall(line)] == [("account", "acc.id = a.learner_id"),
                                                                     ("org_unit", "u.id = acc.unit_id")]
    good = "JOIN account a ON a.tenant_id = t.tenant_id AND a.id = t.subject_id WHERE t.x = 1"
    assert "tenant_id" in _JOIN.findall(good)[0][2]
