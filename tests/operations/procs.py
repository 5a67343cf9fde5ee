"""Real platform processes for the operations tests: ``creditbank`` commands and servers run
as a user runs them, in a home (and, on PostgreSQL, a database) of the test's own."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.conftest import TENANTS_DIR
from tests.faults import closed_port

ROOT = Path(__file__).resolve().parents[2]


def _admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _admin(url: str, statement: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(_admin_url(url))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@contextlib.contextmanager
def empty_postgres_database() -> Iterator[str]:
    """A new, empty database beside the suite's (``CREDITBANK_TEST_DATABASE_URL``), dropped after."""
    base = os.environ["CREDITBANK_TEST_DATABASE_URL"]
    name = f"{urlsplit(base).path.lstrip('/')}_{uuid.uuid4().hex[:8]}"
    _admin(base, f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def env_for(home: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a platform process in ``home``: the embedded default (SQLite file,
    local folder, ``var/secret_key``) unless a database URL is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITBANK_")}
    env.update({"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR), "PYTHONPATH": str(ROOT)})
    if database_url:
        env["CREDITBANK_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


class Server:
    """``creditbank serve`` on a free loopback port; its output goes to a file."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = closed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90, workers: int = 1) -> float:
        """Seconds until ``/readyz`` answers 200 and ``workers`` workers said they started."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                ready = httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and self.output().count("Application startup complete") >= workers:
                return time.monotonic() - start
            time.sleep(0.2)
        raise AssertionError(f"not ready after {timeout} s:\n{self.output()}")

    def kill(self) -> None:
        """kill -9, as the machine's OOM killer or a power cut would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 9)
        self.process.wait(10)
        self._out.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
