"""Real PostgreSQL parts on loopback for the scale tests: a PgBouncer in transaction mode and a
streaming replica of the local cluster, each started in a temporary folder and removed after.

Both point at the cluster of the suite (``127.0.0.1:5432`` unless ``CREDITBANK_TEST_DATABASE_URL``
names another). PostgreSQL and PgBouncer refuse to run as root; started by root, they run as the
``postgres`` user."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PRIMARY_URL = os.environ.get("CREDITBANK_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_port_and_database(url: str, port: int, database: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    netloc = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
    path = f"/{database}" if database else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def primary_address(url: str = PRIMARY_URL) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432, parts.username or "postgres"


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program (``initdb``, ``pg_ctl``, ``pg_basebackup``): the newest
    version under /usr/lib/postgresql, else on the PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


def pgbouncer_bin() -> str | None:
    return shutil.which("pgbouncer") or next(iter(glob.glob("/usr/sbin/pgbouncer")), None)


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _server_owned(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def _wait_for(port: int, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    raise RuntimeError(f"{what} did not start on port {port}:\n{text[-3000:]}")


@dataclass
class PgBouncer:
    """PgBouncer 1.18 on ``127.0.0.1:port`` in front of the suite's cluster, in transaction
    mode: each transaction (or statement outside one) gets whichever server connection is
    free, as in production."""

    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @classmethod
    def start(cls, pool_size: int = 8) -> PgBouncer:
        binary = pgbouncer_bin()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (apt-get install pgbouncer)")
        host, port, user = primary_address()
        folder = Path(tempfile.mkdtemp(prefix="creditbank-pgbouncer-"))
        folder.chmod(0o755)
        bouncer = cls(folder=folder, port=free_port())
        (folder / "userlist.txt").write_text(f'"{user}" ""\n')
        (folder / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {bouncer.port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 400
max_db_connections = {pool_size * 2}
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
admin_users = {user}
""")
        for name in ("userlist.txt", "pgbouncer.ini"):
            (folder / name).chmod(0o644)
        _server_owned(folder)
        argv = [binary, str(folder / "pgbouncer.ini")]
        if os.geteuid() == 0:
            argv[1:1] = ["-u", "postgres"]  # PgBouncer will not run as root
        bouncer.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_for(bouncer.port, 15, "pgbouncer", folder / "pgbouncer.log")
        return bouncer

    def url(self, database_url: str = PRIMARY_URL) -> str:
        """``database_url`` with PgBouncer's address instead of the server's."""
        return with_port_and_database(database_url, self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


REPLICATION_HBA_LINE = "host replication all 127.0.0.1/32 trust  # creditbank tests: pg_basebackup, streaming replicas"


@dataclass
class StreamingReplica:
    """A hot standby of the suite's cluster on ``127.0.0.1:port``: ``pg_basebackup -R`` into a
    temporary folder, started with ``pg_ctl``; ``stop`` removes it."""

    folder: Path
    port: int

    @classmethod
    def start(cls) -> StreamingReplica:
        basebackup, pg_ctl = pg_bin("pg_basebackup"), pg_bin("pg_ctl")
        if not basebackup or not pg_ctl:
            raise RuntimeError("PostgreSQL server programs not found")
        host, port, user = primary_address()
        root = Path(tempfile.mkdtemp(prefix="creditbank-replica-"))
        root.chmod(0o755)
        _server_owned(root)
        data = root / "data"
        replica = cls(folder=root, port=free_port())
        # -R writes standby.signal and primary_conninfo; -X stream copies the WAL the backup needs.
        run = subprocess.run(_as_server_user([basebackup, "-h", host, "-p", str(port), "-U", user, "-D", str(data),
                                              "-R", "-X", "stream", "-c", "fast", "--no-sync"]),
                             capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(
                "pg_basebackup failed — the primary must accept replication connections from 127.0.0.1 "
                f"(pg_hba.conf: {REPLICATION_HBA_LINE.split('  #')[0]!r}, then reload; see docs/scale.md):\n{run.stderr}")
        # Debian keeps the cluster's configuration in /etc, outside the copied data folder: the
        # replica gets its own (a few settings; the rest are PostgreSQL's defaults).
        # A standby needs at least the primary's connection and worker limits.
        limits = subprocess.run([pg_bin("psql") or "psql", "-h", host, "-p", str(port), "-U", user, "-d", "postgres", "-Atc",
                                 "SELECT string_agg(name || ' = ' || setting, E'\\n') FROM pg_settings WHERE name IN "
                                 "('max_connections', 'max_worker_processes', 'max_wal_senders', "
                                 "'max_prepared_transactions', 'max_locks_per_transaction')"],
                                capture_output=True, text=True, check=True).stdout
        for name, text in {
            "pg_ident.conf": "",
            "postgresql.conf": f"port = {replica.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                               f"{limits.strip()}\nhot_standby = on\nshared_buffers = 32MB\nfsync = off\n"
                               "logging_collector = off\nmax_standby_streaming_delay = 30s\n"
                               "include_if_exists = 'postgresql.auto.conf'\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        }.items():
            subprocess.run(_as_server_user(["sh", "-c", f"cat > {data / name}"]), input=text, text=True, check=True)
        log = root / "replica.log"
        run = subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"]),
                             capture_output=True, text=True, timeout=90)
        if run.returncode != 0:
            text = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            replica.stop()
            raise RuntimeError(f"replica did not start:\n{run.stdout}\n{run.stderr}\n{text}")
        return replica

    def url(self, database_url: str = PRIMARY_URL) -> str:
        return with_port_and_database(database_url, self.port)

    def stop(self) -> None:
        pg_ctl = pg_bin("pg_ctl")
        data = self.folder / "data"
        if pg_ctl and (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
