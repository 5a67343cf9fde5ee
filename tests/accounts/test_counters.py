"""Counters that guard, under concurrency (audit, issue 12): the five-failure login lock and a
code's five tries are counted by one atomic statement each, so parallel requests cannot share
one count; codes and the activation lookup are capped per client address (and the lookup per
target); a password change or reset, or a disabled account, ends the account's other logins;
invited staff are looked up without their details, and their usernames cannot be guessed."""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx
import pytest

from core.accounts import login as login_module
from core.accounts.tables import Account
from core.security.tables import AuthToken
from tests.accounts.helpers import STAFF_PASSWORD, bearer, last_code, login, make_id, staff_headers
from tests.web.helpers import portal_login, submit

T = "/t/zhejiang/api/v1"
PASSWORD = "Learner-2026"


@contextlib.asynccontextmanager
async def from_address(client: httpx.AsyncClient, address: str):
    """Another client of the same running app, from ``address`` and with its own cookies (a
    second browser, or one more machine of a botnet)."""
    transport = httpx.ASGITransport(app=client._transport.app, client=(address, 50000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        yield other


@contextlib.asynccontextmanager
async def from_addresses(client: httpx.AsyncClient, count: int):
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(from_address(client, f"10.9.{i // 200}.{i % 200 + 1}"))
               for i in range(count)]


async def active_learner(client, admin, window, phone: str = "13522223333") -> str:
    """A Zhejiang learner opened at a window and activated; returns the ID number (their login)."""
    id_number = make_id("330102", "19800808")
    opened = await client.post(f"{T}/admin/learners", json={"real_name": "孙八", "id_number": id_number, "phone": phone,
                                                           "identity_checked": True}, headers=window)
    assert opened.status_code == 201, opened.text
    code = await last_code(client, "zhejiang", admin, phone)
    activated = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": PASSWORD})
    assert activated.status_code == 200, activated.text
    return id_number


@pytest.fixture
async def admin(client):
    return await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")


@pytest.fixture
async def window(client):
    return await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")


def wrong(code: str) -> list[str]:
    return [f"{n:06d}" for n in range(1000, 1200) if f"{n:06d}" != code]


# ---------------------------------------------------------------------------------------------
# Finding 3: the login lock


async def test_twenty_parallel_wrong_passwords_lock_the_account(client):
    await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="window1")
    answers = await asyncio.gather(*(login(client, "zhejiang", "window1", f"wrong-password-{i}") for i in range(20)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * 4 + [423] * 16, statuses
    assert (await login(client, "zhejiang", "window1", STAFF_PASSWORD)).status_code == 423
    row = await Account.select(Account.locked_until).where(Account.username == "window1").first()
    assert row["locked_until"] is not None


async def test_the_right_password_checked_while_the_lock_was_counted_does_not_get_in(client, monkeypatch):
    """The right password read the account before five wrong ones locked it, and its check
    finished after: the lock, not that earlier read, decides."""
    await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="window1")
    verify = login_module.verify_password_async
    in_check, wrong_ones_counted = asyncio.Event(), asyncio.Event()

    async def slow_when_right(password_hash, password):
        if password == STAFF_PASSWORD:
            in_check.set()
            await wrong_ones_counted.wait()
        return await verify(password_hash, password)

    monkeypatch.setattr(login_module, "verify_password_async", slow_when_right)
    right = asyncio.create_task(login(client, "zhejiang", "window1", STAFF_PASSWORD))
    await asyncio.wait_for(in_check.wait(), 10)  # it has read the (unlocked) account and waits in its check
    wrongs = [await login(client, "zhejiang", "window1", f"wrong-password-{i}") for i in range(5)]
    assert [w.status_code for w in wrongs] == [401] * 4 + [423]
    wrong_ones_counted.set()
    assert (await right).status_code == 423


async def test_a_lock_that_ran_out_gives_five_new_tries(client):
    await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="window1")
    for _ in range(5):
        await login(client, "zhejiang", "window1", "wrong-password-1")
    from datetime import timedelta

    from core.clock import utcnow
    await Account.update({Account.locked_until: utcnow() - timedelta(seconds=1)}).where(Account.username == "window1")
    again = [(await login(client, "zhejiang", "window1", "wrong-password-1")).status_code for _ in range(5)]
    assert again == [401] * 4 + [423]


