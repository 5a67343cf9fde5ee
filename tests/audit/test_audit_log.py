"""The audit log, readable: admins see who revealed what and why (API, CSV, page), scoped to
their subtree; a learner sees which staff looked at their ID number, ID scan or files."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import msgspec

from core.accounts.tables import AuditEntry
from core.clock import utcnow
from tests.accounts.helpers import make_id, staff_headers
from tests.achievements.test_achievements import zhejiang_learner
from tests.audit.test_file_access import browser_as
from tests.web.helpers import table_rows

Z = "/t/zhejiang/api/v1"
FORMULA = '=HYPERLINK("http://evil.example/","点我")'


async def open_learner(client, window: dict, name: str, region: str) -> tuple[dict, str]:
    id_number = make_id(region, "19850101")
    opened = await client.post(f"{Z}/admin/learners", headers=window, json={
        "real_name": name, "id_number": id_number, "phone": "135" + id_number[-9:-1], "identity_checked": True})
    assert opened.status_code == 201, opened.text
    return opened.json(), id_number


async def reveal(client, staff: dict, account_id: int, reason: str) -> None:
    response = await client.post(f"{Z}/admin/learners/{account_id}/id-number", headers=staff, json={"reason": reason})
    assert response.status_code == 200, response.text


async def two_branches(client) -> dict:
    """A learner opened and revealed in Hangzhou (ZJ-B01 › ZJ-S01), one in Ningbo (ZJ-B02 › ZJ-S14)."""
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    hz_window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="window-s01")
    nb_window = await staff_headers(client, "zhejiang", "ZJ-S14", "unit_admin", username="window-s14")
    hz, hz_id = await open_learner(client, hz_window, "杭学员", "330102")
    nb, nb_id = await open_learner(client, nb_window, "甬学员", "330204")
    await reveal(client, hz_window, hz["id"], "学习者到窗口办理业务，核对证件")
    await reveal(client, nb_window, nb["id"], FORMULA)
    return {"centre": centre, "hz_window": hz_window, "nb_window": nb_window, "hz": hz, "nb": nb,
            "ids": (hz_id, nb_id)}


async def log(client, headers: dict, **params) -> httpx.Response:
    return await client.get(f"{Z}/admin/audit", headers=headers, params=params)


async def test_a_branch_admin_sees_only_its_subtree_and_filters_narrow_the_log(client):
    world = await two_branches(client)
    hz, nb = f"account:{world['hz']['id']}", f"account:{world['nb']['id']}"
    branch = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hz-branch")

    everything = (await log(client, world["centre"])).json()["items"]
    assert {hz, nb} <= {e["target"] for e in everything}
    mine = (await log(client, branch)).json()["items"]
    targets = {e["target"] for e in mine}
    assert hz in targets and nb not in targets  # Ningbo's window opening and reveal are not Hangzhou's
    assert "window-s14" not in {e["actor"] for e in mine} and "window-s01" in {e["actor"] for e in mine}
    assert {e["action"] for e in mine if e["target"] == hz} == {"learner.open_at_window", "learner.reveal_id_number"}
    ningbo = await log(client, branch, target=nb)
    assert ningbo.status_code == 200 and ningbo.json()["items"] == []
    committee = await staff_headers(client, "zhejiang", "ZJ", "committee", username="zj-committee")
    refused = await log(client, committee)
    assert refused.status_code == 403 and refused.json()["detail"] == "您没有执行此操作的权限"

    revealed = (await log(client, world["centre"], action="learner.reveal_id_number")).json()["items"]
    assert len(revealed) == 2 and {e["action_label"] for e in revealed} == {"查看完整证件号码"}
    by_actor = (await log(client, world["centre"], actor="window-s14")).json()["items"]
    assert by_actor and {e["actor"] for e in by_actor} == {"window-s14"} and {e["target"] for e in by_actor} == {nb}
    by_target = (await log(client, world["centre"], target=hz, action="learner.reveal_id_number")).json()["items"]
    assert [e["reason"] for e in by_target] == ["学习者到窗口办理业务，核对证件"]
    assert by_target[0]["target_name"] == "杭学员" and by_target[0]["actor_unit"] == "浙江学分银行杭州市上城区分中心"
    today = f"{utcnow() + timedelta(hours=8):%Y-%m-%d}"
    yesterday = f"{utcnow() + timedelta(hours=8) - timedelta(days=1):%Y-%m-%d}"
    whole = len((await log(client, world["centre"])).json()["items"])
    assert len((await log(client, world["centre"], **{"from": today, "to": today})).json()["items"]) == whole
    assert (await log(client, world["centre"], to=yesterday)).json()["items"] == []
    bad = await log(client, world["centre"], **{"from": "2026-13-01"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]
    by_id_number = await log(client, world["centre"], target=world["ids"][0])
    assert by_id_number.status_code == 400 and "证件号码" in by_id_number.json()["detail"]

    first = (await log(client, world["centre"], limit=1)).json()
    second = (await log(client, world["centre"], limit=1, cursor=first["next_cursor"])).json()
    assert first["next_cursor"] and second["items"][0]["seq"] < first["items"][0]["seq"]

    text = (await log(client, world["centre"])).text
    for id_number in world["ids"]:
        assert id_number not in text and id_number[:4] + "*" * 10 + id_number[-4:] in text


async def test_the_csv_export_is_valid_begins_with_the_bom_and_runs_no_formula(client):
    world = await two_branches(client)
    exported = await log(client, world["centre"], format="csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["序号", "时间", "操作人", "操作人姓名", "操作人单位", "操作"]
    json_items = (await log(client, world["centre"])).json()["items"]
    assert len(body) == len(json_items) - 1  # the export was itself audited after it was read
    reasons = [row[header.index("原因或说明")] for row in body]
    assert "'" + FORMULA in reasons and FORMULA not in reasons
    for id_number in world["ids"]:
        assert id_number not in exported.content.decode("utf-8-sig")
    assert await AuditEntry.exists().where(AuditEntry.action == "audit.export")

    lines = (await log(client, world["centre"], format="jsonl", action="learner.reveal_id_number")).content.splitlines()
    events = [item for item in map(msgspec.json.decode, lines) if item["kind"] == "event"]
    assert [item["action"] for item in events] == ["learner.reveal_id_number"] * 2


async def test_the_learner_sees_that_a_unit_revealed_their_id_number(client, app):
    learner, account = await zhejiang_learner(client)
    reviewer = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-reviewer")
    assert (await client.get(f"{Z}/me/access-log", headers=learner)).json()["items"] == []
    await reveal(client, reviewer, account["id"], "核对学习者身份")
    seen = (await client.get(f"{Z}/me/access-log", headers=learner)).json()["items"]
    assert [(v["action"], v["action_label"]) for v in seen] == [("learner.reveal_id_number", "查看完整证件号码")]
    assert seen[0]["viewer"] == "浙江学分银行杭州市上城区分中心 · 单位管理员" and seen[0]["at"]
    assert (await client.get(f"{Z}/me/access-log", headers=reviewer)).status_code == 403

    token = learner["Authorization"].removeprefix("Bearer ")
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url),
                                 cookies={"cb_session_zhejiang": token}) as browser:
        assert 'href="/t/zhejiang/me/privacy"' in (await browser.get("/t/zhejiang/me")).text
        page = await browser.get("/t/zhejiang/me/privacy")
        assert page.status_code == 200
        assert table_rows(page.text, "views")[0][1:] == ["查看完整证件号码", "浙江学分银行杭州市上城区分中心 · 单位管理员"]
        assert "ZJ-S01管理员" not in page.text  # the staff member's name is not shown to the learner


async def test_the_staff_audit_page_filters_exports_and_is_only_for_admins(client, app):
    world = await two_branches(client)
    centre = await browser_as(client, app, "zhejiang", "ZJ", "tenant_admin", "zj-auditor", "审计员")
    committee = await browser_as(client, app, "zhejiang", "ZJ", "committee", "zj-member", "委员")
    home = (await centre.get("/t/zhejiang/staff/reviews")).text
    assert 'href="/t/zhejiang/staff/audit"' in home
    assert 'href="/t/zhejiang/staff/audit"' not in (await committee.get("/t/zhejiang/staff/reviews")).text
    refused = await committee.get("/t/zhejiang/staff/audit")
    assert refused.status_code == 403 and "您没有执行此操作的权限" in refused.text

    page = await centre.get("/t/zhejiang/staff/audit", params={"action": "learner.reveal_id_number"})
    assert page.status_code == 200
    rows = table_rows(page.text, "audit-log")
    assert len(rows) == 2 and all("查看完整证件号码" in row for row in rows)
    assert any("甬学员" in " ".join(row) and FORMULA in " ".join(row) for row in rows)
    for id_number in world["ids"]:
        assert id_number not in page.text
    export = re.search(r'href="([^"]*/staff/audit/export\?[^"]*format=csv[^"]*)"', page.text).group(1)
    csv_file = await centre.get(export.replace("&amp;", "&"))
    assert csv_file.status_code == 200 and csv_file.content.startswith(b"\xef\xbb\xbf")
    assert csv_file.content.decode("utf-8-sig").count("查看完整证件号码") == 2

    learner_page = (await centre.get(f"/t/zhejiang/staff/learners/{world['hz']['id']}")).text
    trail = re.search(r'href="([^"]*/staff/audit\?target=[^"]*)"', learner_page).group(1).replace("&amp;", "&")
    about = table_rows((await centre.get(trail)).text, "audit-log")
    assert about and all("杭学员" in " ".join(row) for row in about)
    bad = await centre.get("/t/zhejiang/staff/audit", params={"to": "昨天"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    for other in (centre, committee):
        await other.aclose()
