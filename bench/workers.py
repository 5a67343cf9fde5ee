"""Stateless workers under a realistic mix: ``creditbank serve --workers N`` at 1, 2 and 4
workers on PostgreSQL, driven by one load generator, in one run.

    .venv/bin/python bench/workers.py [--workers 1,2,4] [--seconds 10] [--connections 32]
        [--small] [--smoke] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

The platform runs as it does in production (``creditbank serve``: uvicorn's supervisor and N
worker processes, Redis shared when ``CREDITBANK_REDIS_URL`` is set, here left to each worker);
this process sends keep-alive HTTP/1.1 requests over ``--connections`` connections, each
request drawn from this mix (weights in ``MIX``):

  catalog search (anonymous)   ``GET /catalog?q=``, a two- to four-character word of a name
  my outcomes                  ``GET /me/achievements?limit=10`` of one of 300 learners
  my applications              ``GET /me/applications`` of one of them
  review queue                 ``GET /reviews?status=pending&limit=50`` of a sub-centre's admin
  decisions                    ``POST /reviews/{id}/decision`` approving a pending item (each once)
  verification                 ``GET /verify/{code}`` of an issued proof (record + signature)
  logins                       ``POST /auth/login`` (argon2: the dearest request by far)

Data: the Zhejiang tenant with the review benchmark's world (``bench/reviews.py``: catalog,
rules, applications of many learners over its 104 units; ``--small`` a tenth of it). Printed
per worker count: requests/s, p50/p99 of the whole mix and per kind, the CPU each group of
processes used (server, PostgreSQL, this generator) as a share of one core, and the scaling
ratio against one worker measured in the same run. On a 2-core machine the generator and
PostgreSQL share the cores with the workers: the CPU shares show where the ceiling is.
Figures are printed, never asserted; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent))  # harness
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import PYTHON, LoadResult, combined, free_port, get, mix, post, server  # noqa: E402

from bench.fixtures import (  # noqa: E402
    ACHIEVEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    DEFAULT_DSN,
    NOW,
    SECRET,
    Bulk,
    issue_tokens,
    scratch_postgres,
    settings_for,
    temp_home,
)
from bench.reviews import OPEN, TENANT, Sizes  # noqa: E402
from bench.reviews import build as build_world  # noqa: E402
from core.app import create_app  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

API = f"/t/{TENANT}/api/v1"
PASSWORD = "Bench-login-2026"
MIX = {"catalog search": 30, "my outcomes": 22, "my applications": 14, "review queue": 10, "decisions": 8,
       "verification": 10, "logins": 6}
OPINIONS = {"acceptance_review": "受理点：基准测试受理点 经办人：王丽 意见：同意",
            "re_review": "复审单位：基准测试分中心 复审人：陈明 意见：同意"}


@dataclass
class Load:
    """What the requests are made of: tokens, words, pending items, a proof's code."""

    learners: list[tuple[str, str]]  # (username, bearer token)
    logins: list[str]  # usernames whose password is PASSWORD
    words: list[str]
    reviewer: dict[int, str]  # unit id -> its admin's token
    pending: list[tuple[int, str, int]]  # (application id, step, unit id)
    code: str


async def prepare_load(settings: Settings, plugins: PluginRegistry, sizes: Sizes) -> Load:
    world = await build_world(settings, plugins, sizes, with_queue=True)
    from core.security.passwords import hash_password

    async with Bulk.open(settings) as bulk:
        learners = await bulk.fetch("SELECT id, username FROM account WHERE tenant_id = $1 AND kind = 'learner' "
                                    "AND username LIKE 'learner%' ORDER BY id LIMIT 300", world.tenant_id)
        await bulk.conn.execute("UPDATE account SET password_hash = $1 WHERE id = ANY($2::int[])",
                                hash_password(PASSWORD), [r[0] for r in learners[:60]])
        names = [r[0] for r in await bulk.fetch("SELECT name FROM catalog_entry WHERE tenant_id = $1 ORDER BY id "
                                                "LIMIT 2000", world.tenant_id)]
        admins = await bulk.fetch("SELECT account_id, unit_id FROM staff_role WHERE tenant_id = $1 "
                                  "AND account_id = ANY($2::int[])", world.tenant_id,
                                  [world.subcentre_admin, world.branch_admin])
        units = [unit for _, unit in admins]
        rows = await bulk.fetch("SELECT id, chain, current_step, step_unit_id FROM application WHERE tenant_id = $1 "
                                "AND status = ANY($2::text[]) AND step_unit_id = ANY($3::int[]) ORDER BY id",
                                world.tenant_id, list(OPEN), units)
        pending = [(r[0], msgspec.json.decode(r[1])["steps"][r[2]]["name"], r[3]) for r in rows]
        pending = [p for p in pending if p[1] in OPINIONS]
        proof_application = await _proof_application(bulk, world.tenant_id, learners[0][0], units[0])
        await bulk.analyze()
    rnd = random.Random(11)
    words = sorted({name[i:i + n] for name in names for n in (2, 3, 4)
                    for i in [rnd.randrange(max(1, len(name) - n + 1))] if len(name) >= n})
    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    async with LifespanManager(app):
        tokens = await issue_tokens({str(i): (i, world.tenant_id) for i, _ in learners})
        staff = await issue_tokens({str(unit): (account, world.tenant_id) for account, unit in admins})
        code = await _issue_proof(app, proof_application)
    rnd.shuffle(pending)
    return Load([(u, tokens[str(i)]) for i, u in learners], [u for _, u in learners[:60]], words,
                {int(unit): token for unit, token in staff.items()}, pending, code)


