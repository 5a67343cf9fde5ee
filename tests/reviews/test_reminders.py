"""The daily reminder run on a simulated clock: each reviewer's digest of what comes due (once
a day), escalation (督办) of what ran late to the parent unit's admins (once), seen in their
queue; the thresholds from the province's review policy; and the CLI that runs it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from core.accounts.tables import Account
from core.cli import main
from core.hierarchy.service import create_unit
from core.hierarchy.tables import OrgUnit
from core.reviews import reminders
from core.reviews.engine import resolve_chain
from tests.accounts.helpers import staff_headers
from tests.reports.world import _achievement, _application, _learner
from tests.test_cli import _env

T = "/t/zhejiang/api/v1"
BEIJING = ZoneInfo("Asia/Shanghai")
SITE = "https://zj.example.org"


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=BEIJING)


@pytest.fixture
async def late(client) -> dict:
    """One recognition waiting at an acceptance point of 义乌 since Monday 2 November 2026 (ten
    working days: due at the end of 16 November), its reviewer and the sub-centre's admin."""
    tenant = await client._transport.app.state.tenants.get("zhejiang")
    await create_unit(tenant.id, tenant.hooks.org_levels, code="ZJ-S57-A01", level="acceptance_point",
                      name="义乌市稠城街道社区学校受理点", parent_code="ZJ-S57")
    point = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.code == "ZJ-S57-A01").first()
    reviewer = await staff_headers(client, "zhejiang", "ZJ-S57-A01", "unit_admin", username="chengzhou")
    sub_centre = await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu")
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    for username, phone in (("chengzhou", "13600000001"), ("yiwu", "13600000002")):
        await Account.update({Account.phone: phone}).where(Account.tenant_id == tenant.id, Account.username == username)
    chain = await resolve_chain(tenant.id, tenant.hooks.review_chain("recognition", "social_training", "social_training"),
                                point)
    learner = await _learner(tenant, point, at("2026-10-01"))
    achievement = await _achievement(tenant, learner, "social_training", "social_training", "applied", at("2026-11-02"))
    application = await _application(tenant, learner, achievement, "recognition", chain, "submitted", 0,
                                     at("2026-11-02"), at("2026-11-02"))
    return {"tenant": tenant, "application": application, "reviewer": reviewer, "sub_centre": sub_centre,
            "admin": admin}


async def messages(client, admin: dict, event: str) -> list[dict]:
    return (await client.get(f"{T}/admin/notifications", params={"event": event}, headers=admin)).json()["items"]


async def test_digest_once_a_day_then_escalation_once(client, late):
    tenant, admin = late["tenant"], late["admin"]
    # Thursday 12 November: due within two working days? Not yet (due Monday the 16th, end of day).
    early = await reminders.run(tenant, at("2026-11-12"), SITE)
    assert (early.escalated, early.digests) == (0, 0)
    # Friday 13 November: due by the end of the second working day ahead → one digest.
    friday = await reminders.run(tenant, at("2026-11-13"), SITE)
    assert (friday.escalated, friday.digests) == (0, 1)
    again = await reminders.run(tenant, at("2026-11-13", 15), SITE)
    assert (again.escalated, again.digests) == (0, 0)  # one digest a day, however often it runs
    digest = await messages(client, admin, "review.digest")
    assert len(digest) == 1 and "【浙江学分银行】" in digest[0]["body"] and "1件审核事项将在2个工作日内到期" in digest[0]["body"]
    assert "已逾期" not in digest[0]["body"] and f"{SITE}/t/zhejiang/staff/reviews" in digest[0]["body"]  # the platform's address (no tenant base_url)

    # Overdue since the 17th; three working days late on Friday 20 November → escalated to 义乌.
    assert (await reminders.run(tenant, at("2026-11-19"), SITE)).escalated == 0
    escalation = await reminders.run(tenant, at("2026-11-20"), SITE)
    assert escalation.escalated == 1
    assert (await reminders.run(tenant, at("2026-11-20", 16), SITE)).escalated == 0
    escalated = await messages(client, admin, "review.escalated")
    assert len(escalated) == 1 and "已逾期3个工作日" in escalated[0]["body"]
    assert "义乌市稠城街道社区学校受理点" in escalated[0]["body"]
    digests = {m["body"] for m in await messages(client, admin, "review.digest")}
    assert any("其中1件已逾期" in body for body in digests)  # the reviewer's digest of the 20th
    assert any("另有1件下级单位逾期事项报送督办" in body for body in digests)  # 义乌's

    queue = (await client.get(f"{T}/reviews", params={"status": "escalated"}, headers=late["sub_centre"])).json()
    assert [i["id"] for i in queue["items"]] == [late["application"]] and queue["items"][0]["escalated_at"]
    assert (await client.get(f"{T}/reviews", params={"status": "escalated"}, headers=late["reviewer"])).json()[
        "items"] == []
    pending = (await client.get(f"{T}/reviews", headers=late["reviewer"])).json()["items"]
    assert [i["id"] for i in pending] == [late["application"]]  # the acceptance point still decides it


