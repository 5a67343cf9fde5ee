"""The national administrators' pages under /platform: their own login, figures across
tenants, creating, branding and suspending tenants, installed plugins."""

from __future__ import annotations

import re

from core.platform.service import create_admin
from tests.conftest import PLATFORM_PASSWORD
from tests.web.helpers import (
    csrf_token,
    field_error,
    form_error,
    input_value,
    selected_option,
    submit,
    table_rows,
    textarea_value,
)

P = "/platform"
NEW_TENANT = {"slug": "hainan", "name": "海南省终身学习学分银行", "plugin": "guangdong", "hosts": "hainan.localhost\ncb.hainan.example",
              "short_name": "海南学银", "primary_color": "#0b6e4f", "accent_color": "#c8102e", "logo_text": "",
              "logo_url": "", "footer": "海南省终身学习学分银行 版权所有"}


async def platform_login(client, username: str = "national") -> None:
    await create_admin(username, PLATFORM_PASSWORD)
    response = await submit(client, f"{P}/login", f"{P}/login", {"username": username, "password": PLATFORM_PASSWORD})
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "cb_platform=" in cookie and "HttpOnly" in cookie and "Path=/platform" in cookie


async def test_pages_need_a_platform_login_and_remember_where_they_were(client):
    for path in (f"{P}/", f"{P}/tenants", f"{P}/tenants/guangdong", f"{P}/plugins"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"] == f"{P}/login?next={path.rstrip('/')}"
    await create_admin("national", PLATFORM_PASSWORD)
    login = await submit(client, f"{P}/login?next=/platform/plugins", f"{P}/login",
                         {"username": "national", "password": PLATFORM_PASSWORD, "next": "/platform/plugins"})
    assert login.status_code == 303 and login.headers["location"] == f"{P}/plugins"
    away = await submit(client, f"{P}/login", f"{P}/login",
                        {"username": "national", "password": PLATFORM_PASSWORD, "next": "//evil.example/"})
    assert away.headers["location"] == f"{P}/"


async def test_a_tenant_session_is_not_a_platform_login(client, app):
    from core.accounts.staff import create_staff
    from tests.accounts.helpers import STAFF_PASSWORD
    from tests.web.helpers import portal_login

    await create_staff(await app.state.tenants.get("guangdong"), "GD", "tenant_admin", "gdadmin", STAFF_PASSWORD)
    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    assert (await client.get(f"{P}/tenants")).status_code == 303
    client.cookies.set("cb_platform", client.cookies.get("cb_session_guangdong"), path="/platform")
    assert (await client.get(f"{P}/tenants")).headers["location"] == f"{P}/login?next={P}/tenants"


async def test_a_wrong_password_reshows_the_login_with_the_name_kept(client):
    await create_admin("national", PLATFORM_PASSWORD)
    wrong = await submit(client, f"{P}/login", f"{P}/login", {"username": "national", "password": "不对的密码"})
    assert wrong.status_code == 401 and form_error(wrong.text) == "用户名或密码错误"
    assert input_value(wrong.text, "username") == "national"
    empty = await submit(client, f"{P}/login", f"{P}/login", {"username": "", "password": ""})
    assert empty.status_code == 400 and field_error(empty.text, "username") == "请输入用户名"
    assert field_error(empty.text, "password") == "请输入密码"


async def test_an_expired_session_returns_to_the_login(client):
    await platform_login(client)
    out = await submit(client, f"{P}/", f"{P}/logout", {})
    assert out.status_code == 303 and out.headers["location"].startswith(f"{P}/login")
    assert (await client.get(f"{P}/tenants")).status_code == 303


async def test_the_admin_creates_brands_suspends_and_resumes_a_tenant(client):
    await platform_login(client)
    listing = await client.get(f"{P}/tenants")
    assert listing.status_code == 200 and "全国学分银行平台" in listing.text
    assert any(r[0].startswith("广东终身教育学分银行") for r in table_rows(listing.text, "tenants"))
    assert (await client.get("/t/hainan/")).status_code == 404

    created = await submit(client, f"{P}/tenants", f"{P}/tenants", NEW_TENANT)
    assert created.status_code == 303, created.text
    assert created.headers["location"].startswith(f"{P}/tenants/hainan?done=")
    home = await client.get("/t/hainan/")
    assert home.status_code == 200 and "海南省终身学习学分银行" in home.text and "--brand: #0b6e4f" in home.text
    assert "海南省终身学习学分银行 版权所有" in home.text
    assert (await client.get("/", headers={"host": "hainan.localhost"})).status_code == 200

    detail_url = f"{P}/tenants/hainan"
    detail = await client.get(detail_url)
    assert input_value(detail.text, "short_name") == "海南学银" and textarea_value(detail.text, "hosts") == "hainan.localhost\ncb.hainan.example"
    rebrand = {**NEW_TENANT, "name": "海南学分银行", "primary_color": "#7b1fa2", "hosts": "hainan.localhost"}
    del rebrand["slug"], rebrand["plugin"]
    saved = await submit(client, detail_url, detail_url, rebrand)
    assert saved.status_code == 303
    home = await client.get("/t/hainan/")
    assert "--brand: #7b1fa2" in home.text and "海南学分银行" in home.text
    # A host no tenant has any more is refused outright (400), not served as the platform.
    assert (await client.get("/", headers={"host": "cb.hainan.example"})).status_code == 400

    suspended = await submit(client, detail_url, f"{detail_url}/status", {"status": "suspended"})
    assert suspended.status_code == 303
    for path in ("/t/hainan/", "/t/hainan/login", "/t/hainan/api/v1/meta"):
        assert (await client.get(path)).status_code == 503
    assert "暂停服务" in (await client.get("/t/hainan/")).text
    assert "已暂停服务" in (await client.get(detail_url)).text
    resumed = await submit(client, detail_url, f"{detail_url}/status", {"status": "active"})
    assert resumed.status_code == 303 and (await client.get("/t/hainan/")).status_code == 200


async def test_bad_tenant_input_is_shown_beside_the_fields_with_the_values_kept(client):
    await platform_login(client)
    taken = await submit(client, f"{P}/tenants", f"{P}/tenants", {**NEW_TENANT, "slug": "guangdong"})
    assert taken.status_code == 409 and field_error(taken.text, "slug") == "租户 guangdong 已存在"
    assert input_value(taken.text, "slug") == "guangdong" and input_value(taken.text, "name") == NEW_TENANT["name"]
    assert selected_option(taken.text, "plugin") == "guangdong" and textarea_value(taken.text, "hosts") == NEW_TENANT["hosts"]

    bad_slug = await submit(client, f"{P}/tenants", f"{P}/tenants", {**NEW_TENANT, "slug": "Hai-Nan"})
    assert bad_slug.status_code == 400 and field_error(bad_slug.text, "slug") == "格式不正确"
    bad_colour = await submit(client, f"{P}/tenants", f"{P}/tenants", {**NEW_TENANT, "primary_color": "green"})
    assert bad_colour.status_code == 400 and field_error(bad_colour.text, "primary_color") == "格式不正确"
    assert input_value(bad_colour.text, "primary_color") == "green"
    host_taken = await submit(client, f"{P}/tenants", f"{P}/tenants", {**NEW_TENANT, "hosts": "guangdong.localhost"})
    assert host_taken.status_code == 409 and "已被租户 guangdong 使用" in field_error(host_taken.text, "hosts")
    no_plugin = await submit(client, f"{P}/tenants", f"{P}/tenants", {**NEW_TENANT, "plugin": "atlantis"})
    assert no_plugin.status_code == 400 and field_error(no_plugin.text, "plugin")
    assert (await client.get("/t/hainan/")).status_code == 404

    detail_url = f"{P}/tenants/zhejiang"
    no_name = await submit(client, detail_url, detail_url, {"name": "", "hosts": "", "primary_color": "#00695c"})
    assert no_name.status_code == 400 and field_error(no_name.text, "name") == "请填写名称"
    assert (await client.get(f"{P}/tenants/atlantis")).status_code == 404


async def test_figures_and_plugins(client):
    from tests.accounts.helpers import make_id, run_import, staff_headers

    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    content = f"姓名,证件号码,所属单位\n张三,{make_id()},GD-GOU\n李四,{make_id()},GD-GOU\n".encode()
    assert (await run_import(client, "guangdong", "learners", content, admin))["created"] == 2
    await platform_login(client)
    dashboard = await client.get(f"{P}/")
    assert dashboard.status_code == 200
    figures = {row[0].split()[0]: row for row in table_rows(dashboard.text, "tenant-figures")}
    guangdong = next(row for name, row in figures.items() if name.startswith("广东"))
    assert guangdong[1] == "服务中" and guangdong[2] == "2"
    assert re.search(r"<strong>2</strong>学习者", dashboard.text)
    plugins = await client.get(f"{P}/plugins")
    names = [row[0] for row in table_rows(plugins.text, "plugins")]
    assert {"guangdong", "national_ouc", "zhejiang", "gansu"} <= set(names)
    zhejiang = next(row for row in table_rows(plugins.text, "plugins") if row[0] == "zhejiang")
    assert zhejiang[3] == "浙江省终身教育学分银行" and zhejiang[4] == "可用"


async def test_platform_forms_need_their_csrf_token(client):
    await platform_login(client)
    response = await client.post(f"{P}/tenants", data=NEW_TENANT)
    assert response.status_code == 403 and "页面已过期" in response.text
    assert (await client.get("/t/hainan/")).status_code == 404


async def test_an_oversized_upload_to_the_console_gets_its_page_in_chinese(client, settings):
    """The console answers as the portal does (one error toolkit): a body past the limit is a
    Chinese 413 page, not Litestar's English JSON."""
    token = await csrf_token(client, "/platform/login")
    too_big = b"x" * ((settings.max_upload_mb + 2) * 1024 * 1024)
    response = await client.post("/platform/login", data={"_csrf_token": token},
                                 files={"file": ("big.csv", too_big, "text/csv")})
    assert response.status_code == 413
    assert f"单个文件不能超过 {settings.max_upload_mb} MB" in response.text and "<html" in response.text
