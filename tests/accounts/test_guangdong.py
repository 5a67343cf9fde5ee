"""Guangdong (003 manual, 二(一)): self-registration with the manual's form and an SMS code,
login by username or ID number, password rules 6–15, change and reset of passwords."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import bearer, last_code, login, make_id, staff_headers, with_wrong_check_digit

T = "/t/guangdong/api/v1"


def form(**overrides) -> dict:
    data = {
        "agree_terms": True,
        "username": "mingyaoxing",
        "real_name": "明耀星",
        "password": "gd2020pass",
        "password_confirm": "gd2020pass",
        "nationality": "中国",
        "ethnicity": "汉族",
        "gender": "男",
        "id_number": make_id("440106", "19880512"),
        "birth_date": "1988-05-12",
        "email": "ming@example.com",
        "region": "广东省广州市天河区",
        "address": "天河路 1 号",
        "phone": "13800138000",
    }
    return {**data, **overrides}


@pytest.fixture
async def admin(client):
    return await staff_headers(client, "guangdong", "GD", "tenant_admin")


async def _register(client, admin, data: dict):
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": data["phone"]})
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"] == data["phone"][:3] + "****" + data["phone"][-4:]
    code = await last_code(client, "guangdong", admin, data["phone"])
    return await client.post(f"{T}/auth/register", json={**data, "code": code})


async def test_register_with_the_manuals_form_then_log_in_by_username_or_id_number(client, admin):
    data = form()
    response = await _register(client, admin, data)
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["status"] == "active" and account["username"] == "mingyaoxing" and account["kind"] == "learner"
    assert account["id_number_masked"] == data["id_number"][:4] + "**********" + data["id_number"][-4:]
    assert data["id_number"] not in response.text
    assert (await login(client, "guangdong", "mingyaoxing", "gd2020pass")).status_code == 200
    by_id = await login(client, "guangdong", data["id_number"], "gd2020pass")
    assert by_id.status_code == 200 and by_id.json()["account"]["username"] == "mingyaoxing"
    me = await client.get(f"{T}/me", headers=bearer(by_id))
    assert me.json()["real_name"] == "明耀星"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"agree_terms": False}, "agree_terms", "服务条款"),
        ({"username": "明耀星"}, "username", "英文字母与数字"),
        ({"password": "12345", "password_confirm": "12345"}, None, "6–15"),
        ({"password": "abcdefghijklmnop", "password_confirm": "abcdefghijklmnop"}, None, "6–15"),
        ({"password_confirm": "different1"}, "password_confirm", "不一致"),
        ({"id_number": with_wrong_check_digit(make_id("440106", "19880512"))}, "id_number", "校验位"),
        ({"id_number": make_id("440106", "20990101")}, "id_number", "未来"),
        ({"birth_date": "1988-05-13"}, "birth_date", "不一致"),
        ({"email": "not-an-email"}, "email", "电子邮箱"),
        ({"gender": "未知"}, "gender", "性别"),
        ({"real_name": ""}, "real_name", "真实姓名"),
    ],
)
async def test_bad_registration_input_is_refused_with_a_clear_message(client, admin, overrides, field, message):
    data = form(**overrides)
    response = await _register(client, admin, data)
    assert response.status_code == 400, response.text
    body = response.json()
    assert message in body["detail"]
    if field:
        assert body["extra"]["field"] == field
    assert (await login(client, "guangdong", data["username"], data["password"])).status_code == 401


async def test_a_duplicate_id_number_or_username_is_409_and_writes_nothing(client, admin):
    first = form()
    assert (await _register(client, admin, first)).status_code == 201
    again = await _register(client, admin, form(username="another1", phone="13900139000", id_number=first["id_number"]))
    assert again.status_code == 409 and "已注册" in again.json()["detail"]
    same_name = await _register(client, admin, form(phone="13700137000"))
    assert same_name.status_code == 409 and same_name.json()["extra"]["field"] == "username"


async def test_registration_needs_the_sms_code_and_a_code_works_once(client, admin):
    data = form()
    no_code = await client.post(f"{T}/auth/register", json=data)
    assert no_code.status_code == 400 and "验证码" in no_code.json()["detail"]
    await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": data["phone"]})
    code = await last_code(client, "guangdong", admin, data["phone"])
    wrong = "000000" if code != "000000" else "111111"
    bad = await client.post(f"{T}/auth/register", json={**data, "code": wrong})
    assert bad.status_code == 400 and "还可尝试 4 次" in bad.json()["detail"]
    assert (await client.post(f"{T}/auth/register", json={**data, "code": code})).status_code == 201
    reuse = await client.post(f"{T}/auth/register", json={**form(username="other22", phone=data["phone"], id_number=make_id()), "code": code})
    assert reuse.status_code in (400, 409)


async def test_five_wrong_codes_burn_the_code(client, admin):
    data = form()
    await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": data["phone"]})
    code = await last_code(client, "guangdong", admin, data["phone"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert (await client.post(f"{T}/auth/register", json={**data, "code": wrong})).status_code == 400
    burned = await client.post(f"{T}/auth/register", json={**data, "code": wrong})
    assert "已失效" in burned.json()["detail"]
    late = await client.post(f"{T}/auth/register", json={**data, "code": code})
    assert late.status_code == 400 and "已失效" in late.json()["detail"]


async def test_one_code_a_minute_per_phone(client):
    body = {"purpose": "register", "channel": "sms", "phone": "13600136000"}
    assert (await client.post(f"{T}/auth/codes", json=body)).status_code == 202
    again = await client.post(f"{T}/auth/codes", json=body)
    assert again.status_code == 429 and "60 秒" in again.json()["detail"]


async def test_change_password_then_reset_it_with_a_code(client, admin):
    data = form()
    await _register(client, admin, data)
    token = bearer(await login(client, "guangdong", "mingyaoxing", "gd2020pass"))
    wrong_old = await client.post(f"{T}/auth/password", json={"old_password": "nope1234", "new_password": "newpass99"}, headers=token)
    assert wrong_old.status_code == 400 and "原密码错误" in wrong_old.json()["detail"]
    assert (await client.post(f"{T}/auth/password", json={"old_password": "gd2020pass", "new_password": "newpass99"}, headers=token)).status_code == 204
    assert (await login(client, "guangdong", "mingyaoxing", "newpass99")).status_code == 200

    sent = await client.post(f"{T}/auth/codes", json={"purpose": "reset", "channel": "sms", "username": "mingyaoxing"})
    assert sent.status_code == 202
    code = await last_code(client, "guangdong", admin, data["phone"])
    reset = await client.post(f"{T}/auth/password/reset", json={"username": "mingyaoxing", "channel": "sms", "code": code, "new_password": "reset2026"})
    assert reset.status_code == 204
    assert (await login(client, "guangdong", "mingyaoxing", "reset2026")).status_code == 200
    reused = await client.post(f"{T}/auth/password/reset", json={"username": "mingyaoxing", "channel": "sms", "code": code, "new_password": "again2026"})
    assert reused.status_code == 400


async def test_the_sms_texts_carry_the_guangdong_signature(client, admin):
    data = form()
    await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": data["phone"]})
    page = (await client.get(f"{T}/admin/notifications", headers=admin)).json()
    assert page["items"][0]["body"].startswith("【广东学银】") or "【广东学银】" in page["items"][0]["body"]
