"""The portal's shared parts in a real browser: login through the form, the session cookie,
the phone-width layout, a double click that submits once."""

from __future__ import annotations

from tests.browser.conftest import screenshot

PASSWORD = "Staff-pass-2026"


async def test_staff_login_and_logout_in_the_browser(live_server, desktop):
    live_server.cli("staff", "create", "--tenant", "guangdong", "--unit", "GD", "--role", "tenant_admin",
                    "--username", "gdadmin", "--password", PASSWORD)
    page = desktop
    await page.goto(f"{live_server.url}/t/guangdong/login")
    assert await page.title() == "登录 · 广东终身教育学分银行"
    await page.get_by_label("用户名 / 证件号码 / 邮箱").fill("gdadmin")
    await page.get_by_label("密码").fill("wrong-password")
    await page.get_by_role("button", name="登录").click()
    assert await page.get_by_role("alert").inner_text() == "用户名或密码错误"
    assert await page.get_by_label("用户名 / 证件号码 / 邮箱").input_value() == "gdadmin"  # kept

    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/t/guangdong/staff/reviews")
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["cb_session_guangdong"]["httpOnly"] and cookies["cb_session_guangdong"]["sameSite"] == "Lax"

    await page.goto(f"{live_server.url}/t/guangdong/")
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url("**/t/guangdong/login?done=*")
    assert "您已退出登录" in await page.get_by_role("status").inner_text()


async def test_phone_width_layout_has_no_sideways_scrolling(live_server, phone):
    for tenant in ("guangdong", "national_ouc", "zhejiang", "gansu"):
        await phone.goto(f"{live_server.url}/t/{tenant}/login")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{tenant}: page is {width}px wide on a 375px screen"
        # Every form control is reachable and labelled.
        unlabelled = await phone.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => !(e.labels && e.labels.length)).map(e => e.name)""")
        assert unlabelled == []
    await screenshot(phone, "login-phone-zhejiang")


async def test_a_double_click_submits_the_login_once(live_server, desktop):
    requests = []
    desktop.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    await desktop.goto(f"{live_server.url}/t/guangdong/login")
    await desktop.get_by_label("用户名 / 证件号码 / 邮箱").fill("nobody")
    await desktop.get_by_label("密码").fill("whatever")
    # Wait for the answer to the POST, then for the page it shows: "networkidle" alone may be
    # reached before the click's request starts (the page was idle already).
    async with desktop.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")):
        await desktop.get_by_role("button", name="登录").dblclick()
    await desktop.wait_for_load_state("load")
    await desktop.wait_for_load_state("networkidle")
    assert len([r for r in requests if r.url.endswith("/login")]) == 1
