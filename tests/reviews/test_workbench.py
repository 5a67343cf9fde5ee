"""The reviewer's queue as a workbench: taking an item (认领) so two reviewers do not work one,
filters and sorting by due date, and counts per tab."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.accounts.tables import Account
from core.achievements.tables import Achievement
from core.clock import utcnow
from core.hierarchy.service import create_unit
from core.hierarchy.tables import OrgUnit
from core.reviews.engine import resolve_chain
from core.reviews.tables import Application
from core.workdays import due_at
from tests.accounts.helpers import staff_headers
from tests.reports.world import _achievement, _application, _learner

T = "/t/zhejiang/api/v1"
OPINION = "受理点：义乌市稠城街道社区学校受理点 经办人：王丽 意见：同意"


@pytest.fixture
async def desk(client) -> dict:
    """Three recognitions waiting at one acceptance point of 义乌 with two reviewers: one long
    overdue, one due tomorrow-ish, one just in; learners 陈一 / 陈二 / 林三."""
    tenant = await client._transport.app.state.tenants.get("zhejiang")
    await create_unit(tenant.id, tenant.hooks.org_levels, code="ZJ-S57-A01", level="acceptance_point",
                      name="义乌市稠城街道社区学校受理点", parent_code="ZJ-S57")
    point = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.code == "ZJ-S57-A01").first()
    chain = await resolve_chain(tenant.id, tenant.hooks.review_chain("recognition", "social_training", "social_training"),
                                point)
    now = utcnow()
    ids = {}
    for name, began in (("陈一", now - timedelta(days=40)), ("陈二", now - timedelta(days=12)), ("林三", now)):
        learner = await _learner(tenant, point, now - timedelta(days=60))
        await Account.update({Account.real_name: name}).where(Account.id == learner)
        achievement = await _achievement(tenant, learner, "social_training", "social_training", "applied", began)
        ids[name] = await _application(tenant, learner, achievement, "recognition", chain, "submitted", 0, began, began)
    # 陈二's step: due at the end of the next working day (within the two reminder days).
    await Application.update({Application.step_due_at: due_at(now, 1)}).where(Application.id == ids["陈二"])
    wang = await staff_headers(client, "zhejiang", "ZJ-S57-A01", "unit_admin", username="wangli")
    zhao = await staff_headers(client, "zhejiang", "ZJ-S57-A01", "unit_admin", username="zhaoqiang")
    yiwu = await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu")
    other = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="shangcheng")
    return {"tenant": tenant, "ids": ids, "wang": wang, "zhao": zhao, "yiwu": yiwu, "other": other}


async def test_a_claimed_item_is_the_claimers_until_released_decided_or_lapsed(client, desk):
    ids, wang, zhao = desk["ids"], desk["wang"], desk["zhao"]
    first = ids["陈一"]
    taken = await client.post(f"{T}/reviews/{first}/claim", headers=wang)
    assert taken.status_code == 200, taken.text
    assert taken.json()["claimed_by_name"] and taken.json()["expires_at"]
    # The other reviewer is told who has it, and may neither take it nor decide it.
    again = await client.post(f"{T}/reviews/{first}/claim", headers=zhao)
    assert again.status_code == 409 and "认领" in again.json()["detail"]
    assert again.json()["extra"]["claimed_by"] == taken.json()["claimed_by_name"]
    decided = await client.post(f"{T}/reviews/{first}/decision", headers=zhao, json={
        "step": "acceptance_review", "decision": "approve", "opinion": OPINION})
    assert decided.status_code == 409 and "认领" in decided.json()["detail"]
    queue = (await client.get(f"{T}/reviews", headers=zhao)).json()["items"]
    assert next(i for i in queue if i["id"] == first)["claimed_by_name"] == taken.json()["claimed_by_name"]
    # Outside the deciding unit: no claim; a claim by the holder again just renews it.
    assert (await client.post(f"{T}/reviews/{first}/claim", headers=desk["other"])).status_code in (403, 404)
    assert (await client.post(f"{T}/reviews/{first}/claim", headers=wang)).status_code == 200
    # Only the holder or an admin over the deciding unit releases it.
    assert (await client.delete(f"{T}/reviews/{first}/claim", headers=desk["other"])).status_code in (403, 404)
    assert (await client.delete(f"{T}/reviews/{first}/claim", headers=desk["yiwu"])).status_code == 204
    assert (await client.post(f"{T}/reviews/{first}/claim", headers=zhao)).status_code == 200
    # A lapsed claim is free to take.
    await Application.update({Application.claimed_at: utcnow() - timedelta(hours=3)}).where(Application.id == first)
    assert (await client.post(f"{T}/reviews/{first}/claim", headers=wang)).status_code == 200
    # Deciding ends the claim with the step.
    done = await client.post(f"{T}/reviews/{first}/decision", headers=wang, json={
        "step": "acceptance_review", "decision": "approve", "opinion": OPINION})
    assert done.status_code == 200, done.text
    row = await Application.select(Application.claimed_by).where(Application.id == first).first()
    assert row["claimed_by"] is None
    assert (await client.post(f"{T}/reviews/999999/claim", headers=wang)).status_code == 404


async def test_two_reviewers_claiming_at_once_one_wins(client, desk):
    item = desk["ids"]["林三"]
    answers = await asyncio.gather(*(client.post(f"{T}/reviews/{item}/claim", headers=h)
                                     for h in (desk["wang"], desk["zhao"]) * 4))
    holders = {a.json()["claimed_by"] for a in answers if a.status_code == 200}
    assert len(holders) == 1 and all(a.status_code in (200, 409) for a in answers)


async def test_filters_sorting_and_counts(client, desk):
    ids, wang = desk["ids"], desk["wang"]
    by_due = (await client.get(f"{T}/reviews", params={"sort": "due"}, headers=wang)).json()["items"]
    assert [i["id"] for i in by_due] == [ids["陈一"], ids["陈二"], ids["林三"]]
    page = (await client.get(f"{T}/reviews", params={"sort": "due", "limit": 1}, headers=wang)).json()
    second = (await client.get(f"{T}/reviews", params={"sort": "due", "limit": 1, "cursor": page["next_cursor"]},
                               headers=wang)).json()
    assert [i["id"] for i in page["items"] + second["items"]] == [ids["陈一"], ids["陈二"]]
    overdue = (await client.get(f"{T}/reviews", params={"due": "overdue"}, headers=wang)).json()["items"]
    assert [i["id"] for i in overdue] == [ids["陈一"]]
    soon = (await client.get(f"{T}/reviews", params={"due": "soon"}, headers=wang)).json()["items"]
    assert {i["id"] for i in soon} == {ids["陈一"], ids["陈二"]}
    named = (await client.get(f"{T}/reviews", params={"q": "陈"}, headers=wang)).json()["items"]
    assert {i["id"] for i in named} == {ids["陈一"], ids["陈二"]}
    assert (await client.get(f"{T}/reviews", params={"q": "%"}, headers=wang)).json()["items"] == []
    in_unit = (await client.get(f"{T}/reviews", params={"unit": "ZJ-S57"}, headers=wang)).json()["items"]
    assert len(in_unit) == 3
    assert (await client.get(f"{T}/reviews", params={"unit": "ZJ-S01"}, headers=wang)).json()["items"] == []
    unknown = await client.get(f"{T}/reviews", params={"unit": "NOPE"}, headers=wang)
    assert unknown.status_code == 400 and unknown.json()["extra"] == {"field": "unit"}
    bad = await client.get(f"{T}/reviews", params={"due": "later"}, headers=wang)
    assert bad.status_code == 400

    counts = (await client.get(f"{T}/reviews/counts", headers=wang)).json()
    assert [(c["step"], c["pending"], c["overdue"]) for c in counts["steps"]] == [("acceptance_review", 3, 1)]
    assert counts["escalated"] == 0
    assert (await client.get(f"{T}/reviews/counts", headers=desk["other"])).json()["steps"] == []


async def test_possible_duplicates_are_shown_to_the_reviewer_with_links(client, desk):
    import httpx

    from tests.web.helpers import portal_login

    ids = desk["ids"]
    rows = {r["id"]: r for r in await Application.select(Application.id, Application.achievement_id,
                                                         Application.learner_id).where(
        Application.id.is_in(list(ids.values())))}
    mine = rows[ids["陈一"]]
    theirs = rows[ids["陈二"]]
    await Achievement.update({Achievement.certificate_no: "ZJ-2020-0042"}).where(
        Achievement.id.is_in([mine["achievement_id"], theirs["achievement_id"]]))
    # The same training entered a second time by 陈一.
    twice = await Achievement.select().where(Achievement.id == mine["achievement_id"]).first()
    copy = Achievement(**{k: v for k, v in twice.items() if k != "id"})
    copy.certificate_no = ""
    await copy.save()

    detail = (await client.get(f"{T}/reviews/{ids['陈一']}", headers=desk["wang"])).json()
    found = {d["achievement_id"]: d for d in detail["duplicates"]}
    assert found[theirs["achievement_id"]]["reason"] == "certificate_no"
    assert found[theirs["achievement_id"]]["application_id"] == ids["陈二"]
    assert found[theirs["achievement_id"]]["learner_name"] == "陈二" and not found[theirs["achievement_id"]]["same_learner"]
    assert found[copy.id]["reason"] == "same_record" and found[copy.id]["same_learner"]
    alone = (await client.get(f"{T}/reviews/{ids['林三']}", headers=desk["wang"])).json()
    assert alone["duplicates"] == []

    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as portal:
        await portal_login(portal, "zhejiang", "wangli", "Staff-pass-2026")
        page = await portal.get(f"/t/zhejiang/staff/reviews/{ids['陈一']}")
        assert 'id="duplicates"' in page.text and "证书编号相同" in page.text
        assert f'href="/t/zhejiang/staff/reviews/{ids["陈二"]}"' in page.text
