"""The accounts API as API.md documents it (issue 16 item 15): activation takes
``{id_number or username, code, password}`` — the channel is known from the code sent — and a
body the API cannot read is answered in Chinese, naming every field at fault at once."""

from __future__ import annotations

from tests.accounts.helpers import last_code, make_id, staff_headers
from tests.accounts.test_activation import import_csv

N = "/t/national_ouc/api/v1"


async def test_a_national_activation_needs_no_channel(client):
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    id_number = make_id("620102", "19850505")
    await import_csv(client, "national_ouc", admin, [f"林佳,{id_number},,,OUC-GS"])
    sent = await client.post(f"{N}/auth/codes", json={"purpose": "activation", "channel": "email",
                                                      "id_number": id_number, "email": "linjia@example.com"})
    assert sent.status_code == 202, sent.text
    code = await last_code(client, "national_ouc", admin, "linjia@example.com")
    activated = await client.post(f"{N}/auth/activate", json={"id_number": id_number, "code": code, "password": "Ouc-pass-2026"})
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "pending_review"


async def test_a_guangdong_activation_by_sms_needs_no_channel_either(client):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    id_number = make_id("440106", "19900101")
    await import_csv(client, "guangdong", admin, [f"曾炫云,{id_number},13712345678,,GD-GOU-TP02"])
    await client.post("/t/guangdong/api/v1/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    code = await last_code(client, "guangdong", admin, "13712345678")
    activated = await client.post("/t/guangdong/api/v1/auth/activate",
                                  json={"id_number": id_number, "code": code, "password": "gd-pass-2026"})
    assert activated.status_code == 200 and activated.json()["status"] == "active", activated.text


async def test_missing_fields_are_named_in_chinese_all_at_once(client):
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    response = await client.post("/t/zhejiang/api/v1/admin/learners", headers=window,
                                 json={"id_number": make_id("330102", "19900101"), "phone": 13500000000})
    assert response.status_code == 400
    body = response.json()
    detail = body["detail"]
    assert "Object" not in detail and "missing" not in detail and "data：" not in detail, detail
    assert "real_name" in detail and "identity_checked" in detail and "phone" in detail, detail
    assert "缺少必填字段" in detail
    assert {e["key"] for e in body["extra"]} == {"real_name", "identity_checked", "phone"}


async def test_an_unreadable_body_is_answered_in_chinese(client):
    response = await client.post(f"{N}/auth/activate", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "请求数据不符合要求" in detail and "malformed" not in detail.lower(), detail


async def test_the_activation_email_names_the_username_and_the_done_page_explains_it(client):
    """Issue 16 item 7: the e-mail read ``（用户名：）``; the seed's login instructions rest on
    the username being S + the ID number."""
    from tests.accounts.helpers import last_message

    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    id_number = make_id("620102", "19850505")
    await import_csv(client, "national_ouc", admin, [f"林佳,{id_number},,,OUC-GS"])
    await client.post(f"{N}/auth/codes", json={"purpose": "activation", "channel": "email",
                                               "id_number": id_number, "email": "linjia@example.com"})
    body = (await last_message(client, "national_ouc", admin, "linjia@example.com"))["body"]
    assert "（用户名：）" not in body and f"（用户名：S{id_number[:4]}" in body, body
    assert id_number not in body  # masked: the delivery log keeps the body
    done = await client.get("/t/national_ouc/activate/done", params={"status": "pending_review"})
    assert "“大写字母S”+身份证号码" in done.text