# ---------------------------------------------------------------------------------------------
# Finding 4: a code's tries, and per-address caps


async def test_sixty_parallel_wrong_codes_burn_the_code_and_the_right_one_fails_after(client, admin, window):
    id_number = await active_learner(client, admin, window)
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "reset", "channel": "sms", "id_number": id_number})
    assert sent.status_code == 202, sent.text
    code = await last_code(client, "zhejiang", admin, "13522223333")
    async with from_addresses(client, 61) as botnet:
        def reset(other, guess):
            return other.post(f"{T}/auth/password/reset", json={"id_number": id_number, "channel": "sms", "code": guess,
                                                                "new_password": "Taken-over-2026"})
        answers = await asyncio.gather(*(reset(other, guess) for other, guess in zip(botnet, wrong(code)[:60])))
        assert all(a.status_code == 400 for a in answers), [a.text for a in answers if a.status_code != 400]
        left = sorted(a.json()["detail"] for a in answers if "还可尝试" in a.json()["detail"])
        assert left == [f"验证码错误，还可尝试 {n} 次" for n in (1, 2, 3, 4)], left
        late = await reset(botnet[60], code)
    assert late.status_code in (400, 409) and "失效" in late.json()["detail"]
    assert (await login(client, "zhejiang", id_number, "Taken-over-2026")).status_code == 401
    assert (await login(client, "zhejiang", id_number, PASSWORD)).status_code == 200


async def test_the_right_code_among_sixty_parallel_guesses_works_only_before_five_wrong_ones(client, admin, window):
    """The audit's case: the right code sent 13th of 60. Whatever the order, at most four wrong
    tries were counted when it is accepted, and once five were it is refused."""
    id_number = await active_learner(client, admin, window)
    await client.post(f"{T}/auth/codes", json={"purpose": "reset", "channel": "sms", "id_number": id_number})
    code = await last_code(client, "zhejiang", admin, "13522223333")
    guesses = wrong(code)[:59]
    guesses.insert(12, code)
    async with from_addresses(client, 60) as botnet:
        answers = await asyncio.gather(*(other.post(f"{T}/auth/password/reset", json={
            "id_number": id_number, "channel": "sms", "code": guess, "new_password": "Taken-over-2026"})
            for other, guess in zip(botnet, guesses)))
    counted = [a.json()["detail"] for a in answers if a.status_code == 400 and "还可尝试" in a.json()["detail"]]
    assert len(counted) == len(set(counted)) <= 4, counted
    burned = sum("次数过多" in a.json()["detail"] for a in answers if a.status_code == 400)
    assert burned <= 1
    right = answers[12]
    if right.status_code == 204:  # accepted within its five tries: then nothing burned it
        assert not burned
    else:
        assert "失效" in right.json()["detail"]
        assert (await login(client, "zhejiang", id_number, "Taken-over-2026")).status_code == 401


async def test_sixty_parallel_wrong_activation_codes_burn_the_code(client, admin, window):
    id_number = make_id("330102", "19800808")
    await client.post(f"{T}/admin/learners", json={"real_name": "孙八", "id_number": id_number, "phone": "13522224444",
                                                  "identity_checked": True}, headers=window)
    code = await last_code(client, "zhejiang", admin, "13522224444")
    async with from_addresses(client, 61) as botnet:
        def activate(other, guess):
            return other.post(f"{T}/auth/activate", json={"id_number": id_number, "code": guess, "password": "Taken-over-2026"})
        answers = await asyncio.gather(*(activate(other, guess) for other, guess in zip(botnet, wrong(code)[:60])))
        assert sum("还可尝试" in a.json()["detail"] for a in answers) == 4
        late = await activate(botnet[60], code)
    assert late.status_code in (400, 409) and "失效" in late.json()["detail"]


