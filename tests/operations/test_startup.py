"""Issue 13 item 5: several processes starting at once on an empty database prepare it once
(migrations, the key check, tenant sync) and all start, on PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import database_kind
from tests.operations.procs import ROOT, Server, empty_postgres_database, env_for

MIGRATION_FILES = sorted(p.stem for p in ROOT.glob("core/*/piccolo_migrations/*.py") if p.stem != "__init__")


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str | None]:
    """A PostgreSQL database with nothing in it, or None: the SQLite file of a new home."""
    if database_kind() == "postgres":
        with empty_postgres_database() as url:
            yield url
    else:
        yield None


def _query(url: str | None, home: Path, sql: str) -> list[tuple]:
    if url is None:
        with sqlite3.connect(home / "var" / "creditbank.sqlite3") as connection:
            return connection.execute(sql).fetchall()

    import asyncpg

    async def run() -> list[tuple]:
        connection = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await connection.fetch(sql)]
        finally:
            await connection.close()

    return asyncio.run(run())


def _assert_prepared_once(url: str | None, home: Path, *outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output and "DuplicateTable" not in output and "startup failed" not in output, output
    names = [row[0] for row in _query(url, home, "SELECT app_name || name FROM migration")]
    assert len(names) == len(set(names)) == len(MIGRATION_FILES)  # every migration, each applied once
    assert _query(url, home, "SELECT count(*) FROM tenant") == [(4,)]
    assert _query(url, home, "SELECT count(*) FROM key_check") == [(1,)]


def test_four_workers_start_on_an_empty_database(tmp_path, empty_database):
    home = tmp_path / "home"
    with Server(env_for(home, empty_database), tmp_path / "serve.log", workers=4) as server:
        seconds = server.wait_ready(workers=4)
        output = server.output()
    _assert_prepared_once(empty_database, home, output)
    print(f"4 workers on an empty {database_kind()} database: ready in {seconds:.1f} s, 0 errors")


def test_two_servers_started_together_prepare_the_database_once(tmp_path, empty_database):
    home = tmp_path / "home"
    env = env_for(home, empty_database)
    with Server(env, tmp_path / "a.log") as first, Server(env, tmp_path / "b.log") as second:
        seconds = max(first.wait_ready(), second.wait_ready())
        outputs = first.output(), second.output()
    _assert_prepared_once(empty_database, home, *outputs)
    print(f"2 servers on an empty {database_kind()} database: both ready in {seconds:.1f} s, 0 errors")
