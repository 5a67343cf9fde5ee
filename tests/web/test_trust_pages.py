"""信任名单 in the national console: per tenant, the issuers whose records it accepts — another
tenant of the platform, an outside did:web issuer — added, refused when wrong, and removed;
the platform API reads the same list."""

from __future__ import annotations

from tests.conftest import platform_token
from tests.web.helpers import field_error, selected_option, submit, table_rows
from tests.web.test_platform_pages import platform_login

P = "/platform"


async def test_the_console_keeps_each_tenants_trust_registry(client):
    assert (await client.get(f"{P}/trust")).headers["location"] == f"{P}/login?next={P}/trust"
    await platform_login(client)
    index = await client.get(f"{P}/trust")
    assert index.status_code == 200 and '<a href="/platform/trust" aria-current="page">信任名单</a>' in index.text
    rows = {r[0]: r[1] for r in table_rows(index.text, "trust-lists")}
    assert rows["广东终身教育学分银行"] == "—（不接受导入）"

    page = f"{P}/tenants/guangdong/trust"
    empty = await client.get(page)
    assert "信任名单为空" in empty.text and selected_option(empty.text, "issuer_tenant") is None
    added = await submit(client, page, page, {"issuer_tenant": "zhejiang"})
    assert added.status_code == 303 and "已将" in (await client.get(added.headers["location"])).text
    outside = await submit(client, page, page, {"did": "did:web:badges.example.edu", "name": "某某大学继续教育学院"})
    assert outside.status_code == 303

    bad = await submit(client, page, page, {"did": "https://badges.example.edu", "name": "某某大学"})
    assert bad.status_code == 400 and "did:web" in field_error(bad.text, "did")
    nameless = await submit(client, page, page, {"did": "did:web:other.example.edu", "name": ""})
    assert nameless.status_code == 400 and field_error(nameless.text, "name") == "请填写外部签发方的名称"
    ours = await submit(client, page, page, {"did": "did:web:testserver.local:t:gansu", "name": "甘肃"})
    assert ours.status_code == 400 and "本平台上的学分银行" in field_error(ours.text, "did")
    twice = await submit(client, page, page, {"did": "did:web:badges.example.edu", "name": "又一次"})
    assert twice.status_code == 409

    shown = await client.get(page)
    entries = table_rows(shown.text, "trust-entries")
    assert [(r[0], r[1], r[2]) for r in entries] == [
        ("浙江省终身教育学分银行", "本平台学分银行", "did:web:testserver.local:t:zhejiang"),
        ("某某大学继续教育学院", "外部签发方", "did:web:badges.example.edu")]
    assert 'value="zhejiang"' not in shown.text.split('id="trust-add-tenant"')[1].split("</form>")[0]

    api = {"Authorization": f"Bearer {await platform_token(client, 'national-api')}"}
    listed = (await client.get("/api/v1/platform/tenants/guangdong/trust", headers=api)).json()["items"]
    assert [e["issuer_did"] for e in listed] == ["did:web:testserver.local:t:zhejiang", "did:web:badges.example.edu"]
    assert (await client.get("/api/v1/platform/tenants/zhejiang/trust", headers=api)).json()["items"] == []

    first = listed[0]["id"]
    removed = await submit(client, page, f"{page}/{first}/remove", {})
    assert removed.status_code == 303
    assert [r[0] for r in table_rows((await client.get(page)).text, "trust-entries")] == ["某某大学继续教育学院"]
    again = await client.delete(f"/api/v1/platform/tenants/guangdong/trust/{first}", headers=api)
    assert again.status_code == 404 and again.json()["detail"] == "信任名单中没有这一项"
    elsewhere = await client.delete(f"/api/v1/platform/tenants/zhejiang/trust/{listed[1]['id']}", headers=api)
    assert elsewhere.status_code == 404  # an entry of Guangdong's is not Zhejiang's


async def test_the_trust_api_refuses_wrong_input_in_chinese(client):
    api = {"Authorization": f"Bearer {await platform_token(client)}"}
    url = "/api/v1/platform/tenants/guangdong/trust"
    for body, field in (({}, "issuer_tenant"), ({"issuer_tenant": "zhejiang", "did": "did:web:x.example"}, "issuer_tenant"),
                        ({"issuer_tenant": "nowhere"}, "issuer_tenant"), ({"issuer_tenant": "guangdong"}, "issuer_tenant"),
                        ({"did": "did:key:z6Mk", "name": "x"}, "did")):
        response = await client.post(url, headers=api, json=body)
        assert response.status_code == 400 and response.json()["extra"]["field"] == field, (body, response.text)
    assert (await client.get("/api/v1/platform/tenants/nowhere/trust", headers=api)).status_code == 404
    assert (await client.get(url)).status_code == 401
