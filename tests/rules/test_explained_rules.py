"""Rules that explain themselves (issue 18), through HTTP: conditions stored as data and
evaluated by one engine, explanations in plain Chinese, versions an application keeps,
what-if, the reverse search by target, and the impact of a change before it is made."""

from __future__ import annotations

from datetime import date, timedelta

from tests.accounts.helpers import run_import, staff_headers
from tests.achievements.test_achievements import guangdong_learner

G = "/t/guangdong/api/v1"


async def entry(client, name: str, project: str = "", tenant: str = "guangdong") -> dict:
    items = (await client.get(f"/t/{tenant}/api/v1/catalog", params={"q": name, "limit": 100})).json()["items"]
    found = [e for e in items if e["name"] == name and (not project or e["project_name"] == project)]
    assert found, f"no catalog entry {name} {project}"
    return found[0]


async def add_course(client, learner, course: dict, score: str, obtained: str = "2020-07-06") -> dict:
    added = await client.post(f"{G}/me/achievements", headers=learner, json={
        "category": "academic", "subtype": "course", "catalog_entry_id": course["id"],
        "fields": {"obtained_on": obtained, "score": score}})
    assert added.status_code == 201, added.text
    return added.json()


async def explained(client, learner, achievement_id: int, rule_id: int) -> dict:
    response = await client.get(f"{G}/me/achievements/{achievement_id}/rules", params={"explain": 1}, headers=learner)
    assert response.status_code == 200, response.text
    return next(r for r in response.json() if r["id"] == rule_id)


async def world(client) -> dict:
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-rules-centre")
    a = await entry(client, "公司概况")
    b = await entry(client, "公司概论")
    target = await entry(client, "学位外语", "标准化工程(2017秋)(本)")
    return {"centre": centre, "a": a, "b": b, "target": target, "learner": await guangdong_learner(client)}


