"""The portal's shared parts: branding, login by the login page, CSRF, errors as pages."""

from __future__ import annotations

from core.accounts.staff import create_staff
from core.web.branding import contrast, darken_until_readable
from tests.accounts.helpers import STAFF_PASSWORD
from tests.web.helpers import csrf_token, field_error, form_error, input_value, portal_login, submit


async def test_each_tenant_is_branded(client):
    guangdong = await client.get("/t/guangdong/")
    zhejiang = await client.get("/t/zhejiang/")
    assert guangdong.status_code == zhejiang.status_code == 200
    assert "广东终身教育学分银行" in guangdong.text and "--brand: #0b4f8a" in guangdong.text
    assert "浙江省终身教育学分银行" in zhejiang.text and "--brand: #00695c" in zhejiang.text
    assert '<html lang="zh-CN">' in guangdong.text and 'name="viewport"' in guangdong.text


def test_tenant_colours_are_darkened_to_aa_contrast():
    assert darken_until_readable("#0b4f8a") == "#0b4f8a"  # already readable: kept
    pale = darken_until_readable("#ffd54f")
    assert contrast(pale, "#ffffff") >= 4.5


async def test_failed_login_reshows_the_form_with_the_username_kept(client):
    response = await submit(client, "/t/guangdong/login", "/t/guangdong/login", {"username": "nobody", "password": "x"})
    assert response.status_code == 401
    assert form_error(response.text) == "用户名或密码错误"
    assert input_value(response.text, "username") == "nobody"

    empty = await submit(client, "/t/guangdong/login", "/t/guangdong/login", {"username": "", "password": ""})
    assert empty.status_code == 400
    assert field_error(empty.text, "username") == "请输入用户名" and field_error(empty.text, "password") == "请输入密码"


async def test_a_form_without_its_csrf_token_is_refused(client):
    await csrf_token(client, "/t/guangdong/login")
    response = await client.post("/t/guangdong/login", data={"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "页面已过期" in response.text
    forged = await client.post("/t/guangdong/login", data={"username": "a", "password": "b", "_csrf_token": "forged"})
    assert forged.status_code == 403


async def test_login_sets_a_session_cookie_and_logout_ends_it(client, app):
    tenant = await app.state.tenants.get("guangdong")
    await create_staff(tenant, "GD", "tenant_admin", "gdadmin", STAFF_PASSWORD, real_name="管理中心")
    response = await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    assert response.headers["location"] == "/t/guangdong/staff/reviews"
    cookie = response.headers["set-cookie"]
    assert "cb_session_guangdong=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = await client.get("/t/guangdong/")
    assert "管理中心" in home.text and "退出" in home.text

    out = await submit(client, "/t/guangdong/", "/t/guangdong/logout", {})
    assert out.status_code == 303 and out.headers["location"].startswith("/t/guangdong/login")
    assert "退出" not in (await client.get("/t/guangdong/")).text


async def test_next_only_leads_to_pages_of_the_same_tenant(client, app):
    tenant = await app.state.tenants.get("guangdong")
    await create_staff(tenant, "GD", "tenant_admin", "gdadmin", STAFF_PASSWORD, real_name="管理中心")
    for target, expected in (("/t/guangdong/faq", "/t/guangdong/faq"), ("https://evil.example/", "/t/guangdong/staff/reviews"),
                             ("//evil.example/", "/t/guangdong/staff/reviews"), ("/t/zhejiang/", "/t/guangdong/staff/reviews")):
        response = await submit(client, "/t/guangdong/login", "/t/guangdong/login",
                                {"username": "gdadmin", "password": STAFF_PASSWORD, "next": target})
        assert response.headers["location"] == expected


async def test_unknown_tenant_pages_are_404(client):
    assert (await client.get("/t/nowhere/")).status_code == 404


async def test_an_oversized_upload_gets_a_page_in_chinese(client, settings):
    token = await csrf_token(client, "/t/guangdong/login")
    too_big = b"x" * ((settings.max_upload_mb + 2) * 1024 * 1024)
    response = await client.post("/t/guangdong/login", data={"_csrf_token": token},
                                 files={"file": ("big.jpg", too_big, "image/jpeg")})
    assert response.status_code == 413
    assert f"单个文件不能超过 {settings.max_upload_mb} MB" in response.text and "<html" in response.text
