"""Login protection (lockout, storms, logout) and ID numbers as sensitive data."""

from __future__ import annotations

from core.accounts.tables import Account, AuditEntry
from tests.accounts.helpers import STAFF_PASSWORD, bearer, last_code, login, make_id, staff_headers

T = "/t/zhejiang/api/v1"


async def _learner(client, admin, window, id_number: str, phone: str) -> None:
    await client.post(f"{T}/admin/learners", json={"real_name": "孙八", "id_number": id_number, "phone": phone, "identity_checked": True}, headers=window)
    code = await last_code(client, "zhejiang", admin, phone)
    response = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    assert response.status_code == 200, response.text


async def test_five_wrong_passwords_lock_the_account_for_15_minutes(client):
    await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="window1")
    for _ in range(4):
        wrong = await login(client, "zhejiang", "window1", "wrong-password-1")
        assert wrong.status_code == 401 and wrong.json()["detail"] == "用户名或密码错误"
    locked = await login(client, "zhejiang", "window1", "wrong-password-1")
    assert locked.status_code == 423 and "15 分钟" in locked.json()["detail"]
    still = await login(client, "zhejiang", "window1", STAFF_PASSWORD)
    assert still.status_code == 423 and "锁定" in still.json()["detail"]


async def test_an_unknown_user_and_a_wrong_password_look_the_same(client):
    await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="centre1")
    a = await login(client, "zhejiang", "nobody-here", "whatever-1")
    b = await login(client, "zhejiang", "centre1", "whatever-1")
    assert (a.status_code, a.json()["detail"]) == (b.status_code, b.json()["detail"]) == (401, "用户名或密码错误")


async def test_a_login_storm_from_one_address_is_turned_away(client):
    for i in range(30):
        await login(client, "zhejiang", f"storm-{i}", "wrong-password-1")
    storm = await login(client, "zhejiang", "storm-x", "wrong-password-1")
    assert storm.status_code == 429 and "频繁" in storm.json()["detail"]


async def test_logout_revokes_the_token(client):
    headers = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    assert (await client.get(f"{T}/me", headers=headers)).status_code == 200
    assert (await client.post(f"{T}/auth/logout", headers=headers)).status_code == 204
    assert (await client.get(f"{T}/me", headers=headers)).status_code == 401


async def test_id_numbers_are_encrypted_masked_and_revealed_only_with_an_audit_entry(client):
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    other = await staff_headers(client, "zhejiang", "ZJ-S14", "unit_admin")
    id_number = make_id("330102", "19800808")
    await _learner(client, admin, window, id_number, "13522223333")
    row = await Account.select().where(Account.phone == "13522223333").first()
    # Zhejiang's username is the ID number by design: even so it is stored masked, not whole
    assert row["username"] == row["id_number_masked"] and row["username_hash"]
    assert id_number not in repr(row)
    assert row["id_number_masked"] == id_number[:4] + "**********" + id_number[-4:]

    listed = await client.get(f"{T}/admin/learners", params={"q": id_number}, headers=window)
    assert [a["id"] for a in listed.json()["items"]] == [row["id"]]
    assert all(id_number not in str(a["id_number_masked"]) for a in listed.json()["items"])

    assert (await client.post(f"{T}/admin/learners/{row['id']}/id-number", json={"reason": "核对"}, headers=other)).status_code == 404
    no_reason = await client.post(f"{T}/admin/learners/{row['id']}/id-number", json={"reason": " "}, headers=window)
    assert no_reason.status_code == 400
    revealed = await client.post(f"{T}/admin/learners/{row['id']}/id-number", json={"reason": "现场核对身份证原件"}, headers=window)
    assert revealed.status_code == 200 and revealed.json()["id_number"] == id_number
    entry = await AuditEntry.select().where(AuditEntry.id == revealed.json()["audit_id"]).first()
    assert entry["action"] == "learner.reveal_id_number" and entry["detail"] == "现场核对身份证原件"
    assert entry["target"] == f"account:{row['id']}"

    learner = bearer(await login(client, "zhejiang", id_number, "Learner-2026"))
    assert (await client.post(f"{T}/admin/learners/{row['id']}/id-number", json={"reason": "x"}, headers=learner)).status_code == 403


async def test_with_redis_two_workers_count_a_storm_together(settings, plugins, home):
    """Two app instances (as two workers) share the storm counter through Redis."""
    import msgspec
    import redis.asyncio as aioredis

    from core.app import create_app
    from tests.conftest import redis_test_url, serve

    url = redis_test_url()
    redis = aioredis.from_url(url)
    await redis.delete(*(await redis.keys("creditbank:limit:*")) or ["-"])
    shared = msgspec.structs.replace(settings, redis_url=url)
    worker_a, worker_b = create_app(shared, plugins, run_sender=False), create_app(shared, plugins, run_sender=False)
    async with serve(worker_a) as a, serve(worker_b) as b:
        for i in range(15):
            await login(a, "zhejiang", f"storm-a{i}", "wrong-password-1")
            await login(b, "zhejiang", f"storm-b{i}", "wrong-password-1")
        assert (await login(a, "zhejiang", "x", "wrong-password-1")).status_code == 429
        assert (await login(b, "zhejiang", "x", "wrong-password-1")).status_code == 429
    await redis.delete(*(await redis.keys("creditbank:limit:*")) or ["-"])
    await redis.aclose()
