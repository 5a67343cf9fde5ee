"""The unit report's counters (core/reports/counters.py): every kind of change driven through
HTTP (learners imported and opened at a window; outcomes stored, deleted, collected at a
window, imported in bulk, disputed and voided; applications made, decided, withdrawn) moves
them in its own transaction, so that they equal live counts of the rows and the
report, which reads them, gives the numbers a scan of the rows gives, for every period;
``creditbank reports check`` finds a counter that drifted and ``rebuild`` puts it right."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from core.achievements.tables import Achievement
from core.cli import main
from core.clock import utcnow
from core.hierarchy.tables import OrgUnit
from core.reports import counters
from core.reports.tables import UnitCounter
from core.reviews.engine import decode_chain
from core.reviews.tables import Application
from core.workdays import local_date, local_midnight
from tests.accounts.helpers import bearer, last_code, login, make_id, run_import, staff_headers
from tests.conftest import TENANTS_DIR, database_env
from tests.reports.world import World, build, direct_counts, figures

T = "/t/zhejiang/api/v1"
UNITS = f"{T}/admin/reports/units"
TRAINING = {"training_name": "家政服务技能培训", "training_provider": "稠城街道社区学校", "training_category": "职工培训",
            "training_hours": "24", "start_date": "2020-04-01", "end_date": "2020-04-20", "acceptance_point": "ZJ-S57-A01"}


@pytest.fixture
async def world(client) -> World:
    return await build(await client._transport.app.state.tenants.get("zhejiang"))


@pytest.fixture
async def centre(client, world) -> dict:
    return await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")


def periods(today: date) -> list[tuple[date | None, date | None]]:
    """Open, one-sided, within a month, across months with partial ends, whole months only,
    one day long ago."""
    month = today.replace(day=1)
    year_ago = (month - timedelta(days=365)).replace(day=1)
    return [(None, None), (today, None), (None, today - timedelta(days=1)), (today - timedelta(days=45), today),
            (today - timedelta(days=41), today - timedelta(days=2)), (year_ago, month - timedelta(days=1)),
            (today - timedelta(days=400), today - timedelta(days=400)), (month, today)]


async def direct_collected(tenant_id: int, path: str, since, until) -> dict:
    """Outcomes collected by the units at ``path`` and below, per category and recognized."""
    sql, args = "", []
    if since:
        sql, args = sql + " AND a.created_at >= {}", [*args, since]
    if until:
        sql, args = sql + " AND a.created_at < {}", [*args, until]
    rows = await Achievement.raw(
        "SELECT a.category, a.status FROM achievement a JOIN org_unit u ON u.tenant_id = a.tenant_id"
        " AND u.id = a.collected_by_unit_id WHERE a.tenant_id = {} AND u.path LIKE {}" + sql,
        tenant_id, path + "%", *args)
    categories: dict[str, int] = {}
    for r in rows:
        categories[r["category"]] = categories.get(r["category"], 0) + 1
    return {"collected": len(rows), "recognized": sum(r["status"] == "recognized" for r in rows),
            "categories": categories}


def collected(row: dict) -> dict:
    return {"collected": row["collected"], "recognized": row["collected_recognized"],
            "categories": {k: v for k, v in row["collected_categories"].items() if v}}


async def assert_report_is_live(client, world: World, headers: dict) -> None:
    """Counters equal live counts; the report equals plain counts of the rows for every period
    (the centre's rows, its own, learners without a unit, and a branch's subtree)."""
    assert await counters.check(world.tenant.id) == []
    today = local_date(utcnow())
    for start, end in periods(today):
        params = {"unit": "ZJ"} | ({"from": start.isoformat()} if start else {}) | ({"to": end.isoformat()} if end else {})
        since = local_midnight(start) if start else None
        until = local_midnight(end + timedelta(days=1)) if end else None
        report = (await client.get(UNITS, params=params, headers=headers)).json()
        for row in report["rows"]:
            path = world.units[row["code"]]["path"]
            assert figures(row) == await direct_counts(world.tenant.id, path, since=since, until=until), (params, row["code"])
            assert collected(row) == await direct_collected(world.tenant.id, path, since, until), (params, row["code"])
        assert figures(report["own"]) == await direct_counts(world.tenant.id, "/ZJ/", exact=True, since=since, until=until)
        unassigned = await direct_counts(world.tenant.id, None, since=since, until=until)
        assert figures(report["unassigned"]) == unassigned if report["unassigned"] else not unassigned["learners"]
        branch = (await client.get(UNITS, params=params | {"unit": "ZJ-B07"}, headers=headers)).json()
        for row in branch["rows"]:
            path = world.units[row["code"]]["path"]
            assert figures(row) == await direct_counts(world.tenant.id, path, since=since, until=until), (params, row["code"])


_STAFF: dict[tuple[int, str], dict] = {}


async def unit_headers(client, code: str) -> dict:
    """A unit admin of ``code`` (one per client)."""
    key = (id(client), code)
    if key not in _STAFF:
        _STAFF[key] = await staff_headers(client, "zhejiang", code, "unit_admin", username=f"ua-{code.lower()}")
    return _STAFF[key]


async def decide(client, application_id: int, headers: dict, step: str, decision: str) -> dict:
    """A decision with the opinion in the form the province asks for (its refusal names it)."""
    opinion = "意见：同意" if decision == "approve" else "意见：不同意"
    reason = {} if decision == "approve" else {"reason_code": "incomplete"}  # 材料不齐全
    response = await client.post(f"{T}/reviews/{application_id}/decision", headers=headers,
                                 json={"step": step, "decision": decision, "opinion": opinion} | reason)
    if response.status_code == 400 and "应为：" in response.json()["detail"]:
        opinion = response.json()["detail"].split("应为：", 1)[1]
        response = await client.post(f"{T}/reviews/{application_id}/decision", headers=headers,
                                     json={"step": step, "decision": decision, "opinion": opinion} | reason)
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_change_through_http_moves_the_counters_with_it(client, world, centre):
    await assert_report_is_live(client, world, centre)  # as the rebuild left them

    # Learners imported (the COPY path on PostgreSQL), at two units.
    content = ("姓名,证件号码,手机号码,电子邮箱,所属单位\n"
               f"赵学员,{make_id('330102', '19800101')},13500000001,,ZJ-S01\n"
               f"钱学员,{make_id('330102', '19810101')},13500000002,,ZJ-B07\n").encode("utf-8-sig")
    job = await run_import(client, "zhejiang", "learners", content, centre)
    assert (job["status"], job["created"]) == ("done", 2), job
    again = await run_import(client, "zhejiang", "learners", content, centre)  # nothing twice, counted once
    assert again["created"] == 0

    # A learner opened at a sub-centre's window, who stores outcomes and deletes one.
    s57 = await unit_headers(client, "ZJ-S57")
    id_number = make_id("330782", "19750101")
    opened = await client.post(f"{T}/admin/learners", headers=s57, json={
        "real_name": "陈学员", "id_number": id_number, "phone": "13588880057", "identity_checked": True})
    assert opened.status_code == 201, opened.text
    code = await last_code(client, "zhejiang", centre, "13588880057")
    await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    learner = bearer(await login(client, "zhejiang", id_number, "Learner-2026"))
    stored = []
    for name in ("家政服务技能培训", "养老护理培训", "插花培训"):
        added = await client.post(f"{T}/me/achievements", headers=learner, json={
            "category": "social_training", "subtype": "social_training", "fields": TRAINING | {"training_name": name}})
        assert added.status_code == 201, added.text
        stored.append(added.json()["id"])
    assert (await client.delete(f"{T}/me/achievements/{stored[2]}", headers=learner)).status_code == 204
    await assert_report_is_live(client, world, centre)

    # Applied for, decided through both steps; another applied for and withdrawn.
    application = (await client.post(f"{T}/me/applications", headers=learner,
                                     json={"kind": "recognition", "achievement_id": stored[0]})).json()
    for step in application["steps"]:
        decided = await decide(client, application["id"], await unit_headers(client, step["unit_code"]), step["name"],
                               "approve")
    assert decided["status"] == "approved"
    other = (await client.post(f"{T}/me/applications", headers=learner,
                               json={"kind": "recognition", "achievement_id": stored[1]})).json()
    assert (await client.post(f"{T}/me/applications/{other['id']}/withdraw", headers=learner)).status_code == 200
    # A deletion refused (an application rests on the outcome) moves nothing.
    assert (await client.delete(f"{T}/me/achievements/{stored[0]}", headers=learner)).status_code == 409

    # An application of the world, submitted 40 days ago, refused by its acceptance point.
    old = next(r for r in await Application.select().where(
        Application.tenant_id == world.tenant.id, Application.kind == "recognition", Application.status == "submitted",
        Application.step_unit_id.is_not_null()).order_by(Application.id))
    unit = await OrgUnit.select(OrgUnit.code).where(OrgUnit.id == old["step_unit_id"]).first()
    reviewer = await unit_headers(client, unit["code"])
    step = decode_chain(old["chain"]).steps[old["current_step"]].name
    refused = await decide(client, old["id"], reviewer, step, "reject")
    assert refused["status"] == "rejected"
    await assert_report_is_live(client, world, centre)

    # Collected at the sub-centre's window (sent to recognition at once), then disputed and
    # voided (its recognition withdrawn, the outcome not recognized); more imported in bulk;
    # one collected outcome recognized through its chain.
    account_id = opened.json()["id"]
    window = {"category": "social_training", "subtype": "social_training",
              "fields": TRAINING | {"training_name": "老年智能手机应用培训", "acceptance_point": "ZJ-S57"}}
    taken = await client.post(f"{T}/admin/learners/{account_id}/achievements", headers=s57, json=window)
    assert taken.status_code == 201, taken.text
    second = await client.post(f"{T}/admin/learners/{account_id}/achievements", headers=s57,
                               json=window | {"fields": window["fields"] | {"training_name": "电工实务培训"}})
    assert second.status_code == 201, second.text
    dispute = await client.post(f"{T}/me/achievements/{taken.json()['id']}/dispute", headers=learner,
                                json={"grounds": "我没有参加过这次培训"})
    assert dispute.status_code == 201, dispute.text
    upheld = await client.post(f"{T}/admin/disputes/{dispute.json()['id']}/decision", headers=s57,
                               json={"decision": "uphold", "opinion": "经核实为录入错误，予以作废"})
    assert upheld.status_code == 200, upheld.text
    header = "证件号码,姓名,成果大类,培训名称,培训单位,培训类别,培训学时,培训开始日期,培训结束日期,结业证书编号,采集受理点\n"
    bulk = (header + "".join(f"{id_number},陈学员,社会培训成果,{name},义乌社区学院,职工培训,24,2024-05-06,2024-05-17,,ZJ-S57\n"
                             for name in ("社区电工实务培训", "家庭教育培训"))).encode()
    imported = await run_import(client, "zhejiang", "achievements", bulk, s57)
    assert (imported["status"], imported["created"]) == ("done", 2), imported
    recognition = second.json()["applications"][0]
    chain = (await client.get(f"{T}/me/applications/{recognition['id']}", headers=learner)).json()
    for step in chain["steps"]:
        decided = await decide(client, recognition["id"], await unit_headers(client, step["unit_code"]), step["name"],
                               "approve")
    assert decided["status"] == "approved"
    report = (await client.get(UNITS, params={"unit": "ZJ"}, headers=centre)).json()
    assert report["total"]["collected"] == 4 and report["total"]["collected_recognized"] == 1
    await assert_report_is_live(client, world, centre)


def _cli(home, *args: str):
    env = {"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR), "CREDITBANK_SECRET_KEY": "k",
           **database_env()}
    return asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_check_names_a_counter_that_drifted_and_rebuild_puts_it_right(client, world, centre, home):
    checked = await _cli(home, "reports", "check", "--tenant", "zhejiang")
    assert checked.exit_code == 0, checked.output
    assert "zhejiang：计数器与实际数据一致" in checked.output
    # A counter off by one (as a writer that forgot to publish would leave it).
    await UnitCounter.raw("UPDATE unit_counter SET n = n + 1 WHERE id = (SELECT MIN(id) FROM unit_counter"
                          " WHERE tenant_id = {} AND measure = 'achievements' AND span = 'd')", world.tenant.id)
    drifted = await _cli(home, "reports", "check", "--tenant", "zhejiang")
    assert drifted.exit_code == 1, drifted.output
    assert "计数器与实际数据不一致（1 处）" in drifted.output  # the day row (its month still sums right)
    assert "achievements（" in drifted.output and "请运行 creditbank reports rebuild" in drifted.output
    rebuilt = await _cli(home, "reports", "rebuild", "--tenant", "zhejiang")
    assert rebuilt.exit_code == 0, rebuilt.output
    outcomes = await Achievement.count().where(Achievement.tenant_id == world.tenant.id)
    assert f"zhejiang：已重新计算，成果 {outcomes} 条" in rebuilt.output
    assert (await _cli(home, "reports", "check", "--tenant", "zhejiang")).exit_code == 0
    await assert_report_is_live(client, world, centre)
    unknown = await _cli(home, "reports", "rebuild", "--tenant", "atlantis")
    assert unknown.exit_code != 0 and "租户 atlantis" in unknown.output


def test_a_period_is_read_as_whole_months_and_the_days_at_its_ends():
    d = date
    assert counters.periods(None, None) == [("m", None, None)]
    assert counters.periods(d(2026, 3, 5), d(2026, 3, 20)) == [("d", d(2026, 3, 5), d(2026, 3, 21))]
    assert counters.periods(d(2026, 3, 1), d(2026, 5, 31)) == [("m", d(2026, 3, 1), d(2026, 6, 1))]
    assert counters.periods(d(2026, 3, 5), d(2026, 5, 10)) == [
        ("m", d(2026, 4, 1), d(2026, 5, 1)), ("d", d(2026, 3, 5), d(2026, 4, 1)), ("d", d(2026, 5, 1), d(2026, 5, 11))]
    assert counters.periods(d(2026, 3, 5), d(2026, 4, 10)) == [("d", d(2026, 3, 5), d(2026, 4, 11))]
    assert counters.periods(None, d(2026, 4, 10)) == [("m", None, d(2026, 4, 1)), ("d", d(2026, 4, 1), d(2026, 4, 11))]
    assert counters.periods(d(2026, 12, 31), None) == [("m", d(2027, 1, 1), None), ("d", d(2026, 12, 31), d(2027, 1, 1))]
