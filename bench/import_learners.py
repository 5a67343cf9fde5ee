"""Learner import: rows per second on PostgreSQL and SQLite, against a raw COPY of the same CSV.

    .venv/bin/python bench/import_learners.py [--rows 1000000] [--batch 10000] [--lanes 2]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--skip-sqlite] [--breakdown]

Generates a CSV of ``--rows`` valid learners (Chinese headers, BOM, unique ID numbers with
correct check digits, spread over the Zhejiang tenant's unit codes), creates a throw-away
PostgreSQL database, migrates it, seeds the Zhejiang tenant, and times:

1. ``import_learners`` — every row checked, every ID number encrypted and hashed, written to
   ``account`` (the full schema: its unique and secondary indexes and foreign keys);
2. a raw ``COPY … FROM STDIN (FORMAT csv)`` of the same file into a bare table of text columns;
3. the "schema floor": the server alone inserting the finished rows into a copy of ``account``
   with the same indexes and foreign keys (``INSERT … SELECT``, on one connection and split
   over two running at once), the bound on any importer; with ``--breakdown``, the same for
   each index and foreign key alone, to show where the server's time per row goes;
4. the Python side alone: reading, checking, hashing and encrypting every row, no database;
5. the same import on SQLite (a temporary file).

Peak memory is the process's peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``)
read right after the PostgreSQL import, which comes first; it includes the interpreter and every
imported library. Figures are printed, never asserted. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datetime import UTC

from bench.generate import write_learners_csv  # noqa: E402
from core import db  # noqa: E402
from core.imports import learners as service  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.security.pii import PiiProtector  # noqa: E402
from core.settings import Settings  # noqa: E402

ZHEJIANG_UNITS = ROOT.parent / "shared" / "data" / "zhejiang_org_units.csv"
RAW_COLUMNS = ("real_name", "id_number", "phone", "email", "unit_code", "gender", "ethnicity", "birth_date", "address")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def make_engine(settings: Settings):
    """An engine for ``settings``, with Piccolo's own migration table and its base ``Table``
    (which runs the migrations' raw SQL) pointed at it too: ``db.bind`` leaves both on the
    first engine of the process, so a second database in one process would look migrated
    already, or get the first one's indexes."""
    from piccolo.apps.migrations.tables import Migration
    from piccolo.table import Table

    engine = db.make_engine(settings)
    Migration._meta.db = engine
    Table._meta.db = engine
    return engine


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


async def seed_zhejiang(settings: Settings, plugins: PluginRegistry) -> tuple[int, list[str]]:
    """The Zhejiang tenant's id and unit codes: from ``tenants/`` when it has ``zhejiang.toml``,
    otherwise a tenant row plus the shared org-unit CSV."""
    from core.hierarchy.service import seed_units
    from core.hierarchy.tables import OrgUnit
    from core.seeding import sync_tenant_files
    from core.tenancy.tables import Tenant

    if (settings.tenants_dir / "zhejiang.toml").exists():
        for result in await sync_tenant_files(settings.tenants_dir, plugins):
            if result.slug == "zhejiang" and not result.ok:
                raise SystemExit(f"tenants/zhejiang.toml: {result.message}")
    if not await Tenant.exists().where(Tenant.slug == "zhejiang"):
        from datetime import datetime

        now = datetime.now(UTC)
        tenant = Tenant(slug="zhejiang", name="浙江省终身教育学分银行", plugin="zhejiang", source="file",
                        status="active", created_at=now, updated_at=now)
        await tenant.save()
        with ZHEJIANG_UNITS.open(encoding="utf-8-sig", newline="") as fh:
            rows = [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]
        async with Tenant._meta.db.transaction():
            await seed_units(tenant.id, rows, plugins.hooks("zhejiang").org_levels)
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == "zhejiang").first())["id"]
    codes = [r["code"] for r in await OrgUnit.select(OrgUnit.code).where(OrgUnit.tenant_id == tenant_id)]
    return tenant_id, codes


async def run_import(settings: Settings, plugins: PluginRegistry, csv_path: Path, rows: int, batch: int) -> float:
    """Migrate, seed, import ``csv_path``; returns the seconds the import took."""
    engine = make_engine(settings)
    async with db.connected(engine):
        await db.migrate(engine)
        tenant_id, _ = await seed_zhejiang(settings, plugins)
        hooks = plugins.hooks("zhejiang")
        job_id = await service.create_job(tenant_id, "learners", csv_path.name, None)
        started = time.perf_counter()
        summary = await service.import_learners(
            tenant_id=tenant_id, hooks=hooks, pii=PiiProtector(settings.secret_key), path=csv_path,
            filename=csv_path.name, job_id=job_id, batch_rows=batch)
        seconds = time.perf_counter() - started
    if (summary.total, summary.created, summary.failed) != (rows, rows, 0):
        raise SystemExit(f"unexpected import result: {summary.total} rows, {summary.created} created, "
                         f"{summary.failed} failed; first errors {summary.errors[:5]}")
    return seconds


