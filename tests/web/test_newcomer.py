"""A newcomer's first addresses (issue 16 item 3): ``/`` lists the hosted credit banks, an
unknown portal address and a reloaded POST-only step answer pages in Chinese, a favicon."""

from __future__ import annotations


async def test_the_root_lists_the_hosted_credit_banks(client):
    home = await client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    for name, slug in (("广东终身教育学分银行", "guangdong"), ("浙江", "zhejiang"), ("国家开放大学学分银行", "national_ouc")):
        assert name in home.text and f'href="/t/{slug}/"' in home.text
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")


async def test_an_unknown_portal_address_is_a_chinese_page(client):
    lost = await client.get("/t/guangdong/no-such-page", headers={"Accept": "text/html"})
    assert lost.status_code == 404 and lost.headers["content-type"].startswith("text/html")
    assert "页面不存在" in lost.text and 'href="/t/guangdong/"' in lost.text and "Not Found" not in lost.text
    api = await client.get("/t/guangdong/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


async def test_a_reloaded_post_only_step_returns_to_its_start(client):
    for path, start in (("activate/verify", "activate"), ("activate/password", "activate"), ("activate/code", "activate"),
                        ("register/code", "register"), ("register/terms", "register"),
                        ("password/reset/confirm", "password/reset")):
        again = await client.get(f"/t/guangdong/{path}", follow_redirects=False)
        assert again.status_code in (302, 303) and again.headers["location"] == f"/t/guangdong/{start}", path


async def test_error_pages_show_the_header_of_whoever_is_logged_in(client):
    """Issue 16 item 3: an unknown address and a refused page keep the logged-in header."""
    from core.accounts.staff import create_staff
    from tests.accounts.helpers import STAFF_PASSWORD
    from tests.web.helpers import portal_login

    await create_staff(await client._transport.app.state.tenants.get("guangdong"), "GD", "tenant_admin", "gdadmin",
                       STAFF_PASSWORD, real_name="明耀星")
    html = {"Accept": "text/html"}
    anonymous = await client.get("/t/guangdong/no-such-page", headers=html)
    assert 'class="who"' not in anonymous.text
    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    for path in ("/t/guangdong/no-such-page", "/t/guangdong/me/achievements/999999"):
        lost = await client.get(path, headers=html)
        assert lost.status_code in (403, 404) and "明耀星" in lost.text and ">退出</button>" in lost.text, path
