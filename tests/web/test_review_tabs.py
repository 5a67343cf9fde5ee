"""The staff review page (issue 16 item 12): counts on the tabs, the first tab with work, and
for everyone which steps are whose and where."""

from __future__ import annotations

import re

from tests.accounts.helpers import STAFF_PASSWORD, staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.reviews.test_guangdong_reviews import _performance
from tests.web.helpers import portal_login

G = "/t/guangdong/api/v1"


async def test_tabs_show_how_many_wait(client):
    learner = await guangdong_learner(client)
    await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    for name in ("a", "b"):
        await client.post(f"{G}/me/applications", headers=learner,
                          json={"kind": "recognition", "achievement_id": await _performance(client, learner, name)})
    await portal_login(client, "guangdong", "lin-biying", STAFF_PASSWORD)
    shown = (await client.get("/t/guangdong/staff/reviews")).text
    tab = re.search(r'<a href="[^"]*step=recognition"[^>]*>(.*?)</a>', shown, re.S).group(1)
    assert "认定审核" in tab and "（2）" in tab, tab


async def test_a_gansu_tenant_admin_is_told_whose_steps_they_are(client):
    await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-school")
    await portal_login(client, "gansu", "gs-school", STAFF_PASSWORD)
    shown = (await client.get("/t/gansu/staff/reviews")).text
    who = re.search(r'<dl class="details" id="who-decides">(.*?)</dl>', shown, re.S).group(1)
    assert "省校教务处存储审核" in who and "省校的单位管理员" in who, who