async def test_code_attempts_are_capped_per_client_address(client, admin, window):
    id_number = await active_learner(client, admin, window)
    body = {"id_number": id_number, "channel": "sms", "code": "000000", "new_password": "Other-pass-2026"}
    async with from_address(client, "10.8.0.1") as other:
        for _ in range(30):
            assert (await other.post(f"{T}/auth/password/reset", json=body)).status_code in (400, 404)
        capped = await other.post(f"{T}/auth/password/reset", json=body)
        assert capped.status_code == 429 and "频繁" in capped.json()["detail"]
        activation = await other.post(f"{T}/auth/activate", json={"id_number": id_number, "code": "000000", "password": "Other-pass-2026"})
        assert activation.status_code == 429 and "频繁" in activation.json()["detail"]
    async with from_address(client, "10.8.0.2") as elsewhere:  # another address is not held back
        assert (await elsewhere.post(f"{T}/auth/password/reset", json=body)).status_code == 400


# ---------------------------------------------------------------------------------------------
# Finding 14: the activation lookup


async def test_the_activation_lookup_is_capped_per_address(client, window):
    async with from_address(client, "10.7.0.1") as prober:
        for _ in range(30):
            probe = await prober.post(f"{T}/auth/activation/lookup", json={"id_number": make_id("330102")})
            assert probe.status_code == 404
        capped = await prober.post(f"{T}/auth/activation/lookup", json={"id_number": make_id("330102")})
        assert capped.status_code == 429 and "频繁" in capped.json()["detail"]


async def test_the_activation_lookup_is_capped_per_target_across_addresses(client, window):
    id_number = make_id("330102", "19800808")
    await client.post(f"{T}/admin/learners", json={"real_name": "孙八", "id_number": id_number, "phone": "13522225555",
                                                  "identity_checked": True}, headers=window)
    async with from_addresses(client, 11) as botnet:
        answers = [await other.post(f"{T}/auth/activation/lookup", json={"id_number": id_number}) for other in botnet]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert "频繁" in answers[-1].json()["detail"]
    # The per-target counter is keyed by a keyed hash, never by the ID number itself.
    limiter = client._transport.app.state.throttles.lookup_targets  # type: ignore[attr-defined]
    assert id_number not in repr(getattr(limiter, "_hits", {}))


async def test_the_activation_page_is_capped_per_address_too(client, window):
    async with from_address(client, "10.7.0.2") as prober:
        for _ in range(30):
            await submit(prober, "/t/zhejiang/activate", "/t/zhejiang/activate", {"identifier": make_id("330102")})
        capped = await submit(prober, "/t/zhejiang/activate", "/t/zhejiang/activate", {"identifier": make_id("330102")})
    assert capped.status_code == 429 and "频繁" in capped.text


async def test_invited_staff_are_looked_up_without_their_details(client, admin):
    invited = await client.post(f"{T}/org/units/ZJ-B01/staff", json={"real_name": "杭州分部管理员", "phone": "13600000001",
                                                                     "role": "unit_admin"}, headers=admin)
    username = invited.json()["username"]
    details = await client.post(f"{T}/auth/activation/lookup", json={"username": username})
    assert details.status_code == 200, details.text
    body = details.json()
    assert body["real_name"] == "" and body["unit_name"] == "" and body["phone_masked"] == "" and body["email_masked"] == ""
    assert "杭" not in details.text and "0001" not in details.text
    assert "sms" in body["channels"]
    code = await last_code(client, "zhejiang", admin, "13600000001")
    activated = await client.post(f"{T}/auth/activate", json={"username": username, "code": code, "password": "Hz-branch-2026",
                                                             "channel": "sms"})
    assert activated.status_code == 200, activated.text


