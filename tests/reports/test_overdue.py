"""Reviews past their deadline: exactly the overdue ones, at the unit that must decide them;
and the working-day arithmetic behind the deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.reviews.engine import ResolvedChain, ResolvedStep, step_due_at
from core.workdays import days_overdue, local_date, local_midnight, working_day_after
from tests.accounts.helpers import staff_headers
from tests.reports.world import World, _achievement, _application, build

T = "/t/zhejiang/api/v1"
OVERDUE = f"{T}/admin/reports/overdue"


@pytest.fixture
async def world(client) -> World:
    return await build(await client._transport.app.state.tenants.get("zhejiang"))


async def all_items(client, headers: dict, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = await client.get(OVERDUE, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


async def test_centre_lists_exactly_the_overdue_reviews(client, world):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    page = (await client.get(OVERDUE, params={"unit": "ZJ"}, headers=centre)).json()
    ids = [i["application_id"] for i in page["items"]]
    assert set(ids) == world.overdue and len(ids) == len(world.overdue)
    assert not set(ids) & world.not_overdue
    assert page["total"] == len(world.overdue) == sum(c["overdue"] for c in page["by_unit"])
    for item in page["items"]:
        assert item["days_overdue"] >= 1
        assert datetime.fromisoformat(item["due_at"]) < world.now
        assert item["learner_name"].startswith("学员") and item["step_label"]
    by_kind = {i["kind"]: i for i in page["items"]}
    store = by_kind["store_review"]
    assert store["unit"]["code"] == "ZJ" and store["kind_label"] == "存储审核"
    assert store["days_overdue"] in (2, 3)  # the achievement's own deadline, two days ago (3 past midnight)
    assert by_kind["conversion"]["unit"] is None  # any committee member of the tenant decides it
    # A step that began 40 days ago was due 12 to 15 days later (ten working days): 25 to 28 days late.
    steps = [i for i in page["items"] if i["kind"] == "recognition"]
    assert steps and all(25 <= i["days_overdue"] <= 28 for i in steps)
    assert {i["step"] for i in steps} == {"acceptance_review", "re_review"}
    # Listed by responsible unit in tree order: tenant-wide steps, the centre, then down the tree.
    order = [(i["unit"] or {}).get("code", "") for i in page["items"]]
    paths = ["" if not c else world.units[c]["path"] for c in order]
    assert paths == sorted(paths)
    assert [c["unit"]["code"] if c["unit"] else None for c in page["by_unit"]][:2] == [None, "ZJ"]


async def test_a_branch_sees_the_reviews_its_units_must_decide(client, world):
    admin = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hangzhou")
    items = (await client.get(OVERDUE, params={"unit": "ZJ-B01"}, headers=admin)).json()["items"]
    codes = {i["unit"]["code"] for i in items}
    assert codes and all(world.units[c]["path"].startswith("/ZJ/ZJ-B01/") for c in codes)
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    everything = (await client.get(OVERDUE, params={"unit": "ZJ"}, headers=centre)).json()["items"]
    expected = {i["application_id"] for i in everything
                if i["unit"] and world.units[i["unit"]["code"]]["path"].startswith("/ZJ/ZJ-B01/")}
    assert {i["application_id"] for i in items} == expected
    assert (await client.get(OVERDUE, params={"unit": "ZJ-B07"}, headers=admin)).status_code == 404
    units = (await client.get(f"{T}/admin/reports/units", params={"unit": "ZJ-B01"}, headers=admin)).json()
    assert units["total"]["overdue"] == len(items)


async def test_pages_walk_every_overdue_review_once(client, world):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    walked = await all_items(client, centre, unit="ZJ", limit=2)
    assert sorted(i["application_id"] for i in walked) == sorted(world.overdue)
    bad = await client.get(OVERDUE, params={"unit": "ZJ", "cursor": "garbage"}, headers=centre)
    assert bad.status_code == 400 and bad.json()["extra"] == {"field": "cursor"}


async def test_deciding_a_step_restarts_its_clock(client, world):
    from core.clock import utcnow
    from core.reviews.tables import Application

    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    one = min(world.overdue)
    restarted = utcnow()
    await Application.update({Application.updated_at: restarted, Application.step_started_at: restarted,
                              Application.step_due_at: restarted + timedelta(days=14)}).where(Application.id == one)
    ids = {i["application_id"] for i in await all_items(client, centre, unit="ZJ")}
    assert ids == world.overdue - {one}
    await Application.update({Application.status: "approved"}).where(Application.id.is_in(list(world.overdue)))
    assert (await client.get(OVERDUE, params={"unit": "ZJ"}, headers=centre)).json()["items"] == []


async def test_steps_of_different_lengths_are_judged_by_their_own_days(client, world):
    """A province whose steps take 3 or 10 working days: a step 8 days old is late at 3 days
    and on time at 10, each by the due date stored when it began."""
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    before = (await client.get(f"{T}/admin/reports/units", params={"unit": "ZJ"}, headers=centre)).json()
    s01 = world.units["ZJ-S01"]
    learner = next(i for i, c in world.learners.items() if c == "ZJ-S01")
    started = world.now - timedelta(days=8)
    made = {}
    for days in (3, 10):
        chain = ResolvedChain(steps=[ResolvedStep(name=f"check{days}", label=f"{days}日审核", role="unit_admin",
                                                  reviewer="own_unit", unit_id=s01["id"], unit_code="ZJ-S01",
                                                  days=days)])
        achievement = await _achievement(world.tenant, learner, "informal", "honor", "applied", started)
        made[days] = await _application(world.tenant, learner, achievement, "recognition", chain, "submitted", 0,
                                        started, started)
    ids = {i["application_id"] for i in await all_items(client, centre, unit="ZJ-S01")}
    assert made[3] in ids and made[10] not in ids
    after = (await client.get(f"{T}/admin/reports/units", params={"unit": "ZJ"}, headers=centre)).json()
    b01 = [next(r for r in report["rows"] if r["code"] == "ZJ-B01") for report in (before, after)]
    assert b01[1]["overdue"] == b01[0]["overdue"] + 1
    assert after["total"]["overdue"] == len(world.overdue) + 1


# ---------------------------------------------------------------------------------------------
# Working days

FRIDAY = date(2026, 11, 20)


def test_working_days_skip_weekends():
    assert FRIDAY.weekday() == 4
    assert working_day_after(FRIDAY, 1) == date(2026, 11, 23)  # Monday
    assert working_day_after(FRIDAY, 10) == date(2026, 12, 4)
    assert working_day_after(date(2026, 11, 21), 1) == date(2026, 11, 23)  # from a Saturday


def test_a_step_is_due_at_the_end_of_its_last_working_day_in_china():
    started = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # Saturday 01:00 in Beijing
    assert local_date(started) == date(2026, 11, 21)
    due = step_due_at(ResolvedStep(name="s", label="s", role="unit_admin", days=10), started)
    assert due == local_midnight(date(2026, 12, 5)) == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert days_overdue(due, due + timedelta(seconds=1)) == 1
    assert days_overdue(due, due + timedelta(days=1)) == 2  # the second day past 12-04
    assert days_overdue(due, due + timedelta(days=3, hours=23)) == 4
    noon = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # a stored outcome's deadline: noon in Beijing
    assert days_overdue(noon, noon + timedelta(hours=1)) == 1
    assert days_overdue(noon, noon + timedelta(hours=13)) == 1  # 01:00 on 12-05 in Beijing


async def test_the_upgrade_gives_open_applications_the_deadline_they_had(client, world):
    """Rows from before deadlines were stored: the migration dates each open step from when the
    application last moved, and a stored-outcome review from its outcome's deadline."""
    import importlib

    from core.reviews.tables import Application

    migration = importlib.import_module("core.reviews.piccolo_migrations.reviews_2026_12_03t14_00_01_000000")
    rows = await Application.select(Application.id, Application.step_due_at).where(
        Application.id.is_in(list(world.overdue | world.not_overdue)))
    await Application.update({Application.step_due_at: None, Application.step_started_at: None}).where(
        Application.id.is_in([r["id"] for r in rows]))
    await migration.backfill()
    after = {r["id"]: r["step_due_at"] for r in await Application.select(Application.id, Application.step_due_at).where(
        Application.id.is_in([r["id"] for r in rows]))}
    assert after == {r["id"]: r["step_due_at"] for r in rows}
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    assert {i["application_id"] for i in await all_items(client, centre, unit="ZJ")} == world.overdue