async def raw_copy(dsn: str, csv_path: Path) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"CREATE TABLE raw_learners ({', '.join(f'{c} text' for c in RAW_COLUMNS)})")
        started = time.perf_counter()
        await conn.copy_to_table("raw_learners", source=str(csv_path), format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await conn.close()


# What ``account`` maintains for every row written, as statements on a bare copy
# ``account_floor``: read from the migrated schema itself (``account_schema``), never copied,
# so the floor keeps up with the migrations.
SCHEMA_PARTS: dict[str, str] = {}
_FLOOR_COLUMNS = ""


async def account_schema(dsn: str) -> None:
    """Fill ``SCHEMA_PARTS`` (every index and foreign key of ``account``, renamed onto
    ``account_floor``) and ``_FLOOR_COLUMNS`` (its columns but ``id``) from the catalog."""
    global _FLOOR_COLUMNS
    conn = await asyncpg.connect(dsn)
    try:
        columns = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                   "current_schema() AND table_name = 'account' AND column_name <> 'id' "
                                   "ORDER BY ordinal_position")
        _FLOOR_COLUMNS = ", ".join(r["column_name"] for r in columns)
        SCHEMA_PARTS.clear()
        for r in await conn.fetch("SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def, "
                                  "i.indisprimary AS pk FROM pg_index i WHERE i.indrelid = 'account'::regclass "
                                  "ORDER BY i.indisprimary DESC, 1"):
            if r["pk"]:
                SCHEMA_PARTS["primary key"] = "ALTER TABLE account_floor ADD PRIMARY KEY (id)"
                continue
            definition = re.sub(r" INDEX \S+ ON (\S+\.)?account ", " INDEX ON account_floor ", r["def"])
            SCHEMA_PARTS[f"index {r['name']}"] = definition
        for r in await conn.fetch("SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
                                  "WHERE conrelid = 'account'::regclass AND contype = 'f' ORDER BY conname"):
            SCHEMA_PARTS[f"foreign key {r['conname']}"] = f"ALTER TABLE account_floor ADD {r['def']}"
    finally:
        await conn.close()


