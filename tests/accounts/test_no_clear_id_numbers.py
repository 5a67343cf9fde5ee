"""No full ID number is stored in clear anywhere (issue 12, finding 1).

Learners come in through every public way on every province — bulk import, opening at a
service window, self-registration, activation by ID number and by the ``S`` + ID username,
the account review and its e-mail, a reveal whose reason repeats the number, an import whose
file name and bad rows carry numbers — then the raw database is read as bytes (the SQLite
file with its WAL checkpointed, or a ``pg_dump`` of the PostgreSQL database) and none of the
numbers, nor their ``S`` + ID form, may appear in it.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from core.accounts.identity import mask_id_number
from core.accounts.tables import Account, AuditEntry
from core.clock import utcnow
from core.notifications.tables import Notification
from core.security.pii import PiiProtector
from core.tenancy.tables import Tenant
from tests.accounts.helpers import bearer, last_code, login, make_id, run_import, staff_headers


# Numbers of this test's own (region 110101, born 1986-06-06): no other test makes them, so
# whatever other tests left in free pages cannot make this one pass or fail.
def _id() -> str:
    return make_id("110101", "19860606")


def _csv(rows: list[str]) -> bytes:
    return ("姓名,证件号码,手机号码,电子邮箱,所属单位\n" + "\n".join(rows) + "\n").encode("utf-8-sig")


async def _database_bytes(settings) -> bytes:
    """Everything the database holds at rest, as bytes."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path)
        with sqlite3.connect(path) as conn:  # fold the WAL into the file (and scan what is left of it too)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists())
    parts = urlsplit(url)
    dump = await asyncio.to_thread(
        subprocess.run,
        ["pg_dump", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
         "-d", parts.path.lstrip("/"), "--data-only"],
        capture_output=True, check=True, env={**os.environ, "PGPASSWORD": parts.password or ""},
    )
    return dump.stdout


def _leaks(raw: bytes, numbers: list[str]) -> list[str]:
    text = raw.decode("utf-8", "replace")
    return [n for n in numbers if n in text or n.encode() in raw or ("S" + n) in text]


async def test_no_full_id_number_is_stored_anywhere(client, settings):
    numbers: list[str] = []

    def new() -> str:
        numbers.append(_id())
        return numbers[-1]

    # -- Guangdong: import (username = the ID number), activation by ID number, registration
    T = "/t/guangdong/api/v1"
    gd = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    imported, other = new(), new()
    bad_unit = new()
    job = await run_import(client, "guangdong", "learners", _csv([
        f"曾炫云,{imported},13712340001,,GD-GOU-TP02",
        f"李怀宇,{other},,li86@example.com,GD-GOU-TP01",
        f"未知单位,{bad_unit},,,{bad_unit}",  # a bad row whose message would quote the number
    ]), gd, filename=f"学员{imported}.csv")
    assert (job["status"], job["created"], job["failed"]) == ("done", 2, 1)
    assert imported not in repr(job)
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": imported})
    assert sent.status_code == 202, sent.text
    code = await last_code(client, "guangdong", gd, "13712340001")
    done = await client.post(f"{T}/auth/activate", json={"id_number": imported, "code": code, "password": "gd-pass-1", "channel": "sms"})
    assert done.status_code == 200 and done.json()["username"] == mask_id_number(imported)
    by_username = await login(client, "guangdong", imported, "gd-pass-1")  # the username is the ID number
    assert by_username.status_code == 200 and imported not in by_username.text
    registered_id = new()
    await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13812340002"})
    code = await last_code(client, "guangdong", gd, "13812340002")
    registered = await client.post(f"{T}/auth/register", json={
        "agree_terms": True, "username": "gdlearner86", "real_name": "明耀星", "password": "gd2020pass",
        "password_confirm": "gd2020pass", "nationality": "中国", "ethnicity": "汉族", "gender": "男",
        "id_number": registered_id, "birth_date": "1986-06-06", "region": "广东省广州市", "address": "天河路 1 号",
        "phone": "13812340002", "email": "ming86@example.com", "code": code})
    assert registered.status_code == 201, registered.text
    assert (await login(client, "guangdong", registered_id, "gd2020pass")).status_code == 200

    # -- National OUC: import (S + ID), activation by the S + ID username, review, approval e-mail
    T = "/t/national_ouc/api/v1"
    ouc = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    student = new()
    await run_import(client, "national_ouc", "learners", _csv([f"林佳,{student},,,OUC-GS"]), ouc)
    lookup = await client.post(f"{T}/auth/activation/lookup", json={"username": "S" + student})
    assert lookup.status_code == 200 and lookup.json()["username"] == "S" + mask_id_number(student)
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "email", "username": "S" + student,
                                                      "email": "linjia86@example.com"})
    assert sent.status_code == 202, sent.text
    code = await last_code(client, "national_ouc", ouc, "linjia86@example.com")
    activated = await client.post(f"{T}/auth/activate", json={"username": "S" + student, "code": code, "password": "Ouc-pass-2026",
                                                              "channel": "email", "email": "linjia86@example.com"})
    assert activated.status_code == 200 and activated.json()["status"] == "pending_review", activated.text
    reviewed = await client.post(f"{T}/admin/learners/{activated.json()['id']}/review", json={"decision": "approve"}, headers=ouc)
    assert reviewed.status_code == 200 and reviewed.json()["username"] == "S" + mask_id_number(student)
    approved = await login(client, "national_ouc", "S" + student, "Ouc-pass-2026")
    assert approved.status_code == 200 and approved.json()["account"]["username"] == "S" + mask_id_number(student)
    masked = await login(client, "national_ouc", "S" + mask_id_number(student), "Ouc-pass-2026")
    assert masked.status_code == 401  # the stored, masked form is no username
    me = await client.get(f"{T}/me", headers=bearer(approved))
    assert me.status_code == 200 and student not in me.text
    reason = await client.post(f"{T}/admin/learners/{activated.json()['id']}/id-number", json={"reason": f"核对 S{student} 的学籍"},
                               headers=ouc)
    assert reason.status_code == 200 and reason.json()["id_number"] == student  # the audited reveal still works

    # -- Gansu: import, activation by ID number
    T = "/t/gansu/api/v1"
    gs = await staff_headers(client, "gansu", "GS", "tenant_admin")
    gansu = new()
    await run_import(client, "gansu", "learners", _csv([f"袁若琦,{gansu},,,GS-LZ"]), gs)
    await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "email", "id_number": gansu, "email": "yuan86@example.com"})
    code = await last_code(client, "gansu", gs, "yuan86@example.com")
    activated = await client.post(f"{T}/auth/activate", json={"id_number": gansu, "code": code, "password": "Gansu-2026",
                                                              "email": "yuan86@example.com"})
    assert activated.status_code == 200, activated.text

    # -- Zhejiang: opening at the window (username = the ID number), import
    T = "/t/zhejiang/api/v1"
    zj = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    opened = new()
    response = await client.post(f"{T}/admin/learners", json={"real_name": "孙八", "id_number": opened, "phone": "13512340003",
                                                              "identity_checked": True}, headers=window)
    assert response.status_code == 201 or response.status_code == 200, response.text
    assert response.json()["username"] == mask_id_number(opened)
    code = await last_code(client, "zhejiang", zj, "13512340003")
    activated = await client.post(f"{T}/auth/activate", json={"username": opened, "code": code, "password": "Learner-2026"})
    assert activated.status_code == 200, activated.text
    assert (await login(client, "zhejiang", opened, "Learner-2026")).status_code == 200
    zj_imported = new()
    await run_import(client, "zhejiang", "learners", _csv([f"钱九,{zj_imported},13512340004,,ZJ-S01"]), zj)
    found = await client.post(f"{T}/auth/activation/lookup", json={"username": zj_imported})  # by username alone
    assert found.status_code == 200 and found.json()["username"] == mask_id_number(zj_imported)

    # Every way in worked: each number has its account, found by its keyed hash.
    assert await Account.count().where(Account.id_number_masked.is_in([mask_id_number(n) for n in numbers])) == len(numbers) - 1

    raw = await _database_bytes(settings)
    assert mask_id_number(student).encode() in raw  # the scan sees what is stored
    assert _leaks(raw, numbers) == []