async def test_a_two_source_rule_with_a_score_threshold_explains_what_is_missing(client):
    w = await world(client)
    rule = await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "公司概况与公司概论合转学位外语", "sources": [w["a"]["id"], w["b"]["id"]], "target": w["target"]["id"],
        "credits": 4, "conditions": {"thresholds": [{"entry": w["a"]["id"], "field": "成绩", "value": 70}]}})
    assert rule.status_code == 201, rule.text
    body = rule.json()
    assert body["version"] == 1 and "公司概况：成绩 ≥ 70" in body["conditions"]
    held = await add_course(client, w["learner"], w["a"], "65")

    first = await explained(client, w["learner"], held["id"], body["id"])
    assert first["explanation"]["status"] == "missing"
    assert "还需：公司概论" in first["explanation"]["missing"]
    assert "成绩须 ≥ 70，您的成绩为 65" in first["explanation"]["missing"]
    # The same verdict in API.md's words: {rule_id, version, verdict, reasons}.
    assert (first["rule_id"], first["version"], first["verdict"]) == (body["id"], 1, "missing")
    assert first["reasons"] == first["explanation"]["missing"]
    listed = (await client.get(f"{G}/me/achievements", headers=w["learner"])).json()["items"][0]
    plain = await client.get(f"{G}/me/achievements/{held['id']}/rules", headers=w["learner"])
    assert body["id"] in [r["id"] for r in plain.json()]  # the plain list still shares a source
    refused = await client.post(f"{G}/me/applications", headers=w["learner"], json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": body["id"]})
    assert refused.status_code == 409 and "还需：公司概论" in refused.json()["detail"]
    assert "成绩须 ≥ 70，您的成绩为 65" in refused.json()["detail"]

    await add_course(client, w["learner"], w["b"], "90")
    better = await add_course(client, w["learner"], w["a"], "88")  # retaken: the better score counts
    now = await explained(client, w["learner"], better["id"], body["id"])
    assert now["explanation"]["status"] == "applies", now["explanation"]
    assert "持有：公司概论" in now["explanation"]["because"]
    assert any("成绩 88，满足 ≥ 70" in b for b in now["explanation"]["because"])
    after = (await client.get(f"{G}/me/achievements", headers=w["learner"])).json()["items"]
    assert next(a for a in after if a["id"] == better["id"])["usable_rules"] == listed["usable_rules"] + 1
    applied = await client.post(f"{G}/me/applications", headers=w["learner"], json={
        "kind": "conversion", "achievement_id": better["id"], "rule_id": body["id"]})
    assert applied.status_code == 201, applied.text
    assert applied.json()["rule_version"] == 1
    used = await explained(client, w["learner"], better["id"], body["id"])
    assert used["explanation"]["status"] == "used"


async def test_an_edited_rule_is_a_new_version_and_the_application_in_flight_keeps_its_own(client):
    w = await world(client)
    created = (await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "公司概况转学位外语（版本）", "sources": [w["a"]["id"]], "target": w["target"]["id"], "credits": 2,
        "valid_from": (date.today() - timedelta(days=30)).isoformat()})).json()
    held = await add_course(client, w["learner"], w["a"], "75")
    application = (await client.post(f"{G}/me/applications", headers=w["learner"], json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": created["id"]})).json()
    assert application["rule_version"] == 1

    preview = await client.post(f"{G}/rules/impact", headers=w["centre"], json={
        "rule_id": created["id"], "patch": {"conditions": {"thresholds": [{"entry": w["a"]["id"], "field": "score", "value": 80}]}}})
    assert preview.status_code == 200, preview.text
    assert [p["application_id"] for p in preview.json()["pending"]] == [application["id"]]
    assert preview.json()["pending"][0]["version"] == 1
    assert preview.json()["learners_losing"] == 0  # the rule is already used by the one learner holding it

    edited = await client.patch(f"{G}/rules/{created['id']}", headers=w["centre"], json={
        "credits": 3, "conditions": {"thresholds": [{"entry": w["a"]["id"], "field": "score", "value": 80}]},
        "note": "提高成绩要求"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["target"]["credits"]) == (2, 3)
    assert edited.json()["valid_from"] == date.today().isoformat()
    history = (await client.get(f"{G}/rules/{created['id']}/versions")).json()  # public: the rule is published
    assert [(v["version"], v["credits"]) for v in history] == [(2, 3), (1, 2)]
    assert history[1]["valid_to"] == (date.today() - timedelta(days=1)).isoformat()
    assert history[0]["note"] == "提高成绩要求" and "公司概况：成绩 ≥ 80" in history[0]["conditions"]
    mine = (await client.get(f"{G}/me/applications/{application['id']}", headers=w["learner"])).json()
    assert mine["rule_version"] == 1 and mine["status"] == "submitted"
    overlapping = await client.patch(f"{G}/rules/{created['id']}", headers=w["centre"], json={
        "valid_from": (date.today() - timedelta(days=40)).isoformat()})
    assert overlapping.status_code == 400 and "重叠" in overlapping.json()["detail"]

    retire_preview = (await client.post(f"{G}/rules/impact", headers=w["centre"], json={
        "rule_id": created["id"], "retire": True})).json()
    assert [p["application_id"] for p in retire_preview["pending"]] == [application["id"]]
    assert "不受影响" in retire_preview["note"]
    await client.post(f"{G}/rules/{created['id']}/retire", headers=w["centre"])
    mine = (await client.get(f"{G}/me/applications/{application['id']}", headers=w["learner"])).json()
    assert (mine["rule_version"], mine["status"]) == (1, "submitted")
    assert (await client.get(f"{G}/rules/{created['id']}/versions")).status_code == 404  # retired: staff only
    assert len((await client.get(f"{G}/rules/{created['id']}/versions", headers=w["centre"])).json()) == 2


async def test_window_and_what_if_and_the_reverse_search(client):
    w = await world(client)
    window = (await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "公司概况转学位外语（限期）", "sources": [w["a"]["id"]], "target": w["target"]["id"], "credits": 2,
        "conditions": {"obtained_from": "2021-01-01"}})).json()
    pair = (await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "任选两门转学位外语", "sources": [], "target": w["target"]["id"], "credits": 2,
        "conditions": {"any_of": {"n": 2, "entries": [w["a"]["id"], w["b"]["id"], "密码学"]}}})).json()
    assert pair["any_n"] == 2 and [e["name"] for e in pair["any_of"]] == ["公司概况", "公司概论", "密码学"]
    held = await add_course(client, w["learner"], w["a"], "75", obtained="2020-07-01")
    late = await explained(client, w["learner"], held["id"], window["id"])
    assert late["explanation"]["missing"] == ["该规则 2021-01-01 起生效，您的成果取得于 2020-07-01"]
    one = await explained(client, w["learner"], held["id"], pair["id"])
    assert one["explanation"]["status"] == "missing" and "任意 2 项" in one["explanation"]["missing"][0]

    what_if = await client.post(f"{G}/me/what-if", headers=w["learner"], json={"catalog_entry_ids": [w["b"]["id"]]})
    assert what_if.status_code == 200, what_if.text
    assert pair["id"] in [r["id"] for r in what_if.json()["opens"]]
    assert window["id"] not in [r["id"] for r in what_if.json()["opens"]]
    unknown = await client.post(f"{G}/me/what-if", headers=w["learner"], json={"catalog_entry_ids": [99999999]})
    assert unknown.status_code == 400 and "名录中没有" in unknown.json()["detail"]

    by_target = (await client.get(f"{G}/rules", params={"target_entry_id": w["target"]["id"]})).json()["items"]
    assert {window["id"], pair["id"]} <= {r["id"] for r in by_target}
    contract = (await client.get(f"{G}/rules", params={"target_catalog_entry_id": w["target"]["id"]})).json()["items"]
    assert [r["id"] for r in contract] == [r["id"] for r in by_target]  # API.md's name for the same question
    assert all(r["target"]["entry"]["id"] == w["target"]["id"] for r in by_target)


