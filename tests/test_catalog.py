"""The catalog (名录): seeded per tenant, searched the way the 成果选择 dialog does."""

from __future__ import annotations

from tests.accounts.helpers import staff_headers

T = "/t/guangdong/api/v1"


async def test_search_by_project_name_and_institution_like_the_manual(client):
    page = (await client.get(f"{T}/catalog", params={"q": "公司概况"})).json()
    entry = next(e for e in page["items"] if e["name"] == "公司概况")
    assert entry["project_name"] == "电子商务(2019春)(本)" and entry["institution"] == "广东开放大学"
    assert entry["fields"]["course_code"] == "10771" and entry["fields"]["credits"] == 3
    both = (await client.get(f"{T}/catalog", params={"q": "2019 公司概况", "institution": "开放大学"})).json()
    assert [e["id"] for e in both["items"]] == [entry["id"]]
    cet = (await client.get(f"{T}/catalog", params={"q": "四级", "category": "vocational_qualification"})).json()
    assert any("CET" in e["name"] and e["institution"] == "教育部考试中心" for e in cet["items"])


async def test_paging_is_keyset_and_complete(client):
    seen, cursor = [], None
    while True:
        params = {"limit": 25, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{T}/catalog", params=params)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 60 and seen == sorted(seen)


async def test_each_tenant_sees_only_its_own_catalog(client):
    gd = (await client.get(f"{T}/catalog", params={"q": "公司概况"})).json()["items"][0]
    assert (await client.get(f"/t/zhejiang/api/v1/catalog/{gd['id']}")).status_code == 404
    assert (await client.get(f"/t/zhejiang/api/v1/catalog", params={"q": "公司概况"})).json()["items"] == []


async def test_admins_add_entries_checked_against_the_taxonomy(client):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    body = {"category": "academic", "subtype": "course", "project_name": "法学(2020秋)(本)", "name": "民法学",
            "institution": "广东开放大学", "framework_level": 5,
            "fields": {"achievement_name": "民法学", "school_name": "广东开放大学", "course_name": "民法学",
                       "course_code": "20001", "major": "法学", "level": "本科", "credits": "4"}}
    created = await client.post(f"{T}/catalog", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["fields"]["credits"] == 4
    assert (await client.post(f"{T}/catalog", json=body, headers=admin)).status_code == 409
    bad_credits = await client.post(f"{T}/catalog", json={**body, "name": "x", "fields": {**body["fields"], "credits": "四"}}, headers=admin)
    assert bad_credits.status_code == 400 and bad_credits.json()["extra"]["field"] == "credits"
    no_catalog = await client.post(f"{T}/catalog", json={**body, "category": "other", "subtype": "perf_research", "fields": {}}, headers=admin)
    assert no_catalog.status_code == 400 and "没有名录" in no_catalog.json()["detail"]
    missing = await client.post(f"{T}/catalog", json={**body, "name": "y", "fields": {"course_name": "y"}}, headers=admin)
    assert missing.status_code == 400
    unit_admin = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin")
    assert (await client.post(f"{T}/catalog", json={**body, "name": "z"}, headers=unit_admin)).status_code == 403
