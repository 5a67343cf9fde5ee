"""The unit picker in a browser (issue 16 item 9): a learner applying for recognition finds the
service point by typing part of its name, with the keyboard only; the same list is there with
JavaScript off."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.browser.helpers import login
from tests.browser.test_first_hour import GD, LEARNER_PASSWORD, gd_learner


async def test_the_service_point_is_found_by_typing_its_name(live_server, desktop, browser, tmp_path):
    id_number, learner = await gd_learner(live_server, tmp_path)
    async with httpx.AsyncClient(base_url=f"{live_server.url}/t/{GD}/api/v1", headers=learner) as api:
        added = await api.post("/me/achievements", json={"category": "other", "subtype": "perf_work_experience", "fields": {
            "achievement_name": "广东开放大学工作9年", "completed_on": "2020-07-07"}})
        assert added.status_code == 201, added.text
    page = desktop
    await login(page, live_server, GD, id_number, LEARNER_PASSWORD, "me")
    await page.goto(f"{live_server.url}/t/{GD}/me/recognition")
    search = page.get_by_role("searchbox", name="按名称或代码筛选服务点")
    await search.focus()
    await page.keyboard.type("人工智能")
    await expect(page.locator("#f-unit_code-search-status")).to_contain_text("找到 1 个")
    units = page.get_by_label("受理服务点（选填）")
    await expect(units).to_have_value("GD-GOU-TP02")
    await page.keyboard.press("Tab")
    await expect(units).to_be_focused()  # the list itself is next in the tab order
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("TP01")
    await expect(units).to_have_value("GD-GOU-TP01")

    # Without JavaScript: the same list, no search box.
    context = await browser.new_context(java_script_enabled=False, locale="zh-CN")
    plain = await context.new_page()
    await login(plain, live_server, GD, id_number, LEARNER_PASSWORD, "me")
    await plain.goto(f"{live_server.url}/t/{GD}/me/recognition")
    await expect(plain.get_by_role("searchbox")).to_have_count(0)
    await plain.get_by_label("受理服务点（选填）").select_option(label="广东理工职业学院人工智能学院（GD-GOU-TP02）")
    await context.close()