def _backend_seconds(pid: int) -> float | None:
    """CPU seconds a local server process has used (``/proc``), or None if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def merge_into_copy(dsn: str, parts: list[str], connections: int = 1) -> tuple[int, float, float | None]:
    """The server alone putting the imported accounts into a fresh table shaped like
    ``account`` with ``parts`` of its schema (``SCHEMA_PARTS``): ``INSERT … SELECT``, split
    by id over ``connections`` connections running at once. Returns (rows, seconds, server
    CPU µs per row — None when the server's processes cannot be read)."""
    conns = [await asyncpg.connect(dsn) for _ in range(connections)]
    try:
        conn = conns[0]
        await conn.execute("""DROP TABLE IF EXISTS account_floor;
            CREATE TABLE account_floor (LIKE account INCLUDING DEFAULTS);
            ALTER TABLE account_floor ALTER COLUMN id SET DEFAULT nextval('account_id_seq')""")
        for part in parts:
            await conn.execute(SCHEMA_PARTS[part])
        await conn.execute("CHECKPOINT")
        pids = [await c.fetchval("SELECT pg_backend_pid()") for c in conns]
        cpu_before = [_backend_seconds(pid) for pid in pids]
        started = time.perf_counter()
        statuses = await asyncio.gather(*(
            c.execute(f"INSERT INTO account_floor ({_FLOOR_COLUMNS}) SELECT {_FLOOR_COLUMNS} FROM account "
                      f"WHERE kind = 'learner' AND id % {connections} = {k}") for k, c in enumerate(conns)))
        seconds = time.perf_counter() - started
        cpu_after = [_backend_seconds(pid) for pid in pids]
        rows = sum(int(status.rsplit(" ", 1)[1]) for status in statuses)
        cpu = None
        if None not in cpu_before + cpu_after:
            cpu = sum(a - b for a, b in zip(cpu_after, cpu_before)) / rows * 1e6
        await conn.execute("DROP TABLE account_floor")
        return rows, seconds, cpu
    finally:
        for c in conns:
            await c.close()


async def schema_breakdown(dsn: str) -> None:
    """Server CPU per row for each part of ``account``'s schema alone (on top of the heap and
    primary key), then all indexes, then everything: where the merge's time goes."""
    variants = [("heap only", [])] + [(name, ["primary key"] + ([name] if name != "primary key" else []))
                                      for name in SCHEMA_PARTS]
    indexes = [p for p in SCHEMA_PARTS if not p.startswith("foreign")]
    variants += [("all indexes, no foreign keys", indexes), ("everything (as account)", list(SCHEMA_PARTS))]
    print("merge alone, per part of the schema (INSERT … SELECT of the imported rows into a fresh copy):")
    base = None
    for label, parts in variants:
        rows, seconds, cpu = await merge_into_copy(dsn, parts)
        if label == "primary key":
            base = cpu
        extra = f"  (+{cpu - base:5.2f} over heap + primary key)" if base is not None and cpu is not None and \
            label not in ("heap only", "primary key") and len(parts) == 2 else ""
        cpu_text = f"{cpu:6.2f} µs/row server CPU" if cpu is not None else "server CPU not readable"
        print(f"  {label:<36} {rows / seconds:>9,.0f} rows/s   {cpu_text}{extra}")


def python_side(csv_path: Path, codes: list[str], batch: int) -> float:
    """Seconds to read, check, hash and encrypt every row, with no database at all."""
    from core.imports.reader import open_table

    started = time.perf_counter()
    with open_table(csv_path, csv_path.name, service.LEARNER_COLUMNS) as table:
        checker = service.LearnerRows(table, {c: i for i, c in enumerate(codes)}, "{id_number}", PiiProtector("k"))
        for rows in table.batches(batch):
            checker.check(rows)
    return time.perf_counter() - started


async def unit_codes_for_file(plugins: PluginRegistry, settings: Settings) -> list[str]:
    engine = make_engine(settings)
    async with db.connected(engine):
        await db.migrate(engine)
        _, codes = await seed_zhejiang(settings, plugins)
    return codes


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=service.BATCH_ROWS)
    parser.add_argument("--lanes", type=int, default=service.LANES, help="PostgreSQL connections writing at once")
    parser.add_argument("--dsn", default=os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the merge alone against each index and foreign key of account (~10 min)")
    parser.add_argument("--smoke", action="store_true", help="2,000 rows, no breakdown: proves it runs, in seconds")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.breakdown = 2_000, False
    service.LANES = args.lanes

    plugins = PluginRegistry.discover()
    name = f"creditbank_bench_import_{os.getpid()}"
    admin = await asyncpg.connect(args.dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(args.dsn, name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            env = {"CREDITBANK_HOME": str(home), "CREDITBANK_SECRET_KEY": "bench-secret",
                   "CREDITBANK_TENANTS_DIR": str(ROOT / "tenants")}
            pg = Settings.from_env({**env, "CREDITBANK_DATABASE_URL": dsn})
            sqlite = Settings.from_env({**env, "CREDITBANK_DATABASE_URL": f"sqlite:///{home / 'bench.sqlite3'}"})

            codes = await unit_codes_for_file(plugins, pg)
            csv_path = home / "learners.csv"
            started = time.perf_counter()
            write_learners_csv(csv_path, args.rows, codes)
            print(f"generated {args.rows:,} learners over {len(codes)} units in {time.perf_counter() - started:.1f} s "
                  f"({csv_path.stat().st_size / 1e6:.0f} MB)")

            seconds = await run_import(pg, plugins, csv_path, args.rows, args.batch)
            rss = peak_rss_mb()
            ours = args.rows / seconds
            print(f"PostgreSQL import       {ours:>10,.0f} rows/s   ({seconds:.1f} s, batch {args.batch:,}, lanes {args.lanes})")
            copy_seconds = await raw_copy(dsn, csv_path)
            raw = args.rows / copy_seconds
            print(f"PostgreSQL raw COPY     {raw:>10,.0f} rows/s   ({copy_seconds:.1f} s, bare table of text columns)")
            print(f"ratio import / COPY     {ours / raw:>10.3f}        (target >= 0.15; absolute target >= 100,000 rows/s)")
            await account_schema(dsn)
            for connections in (1, 2):
                floor_rows, floor_seconds, floor_cpu = await merge_into_copy(dsn, list(SCHEMA_PARTS), connections)
                floor = floor_rows / floor_seconds
                cpu_text = f"; {floor_cpu:.1f} µs of server CPU a row" if floor_cpu is not None else ""
                print(f"schema floor, {connections} conn.  {floor:>10,.0f} rows/s   (INSERT … SELECT of the finished rows into "
                      f"a copy of account with its indexes and foreign keys, server only{cpu_text}; "
                      f"import / floor {ours / floor:.2f})")
            if args.breakdown:
                await schema_breakdown(dsn)
            print(f"peak memory (RSS)       {rss:>10,.0f} MB       (ru_maxrss after the PostgreSQL import; target <= 300 MB)")

            py_seconds = python_side(csv_path, codes, args.batch)
            print(f"Python side alone       {args.rows / py_seconds:>10,.0f} rows/s   (read, check, hash and encrypt; "
                  f"no database; one core)")

            if not args.skip_sqlite:
                seconds = await run_import(sqlite, plugins, csv_path, args.rows, args.batch)
                print(f"SQLite import           {args.rows / seconds:>10,.0f} rows/s   ({seconds:.1f} s)")
                print(f"peak memory (RSS)       {peak_rss_mb():>10,.0f} MB       (after both imports)")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