async def _proof_application(bulk: Bulk, tenant_id: int, learner_id: int, unit_id: int) -> int:
    """A certificate application of ``learner_id`` listing three catalog outcomes, at its last step."""
    entries = await bulk.fetch("SELECT id, category, subtype, name, institution, fields FROM catalog_entry "
                               "WHERE tenant_id = $1 ORDER BY id LIMIT 3", tenant_id)
    chain = (await bulk.fetch("SELECT chain FROM application WHERE tenant_id = $1 AND kind = 'certificate' LIMIT 1",
                              tenant_id))[0][0]
    first = await bulk.next_id("achievement")
    app_id = await bulk.next_id("application")
    rows = [(first + j, tenant_id, learner_id, e[1], e[2], e[0], e[3], e[4],
             e[5] if isinstance(e[5], str) else msgspec.json.encode(e[5]).decode(), NOW.date(), "catalog", "self", "",
             None, None, None, NOW, NOW) for j, e in enumerate(entries)]
    await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows)
    last = len(msgspec.json.decode(chain)["steps"]) - 1
    await bulk.load("application", APPLICATION_COLUMNS, [(app_id, tenant_id, learner_id, "certificate", None, None,
                                                          None, "in_review", chain, last, "unit_admin", unit_id, None,
                                                          None, NOW, NOW, None, NOW, NOW)])
    await bulk.load("proof_request_item", ("tenant_id", "application_id", "achievement_id", "position"),
                    [(tenant_id, app_id, first + j, j) for j in range(len(rows))])
    return app_id


async def _issue_proof(app, application_id: int) -> str:
    from core.certificates import issuing
    from core.clock import utcnow
    from core.reviews.engine import decode_chain
    from core.reviews.tables import Application

    tenant = await app.state.tenants.get(TENANT)
    await issuing.ensure_key(tenant)
    row = (await Application.select().where(Application.id == application_id))[0]
    async with Application._meta.db.transaction():
        issued = await issuing.issue(tenant, row, decode_chain(row["chain"]), utcnow(), f"http://bench.local/t/{TENANT}")
    return issued["proof_code"]


# ---------------------------------------------------------------------------------------------
# Measuring


class Requests:
    """Draws the next request of the mix; decisions take each pending item once."""

    def __init__(self, load: Load, pending: list[tuple[int, str, int]], seed: int) -> None:
        self.load = load
        self.pending = iter(pending)
        self.rnd = random.Random(seed)
        self.kinds = list(MIX)
        self.weights = list(MIX.values())

    def __call__(self) -> tuple[str, bytes] | None:
        kind = self.rnd.choices(self.kinds, self.weights)[0]
        load, rnd = self.load, self.rnd
        username, token = rnd.choice(load.learners)
        me = {"Authorization": f"Bearer {token}"}
        if kind == "catalog search":
            from urllib.parse import quote

            return kind, get(f"{API}/catalog?q={quote(rnd.choice(load.words))}")
        if kind == "my outcomes":
            return kind, get(f"{API}/me/achievements?limit=10", me)
        if kind == "my applications":
            return kind, get(f"{API}/me/applications", me)
        if kind == "verification":
            return kind, get(f"{API}/verify/{load.code}")
        if kind == "logins":
            body = msgspec.json.encode({"username": rnd.choice(load.logins), "password": PASSWORD})
            return kind, post(f"{API}/auth/login", body)
        unit = rnd.choice(list(load.reviewer))
        if kind == "decisions" and (item := next(self.pending, None)) is not None:
            app_id, step, unit = item
            body = msgspec.json.encode({"step": step, "decision": "approve", "opinion": OPINIONS[step]})
            return kind, post(f"{API}/reviews/{app_id}/decision", body, {"Authorization": f"Bearer {load.reviewer[unit]}"})
        return "review queue", get(f"{API}/reviews?status=pending&limit=50",
                                   {"Authorization": f"Bearer {load.reviewer[unit]}"})


