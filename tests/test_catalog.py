"""The catalog (名录): seeded per tenant, searched the way the 成果选择 dialog does."""

from __future__ import annotations

from tests.accounts.helpers import run_import, staff_headers

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
    assert (await client.get("/t/zhejiang/api/v1/catalog", params={"q": "公司概况"})).json()["items"] == []


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


async def test_catalog_and_rules_imports_report_bad_rows_and_land_good_ones(client):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    catalog_csv = (
        "成果大类,成果小类,项目名称,成果名称,资历机构名称,achievement_name,school_name,course_name,course_code,major,level,credits\n"
        "academic,course,会计(2021春)(专),基础会计,广东开放大学,基础会计,广东开放大学,基础会计,30001,会计,专科,4\n"
        "academic,course,会计(2021春)(专),成本会计,广东开放大学,成本会计,广东开放大学,成本会计,30002,会计,专科,四\n"
        "academic,nonsense,x,y,z,,,,,,,\n"
    ).encode("utf-8-sig")
    job = await run_import(client, "guangdong", "catalog", catalog_csv, admin)
    assert (job["status"], job["created"], job["failed"]) == ("done", 1, 2), job["message"]
    assert [e["row"] for e in job["errors"]] == [3, 4] and "学分" in job["errors"][0]["message"]
    rules_csv = (
        "agreement,name,sources,target,credits,ratio\n"
        "测试协议,基础会计转会计学基础,会计(2021春)(专)|基础会计|广东开放大学,公司概况,3,100\n"
        "测试协议,坏规则,不存在的课程,公司概况,3,100\n"
    ).encode()
    rules_job = await run_import(client, "guangdong", "rules", rules_csv, admin)
    assert (rules_job["created"], rules_job["failed"]) == (1, 1) and "不存在" in rules_job["errors"][0]["message"]
    found = (await client.get(f"{T}/rules", params={"q": "基础会计转"})).json()["items"]
    assert found and found[0]["sources"][0]["name"] == "基础会计"


async def test_search_answers_the_same_through_the_sqlite_index_for_every_word_length(client):
    """On SQLite the FTS5 trigram index (and its two-character grams) narrows the rows; the
    answers are those of a plain substring match, for 1-, 2-, 3- and 4-character words, words
    with LIKE's wildcards or FTS5's quotes in them, and entries added or renamed later."""
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    everything = []
    cursor = None
    while True:
        page = (await client.get(f"{T}/catalog", params={"limit": 100, **({"cursor": cursor} if cursor else {})})).json()
        everything += page["items"]
        if not (cursor := page["next_cursor"]):
            break

    def expected(q: str) -> list[int]:
        text = {e["id"]: " ".join((e["project_name"], e["name"], e["institution"])).lower() for e in everything}
        return sorted(i for i, t in text.items() if all(w.lower() in t for w in q.split()))

    for q in ("英", "英语", "四级", "公司概", "公司概况", "开放 会计", "CET", "cet 四级", '"英', "%", "学_", "不存在的词"):
        found = (await client.get(f"{T}/catalog", params={"q": q, "limit": 100})).json()["items"]
        assert sorted(e["id"] for e in found) == expected(q)[:100], q
    body = {"category": "academic", "subtype": "course", "project_name": "护理(2021秋)(专)", "name": "护理学基础",
            "institution": "广东开放大学", "fields": {"achievement_name": "护理学基础", "school_name": "广东开放大学",
                                                   "course_name": "护理学基础", "course_code": "40001", "major": "护理",
                                                   "level": "专科", "credits": "3"}}
    added = (await client.post(f"{T}/catalog", json=body, headers=admin)).json()
    everything.append(added)
    for q in ("护理", "理学基", "护理 基础"):
        found = (await client.get(f"{T}/catalog", params={"q": q, "limit": 100})).json()["items"]
        assert added["id"] in [e["id"] for e in found] and sorted(e["id"] for e in found) == expected(q), q
