"""Finding 15: staff open a learner's files (evidence, review materials, the ID-card scan) only
where their work needs them — an application at a step they may decide now or have decided,
the review of the account — or, for tenant admins, as audited oversight; every read is audited."""

from __future__ import annotations

import re

import httpx

from core.accounts.staff import create_staff
from core.accounts.tables import AuditEntry
from tests.accounts.helpers import STAFF_PASSWORD, last_code, make_id, staff_headers
from tests.achievements.test_achievements import JPG, PDF, PNG, guangdong_learner
from tests.web.helpers import portal_login, submit
from tests.web.test_staff_pages import cet4_conversion

G = "/t/guangdong"
GA = "/t/guangdong/api/v1"
INITIAL = "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"


async def browser_as(client: httpx.AsyncClient, app, tenant: str, unit: str, role: str, username: str,
                     real_name: str) -> httpx.AsyncClient:
    """Another browser on the same app, logged in to the portal as a new staff member."""
    await create_staff(await app.state.tenants.get(tenant), unit, role, username, STAFF_PASSWORD, real_name=real_name)
    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    await portal_login(other, tenant, username, STAFF_PASSWORD)
    return other


async def reads(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)


async def test_the_committee_opens_evidence_only_once_the_application_is_at_its_step(client, app):
    learner = await guangdong_learner(client)
    application = await cet4_conversion(client, learner)
    app_id = application["id"]
    outcome = (await client.get(f"{GA}/me/achievements/{application['achievement_id']}", headers=learner)).json()
    evidence_id = outcome["evidence"][0]["id"]
    point = await browser_as(client, app, "guangdong", "GD-GOU-TP02", "unit_admin", "lin-biying", "林碧莹")
    committee = await browser_as(client, app, "guangdong", "GD", "committee", "committee-he", "何委员")
    committee_api = await staff_headers(client, "guangdong", "GD", "committee", username="committee-api")
    elsewhere = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin")
    page_url = f"{G}/staff/reviews/{app_id}/evidence/{evidence_id}"

    # At 转换初审 the committee may read the application (it decides a later step) but not open its files.
    early = await committee.get(page_url)
    detail = (await committee.get(f"{G}/staff/reviews/{app_id}")).text
    assert "六级证书.jpg" in detail and page_url not in detail and "当前环节的审核人" in detail  # named, not linked
    assert early.status_code == 403 and "当前环节" in early.text and "审核" in early.text
    early_api = await client.get(f"{GA}/admin/evidence/{evidence_id}", headers=committee_api)
    assert early_api.status_code == 403 and "当前环节" in early_api.json()["detail"]
    assert (await client.get(f"{GA}/admin/evidence/{evidence_id}", headers=elsewhere)).status_code == 404
    assert await reads("evidence.view") == []

    # The teaching point decides 转换初审: it opens the evidence, and the read is audited.
    seen = await point.get(page_url)
    assert seen.status_code == 200 and seen.content == JPG
    [entry] = await reads("evidence.view")
    learner_id = (await client.get(f"{GA}/me", headers=learner)).json()["id"]
    assert entry["target"] == f"account:{learner_id}" and entry["actor_id"] is not None
    assert f"evidence:{evidence_id}" in entry["detail"] and f"application:{app_id}" in entry["detail"]

    url = f"{G}/staff/reviews/{app_id}"
    uploaded = await submit(point, url, f"{url}/materials", {}, files={"file": ("原件核验.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 303
    material_id = re.search(rf'href="{url}/materials/(\d+)"', (await point.get(url)).text).group(1)
    assert (await committee.get(f"{url}/materials/{material_id}")).status_code == 403
    assert (await point.get(f"{url}/materials/{material_id}")).content == PDF
    assert len(await reads("review_material.view")) == 1

    passed = await submit(point, url, f"{url}/decision", {"step": "initial", "decision": "approve", "opinion": INITIAL})
    assert passed.status_code == 303
    # Now at 转换终审: the committee decides it and opens the files; the point has decided a step and still may.
    assert (await committee.get(page_url)).content == JPG
    assert page_url in (await committee.get(f"{G}/staff/reviews/{app_id}")).text
    assert (await client.get(f"{GA}/admin/evidence/{evidence_id}", headers=committee_api)).status_code == 200
    assert (await committee.get(f"{url}/materials/{material_id}")).content == PDF
    assert (await point.get(page_url)).status_code == 200
    assert len(await reads("evidence.view")) == 4 and len(await reads("review_material.view")) == 2

    # Tenant admins oversee everything: allowed, and the entry says it was oversight.
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-oversight")
    assert (await client.get(f"{GA}/admin/evidence/{evidence_id}", headers=admin)).status_code == 200
    assert "监督" in (await reads("evidence.view"))[-1]["detail"]
    for other in (point, committee):
        await other.aclose()


async def test_a_unit_admin_no_longer_opens_evidence_of_an_outcome_with_no_application(client):
    learner = await guangdong_learner(client)
    added = (await client.post(f"{GA}/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G"}})).json()
    evidence = (await client.post(f"{GA}/me/achievements/{added['id']}/evidence", headers=learner,
                                  files={"file": ("x.png", PNG, "image/png")})).json()
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin")
    refused = await client.get(f"{GA}/admin/evidence/{evidence['id']}", headers=point)
    assert refused.status_code == 403 and "审核" in refused.json()["detail"]
    assert await reads("evidence.view") == []


async def test_the_id_scan_opens_for_the_account_review_or_an_audited_reveal_with_a_reason(client, app):
    T = "/t/national_ouc/api/v1"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    scan = (await client.post(f"{T}/auth/register/id-scan", files={"file": ("id.png", PNG, "image/png")})).json()["id_scan"]
    account = (await client.post(f"{T}/auth/register", json={
        "agree_terms": True, "region": "甘肃省", "unit_code": "OUC-GS", "real_name": "林学员", "gender": "女",
        "ethnicity": "汉族", "id_type": "居民身份证", "id_number": make_id("620102", "19950101"), "birth_date": "1995-01-01",
        "phone": "13919191919", "email": "scan@example.com", "education_level": "本科", "password": "Ouc-2026-pass",
        "password_confirm": "Ouc-2026-pass", "id_scan": scan})).json()
    code = await last_code(client, "national_ouc", admin, "scan@example.com")
    await client.post(f"{T}/auth/verify", json={"username": "scan@example.com", "code": code})
    centre = await browser_as(client, app, "national_ouc", "OUC-GS", "unit_admin", "gs-centre", "甘肃认证中心审核员")
    beijing = await browser_as(client, app, "national_ouc", "OUC-BJ", "unit_admin", "bj-centre", "北京审核员")
    url = f"/t/national_ouc/staff/learners/{account['id']}"

    # Under review: the reviewer looks at the scan as part of the review.
    assert (await centre.get(f"{url}/id-scan")).content == PNG
    assert (await beijing.get(f"{url}/id-scan")).status_code == 404
    [entry] = await reads("learner.view_id_scan")
    assert "账户审核" in entry["detail"]

    await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"}, headers=admin)
    # Reviewed: a plain link no longer opens it; the audited reveal asks for a reason.
    plain = await centre.get(f"{url}/id-scan")
    assert plain.status_code == 403 and "原因" in plain.text
    assert 'name="scan_reason"' in (await centre.get(url)).text
    bare = await submit(centre, url, f"{url}/id-scan", {"scan_reason": " "})
    assert bare.status_code == 400 and "原因" in bare.text
    revealed = await submit(centre, url, f"{url}/id-scan", {"scan_reason": "学习者来电核对身份"})
    assert revealed.status_code == 200 and revealed.content == PNG
    assert revealed.headers["cache-control"] == "private, no-store"
    assert (await reads("learner.view_id_scan"))[-1]["detail"] == "学习者来电核对身份"
    assert len(await reads("learner.view_id_scan")) == 2
    for other in (centre, beijing):
        await other.aclose()