async def test_new_staff_usernames_are_not_sequential(client, admin):
    names = []
    for i in range(3):
        invited = await client.post(f"{T}/org/units/ZJ-B01/staff", json={"real_name": f"管理员{i}", "phone": f"1360000010{i}",
                                                                         "role": "unit_admin"}, headers=admin)
        assert invited.status_code == 201, invited.text
        names.append(invited.json()["username"])
    assert len(set(names)) == 3
    for name in names:
        assert re.fullmatch(r"ZJ-B01-[a-z2-9]{8}", name), name
    given = await client.post(f"{T}/org/units/ZJ-B01/staff", json={"real_name": "x", "phone": "13600000110", "role": "unit_admin",
                                                                   "username": "hz-admin-01"}, headers=admin)
    assert given.status_code == 201 and given.json()["username"] == "hz-admin-01"  # a chosen username stays as given


# ---------------------------------------------------------------------------------------------
# Finding 5: a new password, or a disabled account, ends the other logins


async def _logins(client, username: str, password: str, address: str):
    """A bearer token from the API and a portal session in a browser of its own."""
    token = bearer(await login(client, "zhejiang", username, password))
    stack = contextlib.AsyncExitStack()
    browser = await stack.enter_async_context(from_address(client, address))
    await portal_login(browser, "zhejiang", username, password)
    assert (await browser.get("/t/zhejiang/me")).status_code == 200
    return token, browser, stack


async def _portal_works(browser) -> bool:
    page = await browser.get("/t/zhejiang/me")
    return page.status_code == 200


async def test_changing_the_password_ends_every_other_login(client, admin, window):
    id_number = await active_learner(client, admin, window)
    current = bearer(await login(client, "zhejiang", id_number, PASSWORD))
    other, browser, stack = await _logins(client, id_number, PASSWORD, "10.6.0.1")
    async with stack:
        changed = await client.post(f"{T}/auth/password", json={"old_password": PASSWORD, "new_password": "New-pass-2026"},
                                    headers=current)
        assert changed.status_code == 204, changed.text
        assert (await client.get(f"{T}/me", headers=current)).status_code == 200  # the one that changed it stays
        assert (await client.get(f"{T}/me", headers=other)).status_code == 401
        assert not await _portal_works(browser)


async def test_changing_the_password_on_a_page_keeps_that_session_only(client, admin, window):
    id_number = await active_learner(client, admin, window)
    other = bearer(await login(client, "zhejiang", id_number, PASSWORD))
    async with from_address(client, "10.6.0.2") as browser, from_address(client, "10.6.0.3") as second:
        await portal_login(browser, "zhejiang", id_number, PASSWORD)
        await portal_login(second, "zhejiang", id_number, PASSWORD)
        changed = await submit(browser, "/t/zhejiang/password", "/t/zhejiang/password", {
            "old_password": PASSWORD, "new_password": "New-pass-2026", "new_password_confirm": "New-pass-2026"})
        assert changed.status_code == 303, changed.text
        assert await _portal_works(browser)
        assert not await _portal_works(second)
        assert (await client.get(f"{T}/me", headers=other)).status_code == 401


async def test_resetting_the_password_ends_every_login(client, admin, window):
    id_number = await active_learner(client, admin, window)
    token, browser, stack = await _logins(client, id_number, PASSWORD, "10.6.0.4")
    async with stack:
        await client.post(f"{T}/auth/codes", json={"purpose": "reset", "channel": "sms", "id_number": id_number})
        code = await last_code(client, "zhejiang", admin, "13522223333")
        reset = await client.post(f"{T}/auth/password/reset", json={"id_number": id_number, "channel": "sms", "code": code,
                                                                    "new_password": "Reset-pass-2026"})
        assert reset.status_code == 204, reset.text
        assert (await client.get(f"{T}/me", headers=token)).status_code == 401
        assert not await _portal_works(browser)
    assert (await login(client, "zhejiang", id_number, "Reset-pass-2026")).status_code == 200


