"""The domain events hub (core/events.py) and the layering it allows: who subscribes sees who
did what to which row; a handler runs in the change's transaction; core has no import cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core import events, wiring
from core.errors import DomainError
from tests.achievements.test_achievements import G, guangdong_learner

ROOT = Path(__file__).resolve().parent.parent
OUTCOME = {"category": "other", "subtype": "perf_work_experience",
           "fields": {"achievement_name": "广东开放大学工作9年", "completed_on": "2020-07-07"}}


def test_every_event_has_a_handler_once_wired():
    wiring.install()
    wiring.install()  # idempotent: each handler once
    kinds = [e for e in vars(events).values() if isinstance(e, type) and issubclass(e, events.Event) and e is not events.Event]
    assert len(kinds) >= 7
    for kind in kinds:
        assert kind.action and kind.target_table, kind
        handlers = events.handlers(kind)
        assert handlers, f"{kind.__name__} has no handler (core/wiring.py)"
        assert len(handlers) == len(set(handlers)), kind


async def test_a_subscriber_sees_who_stored_which_outcome(client):
    me = await guangdong_learner(client)
    seen: list[events.OutcomeStored] = []

    async def record(tenant, event: events.OutcomeStored) -> None:
        seen.append(event)

    events.subscribe(events.OutcomeStored, record)
    try:
        response = await client.post(f"{G}/me/achievements", headers=me, json=OUTCOME)
    finally:
        events.unsubscribe(events.OutcomeStored, record)
    assert response.status_code == 201, response.text
    account = (await client.get(f"{G}/me", headers=me)).json()
    [event] = seen
    assert (event.action, event.target_table, event.target_id) == ("achievement.store", "achievement", response.json()["id"])
    assert event.actor.kind == "learner" and event.actor.id == account["id"] == event.learner_id
    assert event.status == "unapplied" and event.result == "ok" and event.tenant_id > 0


async def test_a_handler_runs_in_the_change_s_transaction_and_may_refuse_it(client):
    me = await guangdong_learner(client)
    order: list[str] = []

    async def first(tenant, event) -> None:
        order.append("first")

    async def refuse(tenant, event) -> None:
        order.append("refuse")
        raise DomainError("该成果不能保存（测试订阅者）", 409)

    events.subscribe(events.OutcomeStored, first)
    events.subscribe(events.OutcomeStored, refuse)
    try:
        response = await client.post(f"{G}/me/achievements", headers=me, json=OUTCOME)
    finally:
        events.unsubscribe(events.OutcomeStored, first)
        events.unsubscribe(events.OutcomeStored, refuse)
    assert response.status_code == 409 and "测试订阅者" in response.text
    assert order == ["first", "refuse"]
    listed = (await client.get(f"{G}/me/achievements", headers=me)).json()["items"]
    assert listed == []  # the outcome's row went with the refused transaction


def test_core_has_no_import_cycle():
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "import-graph")], capture_output=True, text=True)
    assert done.returncode == 0 and "cycles: none" in done.stdout, done.stdout