def _ticks(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[str, list[int]]:
    """Every process by command name (``/proc/*/comm``) with its parent, for the CPU shares."""
    out: dict[str, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out.setdefault((entry / "comm").read_text().strip(), []).append(int(entry.name))
            except OSError:
                pass
    return out


def _listening(port: int) -> list[int]:
    """The processes holding the socket listening on ``port``: uvicorn's supervisor and every
    worker it started (they inherit the socket), or the single process of one worker."""
    inodes = {line.split()[9] for table in ("/proc/net/tcp", "/proc/net/tcp6")
              for line in Path(table).read_text().splitlines()[1:]
              if int(line.split()[1].rsplit(":", 1)[1], 16) == port and line.split()[3] == "0A"}
    holders = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd).removeprefix("socket:[").rstrip("]") in inodes for fd in (entry / "fd").iterdir()):
                holders.append(int(entry.name))
        except OSError:
            continue
    if not holders:
        raise RuntimeError(f"no process listens on {port}")
    return holders


@dataclass
class Run:
    workers: int
    results: dict[str, LoadResult]
    cpu: dict[str, float]  # share of one core per group

    @property
    def all(self) -> LoadResult:
        return combined(self.results)


def run_workers(settings: Settings, load: Load, workers: int, pending: list, seconds: float, connections: int) -> Run:
    port = free_port()
    env = {"CREDITBANK_HOME": str(settings.home), "CREDITBANK_DATABASE_URL": settings.database_url,
           "CREDITBANK_SECRET_KEY": SECRET, "CREDITBANK_TENANTS_DIR": str(settings.tenants_dir),
           "CREDITBANK_BASE_URL": "http://bench.local", "CREDITBANK_ALLOWED_HOSTS": "127.0.0.1"}
    cmd = [PYTHON, "-c", "from core.cli import main; main()", "serve", "--port", str(port), "--workers", str(workers)]
    with server(cmd, port, env, ready_path="/healthz") as base:
        warm = Requests(load, [], seed=1)
        mix(base, warm, 1.5, connections)  # every worker has its pool and caches
        family = _listening(port)
        postgres = _processes().get("postgres", [])
        before = (_ticks(family), _ticks(postgres), sum(os.times()[:2]))
        started = time.perf_counter()
        results = mix(base, Requests(load, pending, seed=workers), seconds, connections)
        wall = time.perf_counter() - started
        after = (_ticks(family), _ticks(postgres), sum(os.times()[:2]))
    cpu = {label: (b - a) / wall for label, a, b in zip(("server", "PostgreSQL", "generator"), before, after)}
    return Run(workers, results, cpu)


def report(runs: list[Run]) -> None:
    base = runs[0].all.rps
    for run in runs:
        total = run.all
        print(f"\n{run.workers} worker{'s' if run.workers > 1 else ''}: {total.rps:,.0f} req/s   "
              f"p50 {total.pct(50):.1f} ms   p99 {total.pct(99):.1f} ms   errors {total.errors}")
        for kind in MIX:
            if kind in run.results:
                print("  " + run.results[kind].line(kind))
        shares = "   ".join(f"{label} {share * 100:.0f}%" for label, share in run.cpu.items())
        print(f"  CPU (share of one core): {shares}   cores: {os.cpu_count()}")
    for run in runs[1:]:
        print(f"ratio: throughput at {run.workers} workers / 1 worker {run.all.rps / base:.2f}"
              f"   (target at 2 workers ≥ 1.30)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated (the first is the baseline)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--small", action="store_true", help="a tenth of the data")
    parser.add_argument("--smoke", action="store_true", help="tiny data, 1 and 2 workers, short runs")
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    args = parser.parse_args()
    sizes = Sizes().smoke() if args.smoke else Sizes().small() if args.small else Sizes()
    counts = [1, 2] if args.smoke else [int(n) for n in args.workers.split(",")]
    seconds = 2.0 if args.smoke else args.seconds
    connections = 8 if args.smoke else args.connections
    plugins = PluginRegistry.discover()
    started = time.perf_counter()
    print(f"workers benchmark — {sizes.applications:,} applications, {sizes.entries:,} catalog entries; "
          f"{connections} connections, {seconds:.0f} s per worker count")
    with temp_home() as tmp:
        async with scratch_postgres(args.dsn, "creditbank_bench_workers") as dsn:
            settings = settings_for(Path(tmp), dsn)
            load = await prepare_load(settings, plugins, sizes)
            share = len(load.pending) // len(counts)
            print(f"  {len(load.learners)} learners with tokens, {len(load.words):,} search words, "
                  f"{len(load.pending):,} pending items to decide ({share:,} per run)")
            # The load generator runs its own event loop: in a thread, beside this one.
            runs = [await asyncio.to_thread(run_workers, settings, load, n, load.pending[k * share:(k + 1) * share],
                                            seconds, connections) for k, n in enumerate(counts)]
    report(runs)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