async def test_bad_conditions_are_refused_with_a_reason(client):
    w = await world(client)
    base = {"name": "坏条件", "sources": [w["a"]["id"]], "target": w["target"]["id"], "credits": 1}
    cases = [
        ({"thresholds": [{"entry": w["a"]["id"], "field": "身高", "value": 1}]}, "没有字段“身高”"),
        ({"thresholds": [{"entry": w["a"]["id"], "field": "score", "value": 80},
                         {"entry": w["a"]["id"], "field": "score", "op": "<=", "value": 60}]}, "互相矛盾"),
        ({"any_of": {"n": 3, "entries": [w["b"]["id"], "密码学"]}}, "任选 3 项"),
        ({"any_of": {"n": 1, "entries": ["没有这门课"]}}, "不存在"),
    ]
    for conditions, words in cases:
        refused = await client.post(f"{G}/rules", headers=w["centre"], json={**base, "conditions": conditions})
        assert refused.status_code == 400 and words in refused.json()["detail"], (conditions, refused.text)
    forward = (await client.post(f"{G}/rules", headers=w["centre"], json={**base, "name": "甲转乙"})).json()
    cycle = await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "乙转甲", "sources": [w["target"]["id"]], "target": w["a"]["id"]})
    assert forward["id"] and cycle.status_code == 400 and "循环" in cycle.json()["detail"]


