"""The same walk in the provinces whose plugins differ (issue 18, "done when"): Zhejiang's
vocational certificates carry their grade from the catalog (四级/中级工, where 一级 is the
highest), so its threshold is 等级 ≤ 3; Guangdong's courses carry a typed 成绩 (see
test_explained_rules.py). A multi-source rule, a threshold miss explained, a what-if that
opens the rule, an impact preview, and an edit while an application is in flight."""

from __future__ import annotations

from tests.accounts.helpers import staff_headers
from tests.certificates.helpers import zhejiang_learner
from tests.rules.test_explained_rules import entry

Z = "/t/zhejiang/api/v1"


async def test_zhejiang_grade_threshold_what_if_impact_and_an_edit_in_flight(client):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-rules-centre")
    learner, _ = await zhejiang_learner(client, "ZJ-S01", real_name="郑规则")
    carer = await entry(client, "养老护理员国家职业资格证书（四级）", tenant="zhejiang")
    nanny = await entry(client, "育婴员国家职业资格证书（四级）", tenant="zhejiang")
    target = await entry(client, "纳税基础与实务", "会计(2017春)(专)", tenant="zhejiang")
    rule = await client.post(f"{Z}/rules", headers=centre, json={
        "name": "养老护理员与育婴员合转纳税基础与实务", "sources": [carer["id"], nanny["id"]], "target": target["id"],
        "credits": 3, "conditions": {"thresholds": [{"entry": carer["id"], "field": "等级", "op": "<=", "value": 3}]}})
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    assert "养老护理员国家职业资格证书（四级）：等级 ≤ 3" in rule.json()["conditions"]
    held = (await client.post(f"{Z}/me/achievements", headers=learner, json={
        "category": "vocational", "subtype": "vocational_qualification", "catalog_entry_id": carer["id"],
        "fields": {"certificate_no": "ZJ-2019-001", "issued_on": "2019-06-01"}})).json()
    assert held["fields"]["grade"] == "四级/中级工"

    explained = next(r for r in (await client.get(f"{Z}/me/achievements/{held['id']}/rules", params={"explain": 1},
                                                  headers=learner)).json() if r["id"] == rule_id)
    assert explained["explanation"]["missing"] == ["还需：育婴员国家职业资格证书（四级）", "等级须 ≤ 3，您的等级为 4"]

    relax = {"conditions": {"thresholds": [{"entry": carer["id"], "field": "grade", "op": "<=", "value": 4}]}}
    preview = (await client.post(f"{Z}/rules/impact", headers=centre, json={"rule_id": rule_id, "patch": relax})).json()
    assert (preview["learners_gaining"], preview["pending"]) == (0, [])  # still short of the second certificate
    edited = await client.patch(f"{Z}/rules/{rule_id}", headers=centre, json={**relax, "note": "四级即可"})
    assert edited.json()["version"] == 2

    what_if = (await client.post(f"{Z}/me/what-if", headers=learner, json={"catalog_entry_ids": [nanny["id"]]})).json()
    assert rule_id in [r["id"] for r in what_if["opens"]]
    await client.post(f"{Z}/me/achievements", headers=learner, json={
        "category": "vocational", "subtype": "vocational_qualification", "catalog_entry_id": nanny["id"],
        "fields": {"certificate_no": "ZJ-2019-002", "issued_on": "2019-07-01"}})
    applied = await client.post(f"{Z}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": rule_id})
    assert applied.status_code == 201, applied.text
    assert applied.json()["rule_version"] == 2

    stricter = {"conditions": {"thresholds": [{"entry": carer["id"], "field": "grade", "op": "<=", "value": 2}]}}
    preview = (await client.post(f"{Z}/rules/impact", headers=centre, json={"rule_id": rule_id, "patch": stricter})).json()
    assert [(p["application_id"], p["version"]) for p in preview["pending"]] == [(applied.json()["id"], 2)]
    assert (await client.patch(f"{Z}/rules/{rule_id}", headers=centre, json=stricter)).json()["version"] == 3
    mine = (await client.get(f"{Z}/me/applications/{applied.json()['id']}", headers=learner)).json()
    assert (mine["rule_version"], mine["status"]) == (2, "submitted")
