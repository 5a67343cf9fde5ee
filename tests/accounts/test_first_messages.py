"""The first messages a newcomer gets (issue 16 item 11): the SMS after a window opened the
account says which service point opened it and where to activate; a staff invitation links to
the activation page and its code lasts a day, once."""

from __future__ import annotations

from datetime import timedelta

from core.accounts.tables import VerificationCode
from tests.accounts.helpers import last_code, last_message, make_id, staff_headers

Z = "/t/zhejiang/api/v1"


async def test_the_window_opening_sms_names_the_service_point_and_the_activation_page(client):
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    opened = await client.post(f"{Z}/admin/learners", headers=window, json={
        "real_name": "王五", "id_number": make_id("330102", "19900101"), "phone": "13588886666", "identity_checked": True})
    assert opened.status_code == 200 or opened.status_code == 201, opened.text
    sms = await last_message(client, "zhejiang", admin, "13588886666")
    assert sms["event"] == "account.opened", sms
    assert "您正在激活" not in sms["body"]  # the learner did not start anything
    assert "杭州市上城区分中心" in sms["body"] and "/t/zhejiang/activate" in sms["body"], sms["body"]


async def test_a_staff_invitation_links_to_activation_and_its_code_lasts_a_day_once(client):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    invited = (await client.post(f"{Z}/org/units/ZJ-B01/staff", headers=centre,
                                 json={"real_name": "杭州分部管理员", "phone": "13600000001", "role": "unit_admin"})).json()
    sms = await last_message(client, "zhejiang", centre, "13600000001")
    assert "/t/zhejiang/activate" in sms["body"] and "/login" not in sms["body"], sms["body"]
    assert "24小时" in sms["body"] or "24 小时" in sms["body"], sms["body"]
    row = await VerificationCode.select().where(VerificationCode.target == "13600000001").first()
    assert row["expires_at"] - row["created_at"] >= timedelta(hours=24)
    code = await last_code(client, "zhejiang", centre, "13600000001")
    body = {"username": invited["username"], "code": code, "password": "Hz-branch-2026"}
    assert (await client.post(f"{Z}/auth/activate", json=body)).status_code == 200
    assert (await client.post(f"{Z}/auth/activate", json=body)).status_code == 409