async def test_the_rule_import_learns_the_condition_columns(client):
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-import-centre")
    csv = (
        "规则名称,源成果,目标成果,学分,任选成果,成绩条件,取得不早于,取得年限,专业学分上限,每专业限用一次\n"
        "导入的条件规则,公司概况,标准化工程(2017秋)(本)|学位外语|广东开放大学,2,,公司概况:成绩>=70,2017-09-01,5,10,是\n"
        "坏的成绩条件,公司概况,标准化工程(2017秋)(本)|学位外语|广东开放大学,2,,公司概况 成绩 70,,,,\n"
        "坏的字段,公司概况,标准化工程(2017秋)(本)|学位外语|广东开放大学,2,,公司概况:身高>=170,,,,\n"
        "坏的任选,公司概况,标准化工程(2017秋)(本)|学位外语|广东开放大学,2,两门:公司概论,,,,,\n"
        "坏的日期,公司概况,标准化工程(2017秋)(本)|学位外语|广东开放大学,2,,,去年,,,\n"
        "坏的是否,公司概况,标准化工程(2017秋)(本)|学位外语|广东开放大学,2,,,,,,也许\n"
    ).encode("utf-8-sig")
    job = await run_import(client, "guangdong", "rules", csv, centre)
    assert (job["created"], job["failed"]) == (1, 5), job
    messages = {e["row"]: e["message"] for e in job["errors"]}
    assert "应写作 成果:字段>=数值" in messages[3]
    assert "没有字段“身高”" in messages[4]
    assert "应写作 数量:成果1;成果2" in messages[5]
    assert "应为日期" in messages[6]
    assert "应填 是 或 否" in messages[7]
    found = (await client.get(f"{G}/rules", params={"q": "导入的条件规则"})).json()["items"][0]
    assert found["conditions"] == ["公司概况：成绩 ≥ 70", "成果须于 2017-09-01 以后取得", "成果须在申请前 5 年内取得",
                                   "每个专业最多转换 10 学分", "同一成果在一个专业只能使用一次"]


async def test_the_learner_page_and_the_review_view_explain_the_rule(client):
    from tests.accounts.helpers import STAFF_PASSWORD
    from tests.web.helpers import portal_login

    w = await world(client)
    rule = (await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "公司概况与公司概论合转学位外语（页面）", "sources": [w["a"]["id"], w["b"]["id"]], "target": w["target"]["id"],
        "credits": 4, "conditions": {"thresholds": [{"entry": w["a"]["id"], "field": "成绩", "value": 70}]}})).json()
    held = await add_course(client, w["learner"], w["a"], "65")
    await portal_login(client, "guangdong", "mingyaoxing", "gd2020pass")
    page = (await client.get("/t/guangdong/me/conversion", params={"achievement": held["id"]})).text
    assert f'data-rule="{rule["id"]}"' in page
    choice = page.split(f'data-rule="{rule["id"]}"', 1)[1].split("</li>\n", 1)[0]
    assert "还需：公司概论" in choice and "成绩须 ≥ 70，您的成绩为 65" in choice and " disabled" in choice

    await add_course(client, w["learner"], w["b"], "90")
    better = await add_course(client, w["learner"], w["a"], "80")
    application = (await client.post(f"{G}/me/applications", headers=w["learner"], json={
        "kind": "conversion", "achievement_id": better["id"], "rule_id": rule["id"]})).json()
    client.cookies.clear()
    await portal_login(client, "guangdong", "gd-rules-centre", STAFF_PASSWORD)
    view = (await client.get(f"/t/guangdong/staff/reviews/{application['id']}"))
    assert view.status_code == 200, view.text
    assert "此规则适用，因为：" in view.text and "持有：公司概论" in view.text and "成绩 80，满足 ≥ 70" in view.text
    assert "第 1 版" in view.text


