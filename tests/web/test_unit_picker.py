"""Every field where a learner names a unit (受理服务点, 采集受理点) is the proof form's unit
picker (issue 16 item 9): a list of the tenant's units that portal.js makes searchable, a plain
<select> without JavaScript, and a code field when the tenant has too many units to list."""

from __future__ import annotations

import re

from tests.achievements.test_achievements import guangdong_learner, zhejiang_learner
from tests.web.helpers import field_error, selected_option, submit

FIELDS = {"training_name": "家政服务技能培训", "training_provider": "稠城街道社区学校", "training_category": "职工培训",
          "training_hours": "24", "start_date": "2020-04-01", "end_date": "2020-04-20"}


def picker(html: str, name: str) -> str:
    found = re.search(rf'<select id="f-{name}" name="{name}" data-unit-search="[^"]*".*?</select>', html, re.S)
    assert found, f"no unit picker for {name}"
    return found.group(0)


async def test_the_service_point_of_an_application_is_picked_from_the_units(client):
    learner = await guangdong_learner(client)
    added = await client.post("/t/guangdong/api/v1/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_work_experience",
        "fields": {"achievement_name": "广东开放大学工作9年", "completed_on": "2020-07-07"}})
    assert added.status_code == 201, added.text
    client.cookies.set("cb_session_guangdong", learner["Authorization"].removeprefix("Bearer "))
    for path in ("me/recognition", f"me/performance?achievement={added.json()['id']}"):
        page = await client.get(f"/t/guangdong/{path}")
        units = picker(page.text, "unit_code")
        assert '<option value="">我所属的服务点（默认）</option>' in units
        assert '<option value="GD-GOU-TP02">广东理工职业学院人工智能学院（GD-GOU-TP02）</option>' in units
    page = await client.get("/t/guangdong/me/recognition")
    assert 'for="f-unit_code">受理服务点（选填）' in page.text


async def test_the_acceptance_point_of_a_social_training_is_picked_and_checked(client):
    learner, _ = await zhejiang_learner(client)
    wrong = await client.post("/t/zhejiang/api/v1/me/achievements", headers=learner, json={
        "category": "social_training", "subtype": "social_training", "fields": {**FIELDS, "acceptance_point": "义乌受理点"}})
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "采集受理点：单位 义乌受理点 不存在，请从列表中选择"
    assert wrong.json()["extra"] == {"field": "acceptance_point"}
    stored = await client.post("/t/zhejiang/api/v1/me/achievements", headers=learner, json={
        "category": "social_training", "subtype": "social_training", "fields": {**FIELDS, "acceptance_point": "ZJ-S01"}})
    assert stored.status_code == 201 and stored.json()["fields"]["acceptance_point"] == "ZJ-S01"
    meta = (await client.get("/t/zhejiang/api/v1/meta")).json()
    social = next(c for c in meta["taxonomy"]["categories"] if c["code"] == "social_training")
    assert next(f for f in social["subtypes"][0]["fields"] if f["name"] == "acceptance_point")["type"] == "unit"


async def test_the_social_training_form_shows_the_picker_and_falls_back_to_a_code_field(client, monkeypatch):
    from core.hierarchy import unit_picker

    learner, _ = await zhejiang_learner(client)
    client.cookies.set("cb_session_zhejiang", learner["Authorization"].removeprefix("Bearer "))
    url = "/t/zhejiang/me/achievements/new?category=social_training&subtype=social_training"
    page = await client.get(url)
    units = picker(page.text, "acceptance_point")
    assert "（ZJ-S01）</option>" in units and 'for="f-acceptance_point">采集受理点' in page.text
    refused = await submit(client, url, url, {"category": "social_training", "subtype": "social_training", **FIELDS,
                                              "acceptance_point": "NOPE"})
    assert refused.status_code == 400
    assert field_error(refused.text, "acceptance_point") == "采集受理点：单位 NOPE 不存在，请从列表中选择"
    assert selected_option(refused.text, "acceptance_point") is None and "家政服务技能培训" in refused.text

    monkeypatch.setattr(unit_picker, "MAX_LISTED", 3)  # more units than a list holds: a code field
    page = await client.get(url)
    assert 'data-unit-search' not in page.text
    assert re.search(r'<input[^>]*name="acceptance_point"', page.text)


async def test_staff_pick_the_reported_unit_among_those_they_may_see(client):
    from tests.accounts.helpers import staff_headers

    point = await staff_headers(client, "guangdong", "GD-GOU", "unit_admin", username="gou-admin")
    client.cookies.set("cb_session_guangdong", point["Authorization"].removeprefix("Bearer "))
    for path in ("staff/reports", "staff/reports/workload"):
        page = await client.get(f"/t/guangdong/{path}")
        units = picker(page.text, "unit")
        assert '<option value="GD-GOU" selected>' in units and "（GD-GOU-TP01）" in units, path
        assert 'value="GD"' not in units and 'value="GD-TP01"' not in units  # the centre, a point outside: not theirs