async def test_the_migration_converts_accounts_messages_and_audit_entries_stored_before(client, settings):
    """Rows written before the fix — a username that is ``S`` + ID, an approval e-mail quoting
    it, an audit entry naming it — are converted by the accounts migration of 2026-12-02; the
    learner still logs in with the username they know."""
    from core.security.passwords import hash_password_async

    migration = importlib.import_module("core.accounts.piccolo_migrations.accounts_2026_12_02t18_35_00_000000")
    tenant = await Tenant.select(Tenant.id).where(Tenant.slug == "national_ouc").first()
    pii = PiiProtector(settings.secret_key)
    number = _id()
    now = utcnow()
    await Account.raw(
        "INSERT INTO account (tenant_id, kind, username, status, real_name, id_number_hash, id_number_enc, id_number_masked, "
        "gender, ethnicity, nationality, address, region, profile, source, failed_logins, password_hash, created_at, updated_at) "
        "VALUES ({}, 'learner', {}, 'active', '旧学员', {}, {}, {}, '', '', '', '', '', {}, 'import', 0, {}, {}, {})",
        tenant["id"], "S" + number, pii.lookup_hash(number), pii.encrypt(number), mask_id_number(number), "{}",
        await hash_password_async("Old-pass-2026"), now, now)
    await Notification.insert(Notification(tenant_id=tenant["id"], event="account.reviewed", channel="email",
                                           recipient="old@example.com", subject="账户已开通",
                                           body=f"用户名：S{number}", dedupe_key="old-1", created_at=now, next_attempt_at=now))
    await AuditEntry.insert(AuditEntry(tenant_id=tenant["id"], action="learner.reveal_id_number", target="account:1",
                                       detail=f"核对 {number}", created_at=now))

    from tests.audit.helpers import untriggered

    async with untriggered():  # the migration ran before the audit log became append-only (2026-12-04)
        await migration.convert(pii)
        await migration.convert(pii)  # a second run finds nothing left to do

    assert _leaks(await _database_bytes(settings), [number]) == []
    old = await login(client, "national_ouc", "S" + number, "Old-pass-2026")
    assert old.status_code == 200, old.text
    assert old.json()["account"]["username"] == "S" + mask_id_number(number)
