"""Helpers for record tests: one person with an account in Zhejiang and in Guangdong, a
recognised CET-4 outcome in Zhejiang, the trust registry set by the national console."""

from __future__ import annotations

from tests.accounts.helpers import bearer, last_code, login, staff_headers
from tests.certificates.helpers import zhejiang_learner
from tests.conftest import platform_token

CET = "大学英语等级考试 (CET) 四级及以上证书"
EXAM_CENTRE = "教育部考试中心"


async def zhejiang_cet(client) -> tuple[dict, dict, dict]:
    """A Zhejiang learner holding CET-4 (catalog, recognised on entry) and an accounting
    course: (headers, account with its id_number, the CET outcome)."""
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-catalog")
    entry = await client.post("/t/zhejiang/api/v1/catalog", headers=admin, json={
        "category": "vocational", "subtype": "vocational_qualification", "project_name": "全国外语等级考试",
        "name": CET, "institution": EXAM_CENTRE,
        "fields": {"certificate_name": CET, "issuer": EXAM_CENTRE, "occupation": "外语", "grade": "不分等级"}})
    assert entry.status_code == 201, entry.text
    learner, account = await zhejiang_learner(client, "ZJ-S01", real_name="许知远")
    cet = await client.post("/t/zhejiang/api/v1/me/achievements", headers=learner, json={
        "category": "vocational", "subtype": "vocational_qualification", "catalog_entry_id": entry.json()["id"],
        "fields": {"certificate_no": "1900483622", "issued_on": "2020-05-22"}})
    assert cet.status_code == 201 and cet.json()["status"] == "catalog", cet.text
    return learner, account, cet.json()


async def guangdong_account(client, id_number: str, username: str = "xuzhiyuan") -> dict:
    """The same person's own account in Guangdong (registered with the same ID number)."""
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username=f"gd-admin-{username}")
    phone = "139" + id_number[-8:].replace("X", "0")
    await client.post("/t/guangdong/api/v1/auth/codes", json={"purpose": "register", "channel": "sms", "phone": phone})
    code = await last_code(client, "guangdong", admin, phone)
    response = await client.post("/t/guangdong/api/v1/auth/register", json={
        "agree_terms": True, "username": username, "real_name": "许知远", "password": "gd2020pass",
        "password_confirm": "gd2020pass", "nationality": "中国", "ethnicity": "汉族", "gender": "男",
        "id_number": id_number, "birth_date": f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
        "email": f"{username}@example.com", "region": "广州", "address": "天河路", "phone": phone, "code": code,
        "unit_code": "GD-GOU-TP02"})
    assert response.status_code == 201, response.text
    return bearer(await login(client, "guangdong", username, "gd2020pass"))


async def platform(client) -> dict:
    return {"Authorization": f"Bearer {await platform_token(client)}"}


async def trust(client, platform_headers: dict, tenant: str, issuer_tenant: str) -> dict:
    response = await client.post(f"/api/v1/platform/tenants/{tenant}/trust", headers=platform_headers,
                                 json={"issuer_tenant": issuer_tenant})
    assert response.status_code == 201, response.text
    return response.json()
