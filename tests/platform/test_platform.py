"""Platform administration: national administrators log in and manage tenants."""

from __future__ import annotations

from tests.conftest import PLATFORM_PASSWORD, platform_token


async def test_login_with_a_wrong_password_or_user_is_401(client):
    await platform_token(client)
    for body in ({"username": "national", "password": "wrong password!"}, {"username": "nobody", "password": PLATFORM_PASSWORD}):
        response = await client.post("/api/v1/platform/auth/login", json=body)
        assert response.status_code == 401
        assert response.json()["detail"] == "用户名或密码错误"


async def test_platform_routes_need_a_platform_login(client):
    for path in ("/api/v1/platform/tenants", "/api/v1/platform/plugins"):
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers={"Authorization": "Bearer forged"})).status_code == 401


async def test_logout_revokes_the_token(client, admin_headers):
    assert (await client.get("/api/v1/platform/plugins", headers=admin_headers)).status_code == 200
    assert (await client.post("/api/v1/platform/auth/logout", headers=admin_headers)).status_code == 204
    assert (await client.get("/api/v1/platform/plugins", headers=admin_headers)).status_code == 401


async def test_installed_plugins_are_listed(client, admin_headers):
    plugins = (await client.get("/api/v1/platform/plugins", headers=admin_headers)).json()
    by_name = {p["name"]: p for p in plugins}
    assert {"national_ouc", "guangdong", "zhejiang", "gansu"} <= by_name.keys()
    assert all(p["title"] and p["version"] for p in by_name.values())


async def test_the_four_tenants_are_listed(client, admin_headers):
    tenants = (await client.get("/api/v1/platform/tenants", headers=admin_headers)).json()["items"]
    assert {t["slug"] for t in tenants} == {"guangdong", "zhejiang", "national_ouc", "gansu"}
    assert all(t["status"] == "active" and t["source"] == "file" for t in tenants)


async def test_a_tenant_created_through_the_api_works_at_once(client, admin_headers):
    body = {
        "slug": "shanghai",
        "name": "上海终身教育学分银行",
        "plugin": "national_ouc",
        "hosts": ["shanghai.localhost"],
        "branding": {"short_name": "沪学银", "primary_color": "#004d99"},
    }
    created = await client.post("/api/v1/platform/tenants", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "shanghai" and created.json()["source"] == "api"
    meta = (await client.get("/t/shanghai/api/v1/meta")).json()
    assert meta["name"] == "上海终身教育学分银行" and meta["branding"]["primary_color"] == "#004d99"
    assert meta["taxonomy"] == (await client.get("/t/national_ouc/api/v1/meta")).json()["taxonomy"]
    by_host = await client.get("/api/v1/meta", headers={"Host": "shanghai.localhost"})
    assert by_host.json()["slug"] == "shanghai"


async def test_creating_a_tenant_rejects_bad_input(client, admin_headers):
    base = {"slug": "hainan", "name": "海南学分银行", "plugin": "national_ouc"}
    duplicate = await client.post("/api/v1/platform/tenants", json={**base, "slug": "guangdong"}, headers=admin_headers)
    assert duplicate.status_code == 409 and "guangdong" in duplicate.json()["detail"]
    unknown = await client.post("/api/v1/platform/tenants", json={**base, "plugin": "hainan"}, headers=admin_headers)
    assert unknown.status_code == 400 and "hainan" in unknown.json()["detail"] and "未安装" in unknown.json()["detail"]
    bad_slug = await client.post("/api/v1/platform/tenants", json={**base, "slug": "Hai Nan"}, headers=admin_headers)
    assert bad_slug.status_code == 400 and "slug" in bad_slug.json()["detail"]
    taken_host = await client.post("/api/v1/platform/tenants", json={**base, "hosts": ["guangdong.localhost"]}, headers=admin_headers)
    assert taken_host.status_code == 409 and "guangdong.localhost" in taken_host.json()["detail"]
    listed = (await client.get("/api/v1/platform/tenants", headers=admin_headers)).json()["items"]
    assert "hainan" not in {t["slug"] for t in listed}


async def test_a_suspended_tenant_answers_503_and_comes_back(client, admin_headers):
    suspended = await client.patch("/api/v1/platform/tenants/gansu", json={"status": "suspended"}, headers=admin_headers)
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    response = await client.get("/t/gansu/api/v1/meta")
    assert response.status_code == 503 and "暂停服务" in response.json()["detail"]
    assert (await client.get("/t/gansu/api/v1/org/units")).status_code == 503
    assert (await client.get("/t/national_ouc/api/v1/meta")).status_code == 200
    await client.patch("/api/v1/platform/tenants/gansu", json={"status": "active"}, headers=admin_headers)
    assert (await client.get("/t/gansu/api/v1/meta")).status_code == 200


async def test_rebranding_and_renaming_show_in_meta(client, admin_headers):
    response = await client.patch(
        "/api/v1/platform/tenants/zhejiang",
        json={"name": "浙江学分银行（新）", "branding": {"primary_color": "#00563f", "short_name": "浙学银"}},
        headers=admin_headers,
    )
    assert response.status_code == 200
    meta = (await client.get("/t/zhejiang/api/v1/meta")).json()
    assert meta["name"] == "浙江学分银行（新）" and meta["branding"]["primary_color"] == "#00563f"


async def test_patching_an_unknown_tenant_or_bad_status_fails(client, admin_headers):
    assert (await client.patch("/api/v1/platform/tenants/atlantis", json={"status": "suspended"}, headers=admin_headers)).status_code == 404
    bad = await client.patch("/api/v1/platform/tenants/gansu", json={"status": "closed"}, headers=admin_headers)
    assert bad.status_code == 400


async def test_platform_figures_per_tenant(client, admin_headers):
    from tests.accounts.helpers import last_code, staff_headers

    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    await client.post("/t/guangdong/api/v1/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13800000000"})
    code = await last_code(client, "guangdong", admin, "13800000000")
    from tests.accounts.helpers import make_id

    await client.post("/t/guangdong/api/v1/auth/register", json={
        "agree_terms": True, "username": "figure1", "real_name": "统计", "password": "gd2020pass", "password_confirm": "gd2020pass",
        "nationality": "中国", "ethnicity": "汉族", "gender": "男", "id_number": make_id("440106", "19880512"), "birth_date": "1988-05-12",
        "email": "f@example.com", "region": "广州", "address": "天河", "phone": "13800000000", "code": code})
    figures = {f["slug"]: f for f in (await client.get("/api/v1/platform/stats", headers=admin_headers)).json()}
    assert figures["guangdong"]["learners"] == 1 and figures["zhejiang"]["learners"] == 0
    assert (await client.get("/api/v1/platform/stats")).status_code == 401


async def test_a_login_storm_on_the_platform_is_turned_away(client):
    await platform_token(client)  # the administrator exists and logs in once
    for _ in range(30):
        wrong = await client.post("/api/v1/platform/auth/login", json={"username": "national", "password": "wrong"})
        assert wrong.status_code == 401
    refused = await client.post("/api/v1/platform/auth/login", json={"username": "national", "password": PLATFORM_PASSWORD})
    assert refused.status_code == 429 and refused.json()["detail"] == "登录尝试过于频繁，请稍后再试"
