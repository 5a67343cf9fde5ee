"""Issue 13 item 6: an import whose process is killed mid-way is failed, with a message, when
the platform starts again, and its upload — learner lists hold ID numbers — is deleted; while
it exists the upload is sealed, never an ID number in clear."""

from __future__ import annotations

import asyncio
import io
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from core.accounts.identity import check_digit
from core.accounts.tables import ImportJob
from core.clock import utcnow
from core.imports.jobs import SealedUpload, fail_dead_jobs, job_upload_path
from tests.conftest import database_kind
from tests.operations.procs import Server, cli, empty_postgres_database, env_for

PASSWORD = "Imp0rt-2026!x"
ID_NUMBER = re.compile(rb"\d{17}[\dX]")
ROWS = 150_000


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str | None]:
    if database_kind() == "postgres":
        with empty_postgres_database() as url:
            yield url
    else:
        yield None


def _learners_csv(rows: int) -> bytes:
    lines = ["姓名,证件号码,所属单位"]
    for n in range(rows):
        birth = date(1970, 1, 1) + timedelta(days=n // 1000)
        first17 = f"440106{birth:%Y%m%d}{n % 1000:03d}"
        lines.append(f"学员{n},{first17}{check_digit(first17)},GD-GOU")
    return ("\n".join(lines) + "\n").encode()


def _job(url: str | None, home: Path, job_id: int) -> dict:
    sql = f"SELECT status, message, done FROM import_job WHERE id = {job_id}"
    if url is None:
        with sqlite3.connect(home / "var" / "creditbank.sqlite3") as connection:
            status, message, done = connection.execute(sql).fetchone()
    else:
        import asyncpg

        async def read():
            connection = await asyncpg.connect(url)
            try:
                return tuple(await connection.fetchrow(sql))
            finally:
                await connection.close()

        status, message, done = asyncio.run(read())
    return {"status": status, "message": message, "done": done}


def test_an_import_killed_mid_way_is_failed_on_the_next_start_and_its_upload_deleted(tmp_path, empty_database):
    home = tmp_path / "home"
    env = env_for(home, empty_database, CREDITBANK_JOB_STALE_SECONDS="2")
    server = Server(env, tmp_path / "first.log")
    try:
        server.wait_ready()
        made = cli(env, "staff", "create", "--tenant", "guangdong", "--unit", "GD-GOU", "--role", "tenant_admin",
                   "--username", "importer", "--password", PASSWORD)
        assert made.returncode == 0, made.stdout + made.stderr
        with httpx.Client(base_url=f"{server.url}/t/guangdong/api/v1", timeout=60) as http:
            token = http.post("/auth/login", json={"username": "importer", "password": PASSWORD}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            started = http.post("/admin/imports/learners", headers=headers,
                                files={"file": ("学员.csv", _learners_csv(ROWS), "text/csv")})
            assert started.status_code == 202, started.text
            job_id = started.json()["job_id"]
            upload = job_upload_path(home / "var", job_id)
            deadline = time.monotonic() + 60
            while (job := http.get(f"/admin/imports/{job_id}", headers=headers).json())["status"] != "running":
                assert job["status"] == "pending" and time.monotonic() < deadline, job
                time.sleep(0.05)
            assert upload.exists()
            sealed = upload.read_bytes()
            server.kill()
    finally:
        server.stop()
    assert 0 <= _job(empty_database, home, job_id)["done"] < ROWS
    assert _job(empty_database, home, job_id)["status"] == "running"  # as the dead process left it
    assert len(sealed) > ROWS * 20 and not ID_NUMBER.search(sealed)  # the whole file, sealed
    for path in (home / "var" / "imports").iterdir():
        assert not ID_NUMBER.search(path.read_bytes()), path

    time.sleep(2.5)  # older than CREDITBANK_JOB_STALE_SECONDS
    with Server(env, tmp_path / "second.log") as again:
        again.wait_ready()
        job = _job(empty_database, home, job_id)
    assert job["status"] == "failed", job
    assert "导入任务已中断" in job["message"] and "重新上传" in job["message"]
    assert not upload.exists()
    print(f"import killed after {job['done']} of {ROWS} rows: failed on restart, upload gone")


async def _dead_live_and_done_jobs(var: Path) -> tuple[int, int, int]:
    from core.tenancy.tables import Tenant

    tenant = (await Tenant.select(Tenant.id).where(Tenant.slug == "guangdong").first())["id"]
    old, now = utcnow() - timedelta(seconds=30), utcnow()
    jobs = [ImportJob(tenant_id=tenant, kind="learners", status=status, created_at=old, heartbeat_at=beat)
            for status, beat in (("running", old), ("running", now), ("done", old))]
    for job in jobs:
        await job.save()
        SealedUpload.write(io.BytesIO(b"x"), job_upload_path(var, job.id))
    return jobs[0].id, jobs[1].id, jobs[2].id


async def test_fail_dead_jobs_fails_each_stale_job_once_and_spares_live_ones(seeded, tmp_path):
    dead, live, done = await _dead_live_and_done_jobs(tmp_path)
    long_ago = time.time() - 60
    os.utime(job_upload_path(tmp_path, done), (long_ago, long_ago))
    assert await fail_dead_jobs(tmp_path, 10) == [dead]
    rows = {r["id"]: r for r in await ImportJob.select()}
    assert rows[dead]["status"] == "failed" and "导入任务已中断" in rows[dead]["message"]
    assert rows[dead]["finished_at"] is not None
    assert rows[live]["status"] == "running" and rows[done]["status"] == "done"
    assert not job_upload_path(tmp_path, dead).exists() and job_upload_path(tmp_path, live).exists()
    assert not job_upload_path(tmp_path, done).exists()  # left by a job that ended: no job owns it
    assert await fail_dead_jobs(tmp_path, 10) == []


async def test_a_running_app_sweeps_dead_jobs_periodically(settings, plugins, seeded, tmp_path):
    import msgspec

    from core.app import create_app
    from tests.conftest import serve

    settings = msgspec.structs.replace(settings, home=tmp_path, job_stale_seconds=1)
    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False, sweep_jobs=True)
    async with serve(app):
        dead, live, _ = await _dead_live_and_done_jobs(settings.var_dir)
        for _ in range(60):
            await asyncio.sleep(0.1)
            status = (await ImportJob.select(ImportJob.status).where(ImportJob.id == dead).first())["status"]
            if status == "failed":
                break
        assert status == "failed"
        assert not job_upload_path(settings.var_dir, dead).exists()
