"""The audit chain: how fast ``creditbank audit verify`` recomputes a chain, and what the
chained write costs against a plain insert of the same row, in one run.

    .venv/bin/python bench/audit.py [--events 1000000] [--writes 2000] [--skip-sqlite] [--smoke]

A tenant's chain of ``--events`` events is generated (hashes computed as the writer computes
them) and bulk-loaded; verify is timed against reading the same rows without checking them
(the ratio is the cost of the checks). Then ``--writes`` events are written one per
transaction through ``core.audit.chain.append`` and, as the baseline, the same rows inserted
plainly (no head row, no hash), one per transaction. Targets (issue 19): verify >= 50,000
events/s; the audit write <= 10% of a decision (bench/reviews.py measures decisions).

On PostgreSQL (a throw-away database on 127.0.0.1:5432) and on SQLite (a temporary file).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import DEFAULT_DSN, NOW, Bulk, make_engine, prepare, scratch_postgres, settings_for  # noqa: E402
from core import db  # noqa: E402
from core.audit import chain as hashing  # noqa: E402
from core.audit.tables import AuditHead  # noqa: E402
from core.audit.verify import verify_chain  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402

COLUMNS = ["tenant_id", "actor_id", "action", "target", "subject_id", "detail", "client", "created_at", "chain",
           "chain_seq", "prev_hash", "entry_hash", "actor_kind", "actor_role", "actor_unit", "target_table",
           "target_id", "result", "changes"]


def events(tenant_id: int, n: int):
    prev = hashing.GENESIS
    for seq in range(1, n + 1):
        row = {"tenant_id": tenant_id, "actor_id": 1000 + seq % 50, "action": "application.decide",
               "target": f"application:{seq}", "subject_id": None, "detail": "同意", "client": "10.0.0.1",
               "created_at": NOW + timedelta(milliseconds=seq), "chain": tenant_id, "chain_seq": seq, "prev_hash": prev,
               "actor_kind": "staff", "actor_role": "unit_admin", "actor_unit": "GD-01", "target_table": "application",
               "target_id": seq, "result": "done", "changes": '{"decision":"approve","status":["submitted","approved"]}'}
        row["entry_hash"] = prev = hashing.digest(hashing.sealed(row))
        yield tuple(row[c] for c in COLUMNS)


async def run(kind: str, database_url: str, home: Path, n: int, writes: int) -> None:
    settings = settings_for(home, database_url)
    tenants = await prepare(settings, PluginRegistry.discover())
    tenant, other = tenants["guangdong"], tenants["zhejiang"]  # other: the baseline's plain rows
    started = time.perf_counter()
    rows = list(events(tenant, n))
    hashed = time.perf_counter() - started
    async with Bulk.open(settings) as bulk:
        if kind == "sqlite":
            rows = [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in r) for r in rows]
        await bulk.load("audit_entry", COLUMNS, rows)
        await bulk.fetch("INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $2, $3)", tenant, n, rows[-1][11])
        if kind == "sqlite":
            bulk.conn.commit()
        await bulk.analyze()
    engine = make_engine(settings)
    async with db.connected(engine):
        started = time.perf_counter()
        after, read = 0, 0
        while True:
            batch = await db.fetch(AuditHead, "SELECT * FROM audit_entry WHERE chain = $1 AND chain_seq > $2 "
                                   "ORDER BY chain_seq, id LIMIT 5000", tenant, after)
            read += len(batch)
            if len(batch) < 5000:
                break
            after = batch[-1]["chain_seq"]
        plain = time.perf_counter() - started
        started = time.perf_counter()
        report = await verify_chain(tenant)
        verified = time.perf_counter() - started
        assert report.intact and report.events == n, report
        print(f"{kind}: {n:,} events  hashing {n / hashed:,.0f} /s  read {read / plain:,.0f} rows/s  "
              f"verify {n / verified:,.0f} /s ({verified:.2f} s)  ratio verify/read {verified / plain:.2f}")

        fields = {"tenant_id": tenant, "actor_id": 1, "action": "application.decide", "target": "application:1",
                  "subject_id": None, "detail": "同意", "client": "10.0.0.1", "actor_kind": "staff",
                  "actor_role": "unit_admin", "actor_unit": "GD-01", "target_table": "application", "target_id": 1,
                  "result": "done", "changes": ""}
        insert = ("INSERT INTO audit_entry (tenant_id, actor_id, action, target, detail, client, created_at, chain) "
                  "VALUES ({}, {}, {}, {}, {}, {}, {}, {})")
        started = time.perf_counter()
        for _ in range(writes):
            async with AuditHead._meta.db.transaction():
                await AuditHead.raw(insert, other, 1, "x", "application:1", "同意", "10.0.0.1", NOW, other)
        baseline = (time.perf_counter() - started) / writes
        started = time.perf_counter()
        for _ in range(writes):
            await hashing.append(fields)
        chained = (time.perf_counter() - started) / writes
        print(f"{kind}: write, one per transaction: plain insert {baseline * 1e6:,.0f} µs  chained append "
              f"{chained * 1e6:,.0f} µs  ratio chained/plain {chained / baseline:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny data, seconds")
    args = parser.parse_args()
    n, writes = (2000, 50) if args.smoke else (args.events, args.writes)
    with tempfile.TemporaryDirectory() as tmp:
        async with scratch_postgres(DEFAULT_DSN, "bench_audit") as url:
            await run("postgres", url, Path(tmp) / "pg", n, writes)
        if not args.skip_sqlite:
            home = Path(tmp) / "sqlite"
            await run("sqlite", f"sqlite:///{home / 'bench.sqlite3'}", home, n, writes)


if __name__ == "__main__":
    asyncio.run(main())
