"""Public pages: FAQ and contact details from the plugin, the qualifications framework (or
plainly none), the service network directory, and the public rule search."""

from __future__ import annotations

import re
from html import unescape

from tests.accounts.helpers import staff_headers


def rule_names(html: str) -> list[str]:
    _, found, after = html.partition('<ul class="rule-list" id="rules">')
    return [unescape(n) for n in re.findall(r"<h2>(.*?)</h2>", after)] if found else []


async def test_faq_shows_each_province_its_own_questions_and_contacts(client):
    guangdong = await client.get("/t/guangdong/faq")
    assert guangdong.status_code == 200
    assert "广东开放大学在校生如何激活账号？" in guangdong.text and "<summary>" in guangdong.text
    assert "020-83772086" in guangdong.text and 'href="tel:020-83772086"' in guangdong.text

    national = await client.get("/t/national_ouc/faq")
    assert "账户激活时为什么查询不到我的个人信息" in national.text
    assert "010-58519565" in national.text and "广东开放大学在校生" not in national.text

    zhejiang = await client.get("/t/zhejiang/faq")
    assert zhejiang.status_code == 200 and "请就近咨询开户所在的受理点" in zhejiang.text


async def test_framework_levels_where_the_tenant_has_them_and_plainly_none_where_not(client):
    guangdong = await client.get("/t/guangdong/framework")
    assert guangdong.status_code == 200
    rows = re.findall(r'<tr><th scope="row">(\d+)</th><td>(.*?)</td>', guangdong.text)
    assert [int(n) for n, _ in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 7
    assert rows[0][1] == "一级" and "具有基础的普通知识" in guangdong.text

    national = await client.get("/t/national_ouc/framework")
    assert len(re.findall(r'<th scope="row">', national.text)) == 10

    zhejiang = await client.get("/t/zhejiang/framework")
    assert zhejiang.status_code == 200
    assert 'id="no-framework"' in zhejiang.text and "尚未发布资历框架等级标准" in zhejiang.text
    assert "<table" not in zhejiang.text


async def test_units_directory_browses_down_the_tree_and_searches_by_name(client):
    top = await client.get("/t/zhejiang/units")
    assert top.status_code == 200
    assert "浙江省终身教育学分银行" in top.text  # the one centre at the top opens at once
    assert "浙江学分银行杭州分部" in top.text and "?parent=ZJ-B01" in top.text

    branch = await client.get("/t/zhejiang/units", params={"parent": "ZJ-B01"})
    assert branch.status_code == 200
    assert '<nav aria-label="上级单位">' in branch.text and "浙江学分银行杭州分部" in branch.text
    sub_centres = re.findall(r'<td><a href="/t/zhejiang/units\?parent=([^"]+)">', branch.text)
    api = (await client.get("/t/zhejiang/api/v1/org/units", params={"parent": "ZJ-B01"})).json()["items"]
    assert sub_centres and sub_centres == [u["code"] for u in api]

    found = await client.get("/t/zhejiang/units", params={"q": "义乌"})
    assert found.status_code == 200 and "义乌" in found.text and "名称含“义乌”的网点" in found.text
    assert "杭州分部" not in re.search(r'<table id="units">.*</table>', found.text, re.S).group(0)

    nothing = await client.get("/t/zhejiang/units", params={"q": "不存在的网点名"})
    assert 'id="no-units"' in nothing.text

    assert (await client.get("/t/zhejiang/units", params={"parent": "NOPE"})).status_code == 404
    # Another tenant's unit is not found here.
    assert (await client.get("/t/guangdong/units", params={"parent": "ZJ-B01"})).status_code == 404


async def test_units_directory_pages_through_long_lists(client):
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    for n in range(55):
        created = await client.post("/t/zhejiang/api/v1/org/units", headers=admin, json={
            "code": f"ZJ-B01-T{n:02d}", "level": "acceptance_point", "name": f"测试受理点{n:02d}", "parent_code": "ZJ-B01"})
        assert created.status_code in (200, 201), created.text
    first = await client.get("/t/zhejiang/units", params={"q": "测试受理点"})
    assert first.text.count("测试受理点") >= 50
    next_url = unescape(re.search(r'<nav class="pager" aria-label="翻页"><a href="([^"]+)">', first.text).group(1))
    second = await client.get(next_url)
    assert second.status_code == 200
    assert "测试受理点54" in second.text and "测试受理点00" not in second.text


async def test_rule_search_by_words_and_by_the_entry_the_learner_holds(client):
    everything = await client.get("/t/guangdong/rules")
    assert everything.status_code == 200
    names = rule_names(everything.text)
    assert len(names) == 20 and 'aria-label="翻页"' in everything.text  # 24 seeded rules, 20 a page
    next_url = unescape(re.search(r'<nav class="pager" aria-label="翻页"><a href="([^"]+)">', everything.text).group(1))
    rest = rule_names((await client.get(next_url)).text)
    assert rest and not set(rest) & set(names)

    cet = await client.get("/t/guangdong/rules", params={"q": "CET 学位外语"})
    cet_names = rule_names(cet.text)
    assert cet_names and all("CET" in n and "学位外语" in n for n in cet_names)
    assert "外语等级证书转学位外语" in cet.text and "教育部考试中心" in cet.text  # agreement, source institution

    # One catalog entry matches what the learner holds: its rules, and only its rules.
    cet_entry = (await client.get("/t/guangdong/api/v1/catalog", params={"q": "大学英语等级考试"})).json()["items"]
    assert len(cet_entry) == 1
    held = await client.get("/t/guangdong/rules", params={"source": "大学英语等级考试"})
    assert 'id="source-entry"' in held.text and cet_entry[0]["name"] in held.text
    api_rules = (await client.get("/t/guangdong/api/v1/rules", params={"catalog_entry_id": cet_entry[0]["id"]})).json()
    assert sorted(rule_names(held.text)) == sorted(r["name"] for r in api_rules["items"]) and api_rules["items"]

    # Several match: the learner picks one.
    several = await client.get("/t/guangdong/rules", params={"source": "全国计算机等级考试", "q": "计算机"})
    picks = re.findall(r'<li><a href="([^"]+)">(.*?)</a>', several.text.partition('id="source-choices"')[2])
    assert len(picks) == 2 and rule_names(several.text) == []
    href = unescape(picks[1][0])
    assert "q=" in href and "catalog_entry_id=" in href
    picked = await client.get(href)
    assert picked.status_code == 200 and 'id="source-entry"' in picked.text
    entry_id = int(href.rsplit("=", 1)[1])
    api_rules = (await client.get("/t/guangdong/api/v1/rules", params={"catalog_entry_id": entry_id, "q": "计算机"})).json()
    assert sorted(rule_names(picked.text)) == sorted(r["name"] for r in api_rules["items"]) and api_rules["items"]

    none = await client.get("/t/guangdong/rules", params={"source": "完全不存在的证书名称"})
    assert 'id="no-rules"' in none.text and "名录中没有" in none.text
    assert (await client.get("/t/guangdong/rules", params={"catalog_entry_id": 999999})).status_code == 404
    assert (await client.get("/t/guangdong/rules", params={"catalog_entry_id": "abc"})).status_code == 400


async def test_rules_are_each_tenants_own(client):
    zhejiang = rule_names((await client.get("/t/zhejiang/rules")).text)
    guangdong = rule_names((await client.get("/t/guangdong/rules")).text)
    assert zhejiang and not set(zhejiang) & set(guangdong)
    api = (await client.get("/t/zhejiang/api/v1/rules", params={"limit": 100})).json()["items"]
    assert sorted(zhejiang) == sorted(r["name"] for r in api)


async def test_public_pages_show_the_public_menu_with_the_current_page_marked(client):
    page = await client.get("/t/guangdong/rules")
    for href in ("/t/guangdong/rules", "/t/guangdong/framework", "/t/guangdong/faq", "/t/guangdong/units"):
        assert f'href="{href}"' in page.text
    assert '<a href="/t/guangdong/rules" aria-current="page">' in page.text
