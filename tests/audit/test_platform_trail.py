"""Issue 19, item 3, the national console: platform administrators see every tenant's trail and
their own acts (logins, tenants created and suspended, exports), filter it, and export it so
that an outside auditor verifies it offline."""

from __future__ import annotations

import msgspec

from core.platform.pages import PLATFORM_COOKIE
from tests.audit.helpers import cli
from tests.audit.test_audit_log import two_branches
from tests.audit.test_export import verify_export
from tests.web.helpers import table_rows

P = "/api/v1/platform"


async def trail(client, headers: dict, **params):
    return await client.get(f"{P}/audit/trail", headers=headers, params=params)


async def test_platform_admins_see_every_chain_and_their_own_acts(client, admin_headers, settings, tmp_path):
    world = await two_branches(client)
    body = {"slug": "shanghai", "name": "上海终身教育学分银行", "plugin": "national_ouc"}
    assert (await client.post(f"{P}/tenants", json=body, headers=admin_headers)).status_code == 201
    assert (await client.patch(f"{P}/tenants/shanghai", json={"status": "suspended"}, headers=admin_headers)).status_code == 200
    wrong = await client.post(f"{P}/auth/login", json={"username": "national", "password": "not-the-password"})
    assert wrong.status_code == 401

    own = (await trail(client, admin_headers, tenant="platform")).json()["items"]
    assert [e["action"] for e in own][:4] == ["platform.login", "platform.tenant.suspend", "platform.tenant.create",
                                              "platform.login"]
    refused, suspended, created, login = own[:4]
    assert refused["result"] == "refused" and refused["reason"] == "用户名或密码错误" and refused["tenant"] == ""
    assert (created["actor"], created["actor_kind"], created["action_label"]) == ("national", "platform", "平台：新建租户")
    assert created["tenant"] == suspended["tenant"] == "shanghai"  # in the new tenant's own chain
    assert login["tenant"] == "" and login["actor"] == "national"  # logins are the platform's own chain
    zhejiang = (await trail(client, admin_headers, tenant="zhejiang")).json()["items"]
    assert {e["tenant"] for e in zhejiang} == {"zhejiang"}
    assert {"learner.open_at_window", "learner.reveal_id_number"} <= {e["action"] for e in zhejiang}
    assert "杭学员" not in (await trail(client, admin_headers)).text  # no learner's name in the console
    by_actor = (await trail(client, admin_headers, actor="window-s14")).json()["items"]
    assert by_actor and {e["actor"] for e in by_actor} == {"window-s14"}
    assert [e["action"] for e in (await trail(client, admin_headers, action="platform.tenant.create")).json()["items"]] == [
        "platform.tenant.create"]
    bad = await trail(client, admin_headers, **{"from": "2026-02-30"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]
    assert (await trail(client, world["centre"])).status_code == 401  # a tenant admin's token is not the platform's

    exported = await trail(client, admin_headers, format="jsonl")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    lines = [msgspec.json.decode(line) for line in exported.content.splitlines()]
    assert len([i for i in lines if i["kind"] == "checkpoint"]) == 3  # the platform's chain, Zhejiang's, Shanghai's
    path, key = tmp_path / "platform.jsonl", tmp_path / "platform.pem"
    path.write_bytes(exported.content)
    key.write_text((await cli(settings, "audit", "public-key")).output)
    code, out = await verify_export(settings, path, key)
    assert code == 0, out
    latest = (await trail(client, admin_headers, tenant="platform", limit=1)).json()["items"][0]
    assert latest["action"] == "audit.export" and latest["reason"].startswith("jsonl ")
    csv_file = await trail(client, admin_headers, format="csv", tenant="zhejiang")
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and "事件哈希" in csv_file.content.decode("utf-8-sig")
    code, out = (await cli(settings, "audit", "verify")).exit_code, ""
    assert code == 0


async def test_the_console_page_lists_filters_and_exports(client, admin_headers):
    await two_branches(client)
    token = admin_headers["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PLATFORM_COOKIE, token)
    try:
        page = await client.get("/platform/audit", params={"tenant": "zhejiang", "action": "learner.reveal_id_number"})
        assert page.status_code == 200, page.text
        rows = table_rows(page.text, "audit-log")
        assert len(rows) == 2 and all("查看完整证件号码" in " ".join(row) for row in rows)
        assert 'href="/platform/audit"' in page.text
        export = await client.get("/platform/audit/export", params={"tenant": "zhejiang", "format": "jsonl"})
        assert export.status_code == 200 and b'"kind":"checkpoint"' in export.content
        bad = await client.get("/platform/audit", params={"to": "明天"})
        assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    finally:
        client.cookies.clear()
    assert (await client.get("/platform/audit", follow_redirects=False)).status_code in (302, 303, 401)
