"""``Idempotency-Key`` on every POST that creates something: sixteen copies of one request sent
at once do the work once and all get its response; a retry later gets it too; one key cannot
be reused for another request; keys of different accounts never meet."""

from __future__ import annotations

import asyncio

from core.achievements.tables import Achievement, Evidence
from core.hierarchy.tables import OrgUnit
from core.reviews.tables import Application
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner

G = "/t/guangdong/api/v1"
OUTCOME = {"category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G 研究"}}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 512


async def test_sixteen_concurrent_copies_create_one_outcome(client):
    me = await guangdong_learner(client)
    headers = {**me, "Idempotency-Key": "outcome-1"}
    responses = await asyncio.gather(*(client.post(f"{G}/me/achievements", headers=headers, json=OUTCOME) for _ in range(16)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 15
    assert await Achievement.count() == 1

    later = await client.post(f"{G}/me/achievements", headers=headers, json=OUTCOME)
    assert later.status_code == 201 and later.json() == responses[0].json()
    assert later.headers["idempotent-replayed"] == "true" and await Achievement.count() == 1


async def test_one_key_cannot_be_reused_for_another_request(client):
    me = await guangdong_learner(client)
    headers = {**me, "Idempotency-Key": "k"}
    assert (await client.post(f"{G}/me/achievements", headers=headers, json=OUTCOME)).status_code == 201
    other = await client.post(f"{G}/me/achievements", headers=headers, json={**OUTCOME, "fields": {"achievement_name": "别的"}})
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert await Achievement.count() == 1
    bad = await client.post(f"{G}/me/achievements", headers={**me, "Idempotency-Key": "x" * 101}, json=OUTCOME)
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["detail"]


async def test_keys_are_per_account(client):
    first, second = await guangdong_learner(client, "learnerone"), await guangdong_learner(client, "learnertwo")
    a = await client.post(f"{G}/me/achievements", headers={**first, "Idempotency-Key": "same"}, json=OUTCOME)
    b = await client.post(f"{G}/me/achievements", headers={**second, "Idempotency-Key": "same"}, json=OUTCOME)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers


async def test_a_refusal_is_an_answer_and_is_replayed(client):
    me = await guangdong_learner(client)
    headers = {**me, "Idempotency-Key": "after-a-fix"}
    refused = await client.post(f"{G}/me/achievements/999999/evidence", headers=headers, files={"file": ("a.png", PNG, "image/png")})
    assert refused.status_code == 404  # a 4xx is an answer: replayed, not redone (a new multipart boundary too)
    again = await client.post(f"{G}/me/achievements/999999/evidence", headers=headers, files={"file": ("a.png", PNG, "image/png")})
    assert again.status_code == 404 and again.headers["idempotent-replayed"] == "true"


async def test_evidence_applications_and_units_retried_at_once_are_made_once(client):
    me = await guangdong_learner(client)
    outcome = (await client.post(f"{G}/me/achievements", headers=me, json=OUTCOME)).json()
    uploads = await asyncio.gather(*(client.post(f"{G}/me/achievements/{outcome['id']}/evidence",
                                                 headers={**me, "Idempotency-Key": "scan"},
                                                 files={"file": ("a.png", PNG, "image/png")}) for _ in range(8)))
    assert {r.status_code for r in uploads} == {201} and await Evidence.count() == 1

    applied = await asyncio.gather(*(client.post(f"{G}/me/applications", headers={**me, "Idempotency-Key": "apply"},
                                                 json={"kind": "recognition", "achievement_id": outcome["id"]}) for _ in range(8)))
    assert {r.status_code for r in applied} == {201}, [r.text for r in applied]
    assert len({r.json()["id"] for r in applied}) == 1 and await Application.count() == 1

    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-units")
    unit = {"code": "GD-NEW-1", "level": "teaching_point", "name": "新教学点", "parent_code": "GD-GOU"}
    before = await OrgUnit.count()
    made = await asyncio.gather(*(client.post(f"{G}/org/units", headers={**admin, "Idempotency-Key": "unit"}, json=unit)
                                  for _ in range(8)))
    assert {r.status_code for r in made} == {201}, [r.text for r in made]
    assert await OrgUnit.count() == before + 1
