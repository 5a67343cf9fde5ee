"""National OUC (001, 附件2): register with region, agreement, personal details and password;
verify the e-mail; wait for the account review (1–2 working days); log in with the e-mail.
Gansu runs the same flow with the provincial school's academic office reviewing."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import bearer, last_code, login, make_id, staff_headers


def form(**overrides) -> dict:
    data = {
        "agree_terms": True,
        "region": "甘肃省",
        "unit_code": "OUC-GS",
        "real_name": "袁学员",
        "gender": "女",
        "ethnicity": "汉族",
        "id_type": "居民身份证",
        "id_number": make_id("620102", "19950101"),
        "birth_date": "1995-01-01",
        "phone": "13919191919",
        "email": "Learner@Example.com",
        "education_level": "专科（高职）",
        "password": "Ouc-2026-pass",
        "password_confirm": "Ouc-2026-pass",
    }
    return {**data, **overrides}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048


async def registered(client, tenant: str = "national_ouc", **overrides):
    """Upload the ID-card scan, then register with it (steps 5–8 of 附件2)."""
    upload = await client.post(f"/t/{tenant}/api/v1/auth/register/id-scan", files={"file": ("身份证.png", PNG, "image/png")})
    assert upload.status_code == 201, upload.text
    return await client.post(f"/t/{tenant}/api/v1/auth/register", json=form(id_scan=upload.json()["id_scan"], **overrides))


async def test_the_id_card_scan_is_required_and_checked_by_content(client):
    T = "/t/national_ouc/api/v1"
    missing = await client.post(f"{T}/auth/register", json=form())
    assert missing.status_code == 400 and missing.json()["extra"]["field"] == "id_scan"
    exe = await client.post(f"{T}/auth/register/id-scan", files={"file": ("scan.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")})
    assert exe.status_code == 415 and "jpg" in exe.json()["detail"]
    huge = await client.post(f"{T}/auth/register/id-scan", files={"file": ("scan.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png")})
    assert huge.status_code == 413
    forged = await client.post(f"{T}/auth/register", json=form(id_scan="0" * 32 + ".png"))
    assert forged.status_code == 400 and "重新上传" in forged.json()["detail"]


@pytest.mark.parametrize(("tenant", "admin_unit", "learner_unit"), [("national_ouc", "OUC", "OUC-GS"), ("gansu", "GS", "GS-LZ")])
async def test_register_verify_email_review_then_log_in_with_the_email(client, tenant, admin_unit, learner_unit):
    T = f"/t/{tenant}/api/v1"
    admin = await staff_headers(client, tenant, admin_unit, "tenant_admin")
    response = await registered(client, tenant, unit_code=learner_unit)
    assert response.status_code == 201, response.text
    account = response.json()
    assert account["status"] == "registered" and account["username"] == "learner@example.com"

    assert (await login(client, tenant, "learner@example.com", "Ouc-2026-pass")).status_code == 403
    code = await last_code(client, tenant, admin, "learner@example.com")
    verified = await client.post(f"{T}/auth/verify", json={"username": "learner@example.com", "code": code})
    assert verified.status_code == 200 and verified.json()["status"] == "pending_review"
    waiting = await login(client, tenant, "learner@example.com", "Ouc-2026-pass")
    assert waiting.status_code == 403 and "审核" in waiting.json()["detail"]

    queue = (await client.get(f"{T}/admin/learners", params={"status": "pending_review"}, headers=admin)).json()
    assert [a["username"] for a in queue["items"]] == ["learner@example.com"]
    reviewed = await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve", "opinion": "资料齐全"}, headers=admin)
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "active"
    again = await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"}, headers=admin)
    assert again.status_code == 409
    notice = (await client.get(f"{T}/admin/notifications", params={"event": "account.reviewed"}, headers=admin)).json()["items"]
    assert notice and notice[0]["channel"] == "email" and notice[0]["to"] == "learner@example.com"
    assert (await login(client, tenant, "Learner@example.com", "Ouc-2026-pass")).status_code == 200


async def test_a_provincial_centre_reviews_only_its_own_learners(client):
    T = "/t/national_ouc/api/v1"
    gansu_centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin")
    beijing_centre = await staff_headers(client, "national_ouc", "OUC-BJ", "unit_admin")
    account = (await registered(client)).json()
    rejected_elsewhere = await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"}, headers=beijing_centre)
    assert rejected_elsewhere.status_code == 404
    assert (await client.get(f"{T}/admin/learners", headers=beijing_centre)).json()["items"] == []
    listed = (await client.get(f"{T}/admin/learners", headers=gansu_centre)).json()["items"]
    assert [a["id"] for a in listed] == [account["id"]]


async def test_rejecting_an_account_needs_a_reason(client):
    T = "/t/national_ouc/api/v1"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    account = (await registered(client)).json()
    code = await last_code(client, "national_ouc", admin, "learner@example.com")
    await client.post(f"{T}/auth/verify", json={"username": "learner@example.com", "code": code})
    no_reason = await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "reject"}, headers=admin)
    assert no_reason.status_code == 400 and "原因" in no_reason.json()["detail"]
    rejected = await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "reject", "opinion": "身份证扫描件不清晰"}, headers=admin)
    assert rejected.json()["status"] == "rejected"
    denied = await login(client, "national_ouc", "learner@example.com", "Ouc-2026-pass")
    assert denied.status_code == 403 and "未通过审核" in denied.json()["detail"]


async def test_the_national_platform_has_no_sms_registration_and_no_id_login(client):
    T = "/t/national_ouc/api/v1"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    data = form()
    account = (await registered(client, id_number=data["id_number"])).json()
    code = await last_code(client, "national_ouc", admin, "learner@example.com")
    await client.post(f"{T}/auth/verify", json={"username": "learner@example.com", "code": code})
    await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"}, headers=admin)
    assert (await login(client, "national_ouc", data["id_number"], "Ouc-2026-pass")).status_code == 401
    token = bearer(await login(client, "national_ouc", "learner@example.com", "Ouc-2026-pass"))
    assert (await client.get(f"{T}/me", headers=token)).json()["username"] == "learner@example.com"