async def test_a_province_that_never_escalates(client, late, monkeypatch):
    from core.province import ReviewPolicy

    tenant = late["tenant"]
    monkeypatch.setitem(tenant.hooks.__dict__, "review_policy", ReviewPolicy(remind_within_days=1,
                                                                               escalate_after_days=None))
    done = await reminders.run(tenant, at("2026-12-01"), SITE)
    assert done.escalated == 0 and done.digests == 1


async def test_the_escalated_tab_for_the_parent_unit(client, late):
    import httpx

    from tests.web.helpers import portal_login, table_rows

    await reminders.run(late["tenant"], at("2026-11-20"), SITE)
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as portal:
        await portal_login(portal, "zhejiang", "yiwu", "Staff-pass-2026")
        page = await portal.get("/t/zhejiang/staff/reviews", params={"status": "escalated"})
        assert page.status_code == 200 and "<h2>逾期督办</h2>" in page.text and 'id="escalated-tab"' in page.text
        (row,) = table_rows(page.text, "review-queue")
        assert row[0].startswith("学员") and "已逾期" in row[7] and row[-1].startswith("查看详情")
        await portal_login(portal, "zhejiang", "chengzhou", "Staff-pass-2026")
        mine = await portal.get("/t/zhejiang/staff/reviews")
        (row,) = table_rows(mine.text, "review-queue")
        assert "已逾期" in row[7] and row[-1].startswith("审核")


def test_the_cli_runs_every_tenant_and_refuses_a_bad_time(home):
    runner = CliRunner()
    assert runner.invoke(main, ["tenants", "sync"], env=_env(home)).exit_code == 0
    done = runner.invoke(main, ["reviews", "remind", "--tenant", "zhejiang"], env=_env(home))
    assert done.exit_code == 0, done.output
    assert "zhejiang：督办 0 件，提醒 0 人" in done.output
    everyone = runner.invoke(main, ["reviews", "remind", "--now", "2026-12-03T09:00+08:00"], env=_env(home))
    assert everyone.exit_code == 0 and "guangdong：" in everyone.output
    bad = runner.invoke(main, ["reviews", "remind", "--now", "yesterday"], env=_env(home))
    assert bad.exit_code != 0 and "ISO 8601" in bad.output


def test_hook_review_policy():
    """The province's policy wins, as data checked on the way in; core's default otherwise."""
    from core.hookspecs import hookimpl
    from core.plugins import PluginError, ProvinceHooks
    from core.province import ReviewPolicy
    from plugins.zhejiang import plugin as zhejiang

    # Zhejiang keeps core's thresholds and sends what its windows collect to recognition at once.
    assert ProvinceHooks("zhejiang", zhejiang).review_policy == ReviewPolicy(
        remind_within_days=2, escalate_after_days=3, collected_recognition="submit")

    class Strict(type(zhejiang)):
        @hookimpl
        def review_policy(self):
            return {"remind_within_days": 5, "escalate_after_days": None}

    assert ProvinceHooks("strict", Strict()).review_policy == ReviewPolicy(remind_within_days=5, escalate_after_days=None)

    class Broken(type(zhejiang)):
        @hookimpl
        def review_policy(self):
            return {"remind_within_days": "soon"}

    with pytest.raises(PluginError, match="review_policy"):
        _ = ProvinceHooks("broken", Broken()).review_policy
