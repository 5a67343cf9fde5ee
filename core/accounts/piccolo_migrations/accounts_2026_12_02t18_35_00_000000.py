from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

from core import db
import re

from core.accounts.identity import mask_id_number, mask_id_numbers_in
from core.security.pii import PiiProtector

ID = "2026-12-02T18:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "no ID number in clear: usernames that contain one are stored masked with a keyed hash"

# Imported, window-opened and S + ID learners had their whole ID number in account.username
# (and so in the approval e-mail, the audit log, import reports): encryption at rest was void
# for them. Such a username is now stored masked, found by ``username_hash`` (HMAC with the
# label "username|", as core.accounts.usernames computes it); the unique username index
# covers the other accounts only, the hash has its own. Existing rows are converted here, as
# are message texts, audit entries and import reports that quote an ID number (masked: only
# the account's ciphertext keeps the whole number). On SQLite the freed bytes are zeroed
# (secure_delete); on PostgreSQL the old row versions stay in the table files until the next
# VACUUM: run ``VACUUM FULL account, notification, audit_entry, import_job`` after upgrading.
STATEMENTS = [
    "ALTER TABLE account ADD COLUMN username_hash VARCHAR(64)",
    "DROP INDEX account_tenant_username",
    "CREATE UNIQUE INDEX account_tenant_username ON account (tenant_id, username) WHERE username_hash IS NULL",
    "CREATE UNIQUE INDEX account_tenant_username_hash ON account (tenant_id, username_hash)",
]
CHUNK = 500
# Frozen copies of core.accounts.usernames as of this migration: what it converts must not
# change when that module does.
_RUN = re.compile(r"[0-9]{17}[Xx]|[0-9]{15,}")


def _canonical(username: str) -> str:
    return _RUN.sub(lambda m: m.group(0).upper(), username.strip())


def _masked(username: str) -> str:
    return _RUN.sub(lambda m: mask_id_number(m.group(0)), username)


async def _update(table: str, columns: tuple[str, ...], rows: list[tuple], json: tuple[str, ...] = ()) -> None:
    """``UPDATE table SET columns… WHERE id = …`` for many rows in one statement; ``json``
    columns get their text cast on PostgreSQL (SQLite keeps JSON as text)."""
    if not rows:
        return
    postgres = engine_finder().engine_type == "postgres"
    values = ", ".join("(CAST({} AS INTEGER)" + ", {}" * len(columns) + ")" for _ in rows)
    names = ", ".join(("id", *(f"v_{c}" for c in columns)))
    sets = ", ".join(f"{c} = CAST(v.v_{c} AS JSON)" if postgres and c in json else f"{c} = v.v_{c}" for c in columns)
    await Table.raw(f"WITH v({names}) AS (VALUES {values}) UPDATE {table} SET {sets} FROM v WHERE {table}.id = v.id",
                    *(value for row in rows for value in row))


async def _chunks(sql: str):
    """The rows of ``sql`` (``… WHERE id > {} ORDER BY id LIMIT n``), a chunk at a time."""
    last = 0
    while rows := await Table.raw(sql, last):
        yield rows
        last = rows[-1]["id"]


async def convert(pii: PiiProtector | None) -> None:
    """Mask and hash what was stored in clear. Idempotent: converted rows no longer match."""
    engine = engine_finder()
    async with engine.transaction():
        if engine.engine_type == "sqlite":
            await Table.raw("PRAGMA secure_delete = ON")  # the old values' bytes are overwritten
        async for rows in _chunks("SELECT id, username FROM account WHERE username_hash IS NULL AND id > {} "
                                  f"AND length(username) >= 15 ORDER BY id LIMIT {CHUNK}"):
            found = [(r["id"], _canonical(r["username"])) for r in rows if _RUN.search(r["username"])]
            if found and pii is None:
                raise RuntimeError("迁移需要密钥（CREDITBANK_SECRET_KEY）以转换含证件号码的用户名")
            hashes = pii.lookup_hashes(["username|" + u for _, u in found]) if found else []
            await _update("account", ("username", "username_hash"),
                          [(i, _masked(u), h) for (i, u), h in zip(found, hashes)])
        for table, columns in (("notification", ("subject", "body")), ("audit_entry", ("target", "detail")),
                               ("import_job", ("filename", "message", "errors"))):
            async for rows in _chunks(f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > {{}} "
                                      f"ORDER BY id LIMIT {CHUNK}"):
                changed = []
                for r in rows:
                    texts = [r[c] if isinstance(r[c], str) or r[c] is None else str(r[c]) for c in columns]
                    masked = [mask_id_numbers_in(t) if t else t for t in texts]
                    if masked != texts:
                        changed.append((r["id"], *masked))
                await _update(table, columns, changed, json=("errors",))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def run():
        for statement in STATEMENTS:
            await Table.raw(statement)
        secret = db.migration_secret()
        await convert(PiiProtector(secret) if secret else None)

    manager.add_raw(run)
    return manager