async def test_disabling_an_account_ends_its_logins_for_good(client, admin, window):
    id_number = await active_learner(client, admin, window)
    account = (await login(client, "zhejiang", id_number, PASSWORD)).json()["account"]
    token, browser, stack = await _logins(client, id_number, PASSWORD, "10.6.0.5")
    async with stack:
        outside = await staff_headers(client, "zhejiang", "ZJ-S14", "unit_admin")
        refused = await client.post(f"{T}/admin/accounts/{account['id']}/disable", json={"reason": "x"}, headers=outside)
        assert refused.status_code == 404
        no_reason = await client.post(f"{T}/admin/accounts/{account['id']}/disable", json={"reason": " "}, headers=window)
        assert no_reason.status_code == 400
        disabled = await client.post(f"{T}/admin/accounts/{account['id']}/disable", json={"reason": "本人申请停用"},
                                     headers=window)
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["status"] == "disabled"
        assert (await client.get(f"{T}/me", headers=token)).status_code == 401
        assert not await _portal_works(browser)
    live = await AuthToken.count().where(AuthToken.subject == "account", AuthToken.subject_id == account["id"],
                                         AuthToken.revoked_at.is_null())
    assert live == 0  # revoked, not merely refused while the status says so
    refused_login = await login(client, "zhejiang", id_number, PASSWORD)
    assert refused_login.status_code == 403 and "停用" in refused_login.json()["detail"]


async def test_disabling_staff_needs_an_admin_above_them(client, admin):
    centre_unit_admin = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hz-branch")
    peer = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hz-branch-2")
    below = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="sc-point")
    ids = {r["username"]: r["id"] for r in await Account.select(Account.id, Account.username)}
    same_unit = await client.post(f"{T}/admin/accounts/{ids['hz-branch-2']}/disable", json={"reason": "离职"}, headers=centre_unit_admin)
    assert same_unit.status_code == 403
    own = await client.post(f"{T}/admin/accounts/{ids['hz-branch']}/disable", json={"reason": "离职"}, headers=centre_unit_admin)
    assert own.status_code == 403
    done = await client.post(f"{T}/admin/accounts/{ids['sc-point']}/disable", json={"reason": "离职"}, headers=centre_unit_admin)
    assert done.status_code == 200, done.text
    assert (await client.get(f"{T}/me", headers=below)).status_code == 401
    assert (await client.get(f"{T}/me", headers=peer)).status_code == 200


async def test_with_redis_workers_share_the_code_cap_even_in_parallel(settings, plugins, seeded):
    """Two app instances (as two workers) count code tries together through Redis, and a
    burst sent to both at once cannot pass a check made before any of it counted."""
    import msgspec
    import redis.asyncio as aioredis

    from core.app import create_app
    from tests.conftest import redis_test_url, serve

    url = redis_test_url()
    redis = aioredis.from_url(url)
    await redis.delete(*(await redis.keys("creditbank:limit:code-tries:*")) or ["-"])
    shared = msgspec.structs.replace(settings, redis_url=url)
    worker_a, worker_b = create_app(shared, plugins, run_sender=False), create_app(shared, plugins, run_sender=False)
    body = {"id_number": make_id("330102"), "channel": "sms", "code": "000000", "new_password": "Other-pass-2026"}
    try:
        async with serve(worker_a) as a, serve(worker_b) as b:
            answers = await asyncio.gather(*(worker.post(f"{T}/auth/password/reset", json=body)
                                             for _ in range(20) for worker in (a, b)))
            assert sorted(r.status_code for r in answers) == [404] * 30 + [429] * 10
            assert (await a.post(f"{T}/auth/password/reset", json=body)).status_code == 429
            assert (await b.post(f"{T}/auth/password/reset", json=body)).status_code == 429
    finally:
        await redis.delete(*(await redis.keys("creditbank:limit:code-tries:*")) or ["-"])
        await redis.aclose()