async def test_the_staff_rule_pages_take_conditions_preview_the_impact_and_show_the_history(client, app):
    from tests.web.helpers import field_error, submit
    from tests.web.test_admin_pages import log_in_as

    w = await world(client)
    held = await add_course(client, w["learner"], w["a"], "75")
    await log_in_as(client, app)
    form = {"agreement": "", "name": "页面条件规则", "description": "", "sources": f"{w['a']['id']}\n",
            "target": str(w["target"]["id"]), "credits": "2", "ratio": "100", "valid_from": "", "valid_to": "",
            "any_of": "", "thresholds": "公司概况:身高>=170", "obtained_from": "", "within_years": "", "program_cap": "",
            "year_cap": "", "once_per_program": ""}
    bad = await submit(client, "/t/guangdong/staff/rules/new", "/t/guangdong/staff/rules/new", form)
    assert bad.status_code == 400 and "没有字段“身高”" in field_error(bad.text, "thresholds")
    created = await submit(client, "/t/guangdong/staff/rules/new", "/t/guangdong/staff/rules/new",
                           {**form, "thresholds": "公司概况:成绩>=70"})
    assert created.status_code == 303, created.text
    url = created.headers["location"].split("?")[0]
    rule_id = int(url.rsplit("/", 1)[1])
    page = (await client.get(url)).text
    assert "公司概况：成绩 ≥ 70" in page and "第 1 版" in page
    assert (await explained(client, w["learner"], held["id"], rule_id))["explanation"]["status"] == "applies"

    edit = {"description": "页面条件规则", "credits": "2", "ratio": "100", "valid_from": "", "valid_to": "",
            "any_of": "", "thresholds": "公司概况:成绩>=80", "obtained_from": "", "within_years": "", "program_cap": "",
            "year_cap": "", "once_per_program": "", "note": "提高到 80 分"}
    preview = await submit(client, url, url, {**edit, "preview": "1"})
    assert preview.status_code == 200 and "不再适用 1 人" in preview.text
    assert (await client.get(f"{G}/rules/{rule_id}")).json()["version"] == 1  # a preview changes nothing
    saved = await submit(client, url, url, edit)
    assert saved.status_code == 303, saved.text
    history = (await client.get(url)).text
    assert "第 2 版" in history and "提高到 80 分" in history and "公司概况：成绩 ≥ 80" in history
    after = await explained(client, w["learner"], held["id"], rule_id)
    assert after["explanation"]["missing"] == ["成绩须 ≥ 80，您的成绩为 75"]


async def test_public_pages_search_by_target_and_show_the_history_and_the_what_if_page(client):
    from tests.web.helpers import portal_login

    w = await world(client)
    rule = (await client.post(f"{G}/rules", headers=w["centre"], json={
        "name": "公司概况与公司概论合转学位外语（公开）", "sources": [w["a"]["id"], w["b"]["id"]],
        "target": w["target"]["id"], "credits": 4})).json()
    await client.patch(f"{G}/rules/{rule['id']}", headers=w["centre"], json={"credits": 5, "note": "学分调整"})
    found = (await client.get("/t/guangdong/rules", params={"target_entry_id": w["target"]["id"]})).text
    assert "公司概况与公司概论合转学位外语（公开）" in found and "第 2 版" in found
    assert "CET 4 及以上证书转2017秋标准化工程专业学位外语" in found  # the seeds' rule for the same target
    picking = (await client.get("/t/guangdong/rules", params={"target": "学位外语"})).text
    assert 'id="target-choices"' in picking and f"target_entry_id={w['target']['id']}" in picking
    history = await client.get(f"/t/guangdong/rules/{rule['id']}/history")
    assert history.status_code == 200 and "学分调整" in history.text and "第 1 版" in history.text

    await add_course(client, w["learner"], w["a"], "75")
    await portal_login(client, "guangdong", "mingyaoxing", "gd2020pass")
    what_if = await client.get("/t/guangdong/me/what-if", params={"q": "公司概论", "entry": w["b"]["id"]})
    assert what_if.status_code == 200
    opens = what_if.text.split('id="opens"', 1)[1].split("</ul>", 1)[0]
    assert "公司概况与公司概论合转学位外语（公开）" in opens
    assert (await client.get("/t/guangdong/me/what-if", params={"entry": 2**40})).status_code == 400
