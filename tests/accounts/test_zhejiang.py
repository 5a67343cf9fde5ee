"""Zhejiang (004): acceptance points open learners' accounts at a service window after checking
identity; admin accounts are allocated down the tree (centre → branch → sub-centre) and each
invitee activates their own with a code."""

from __future__ import annotations

from core.accounts.identity import mask_id_number
from core.accounts.tables import Account, AuditEntry
from tests.accounts.helpers import bearer, last_code, last_message, login, make_id, staff_headers

T = "/t/zhejiang/api/v1"


async def test_self_registration_is_closed_in_zhejiang(client):
    response = await client.post(f"{T}/auth/register", json={"real_name": "张三"})
    assert response.status_code == 403 and "服务点开户" in response.json()["detail"]
    code = await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13800000000"})
    assert code.status_code == 403


async def test_a_window_opens_an_account_and_the_learner_sets_a_password_by_sms(client):
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    id_number = make_id("330102", "19700101")
    unchecked = await client.post(f"{T}/admin/learners", json={"real_name": "王五", "id_number": id_number, "phone": "13588886666", "identity_checked": False}, headers=window)
    assert unchecked.status_code == 400 and "核验" in unchecked.json()["detail"]
    opened = await client.post(f"{T}/admin/learners", json={"real_name": "王五", "id_number": id_number, "phone": "13588886666", "identity_checked": True}, headers=window)
    assert opened.status_code == 201, opened.text
    account = opened.json()
    assert account["status"] == "opened_by_staff" and account["unit_code"] == "ZJ-S01" and account["username"] == mask_id_number(id_number)
    row = await Account.select(Account.opened_by, Account.source, Account.created_at, Account.password_hash).where(Account.id == account["id"]).first()
    assert row["source"] == "window" and row["opened_by"] and row["created_at"] and row["password_hash"] is None
    assert await AuditEntry.exists().where(AuditEntry.action == "learner.open_at_window")

    duplicate = await client.post(f"{T}/admin/learners", json={"real_name": "王五", "id_number": id_number, "phone": "13588886666", "identity_checked": True}, headers=window)
    assert duplicate.status_code == 409

    lookup = await client.post(f"{T}/auth/activation/lookup", json={"id_number": id_number})
    assert lookup.json()["real_name"] == "王*" and lookup.json()["phone_masked"] == "135****6666"
    code = await last_code(client, "zhejiang", admin, "13588886666")
    weak = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "12345678", "channel": "sms"})
    assert weak.status_code == 400
    activated = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Zj-learner-1", "channel": "sms"})
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert (await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Zj-learner-1"})).status_code == 409
    by_phone = await login(client, "zhejiang", "13588886666", "Zj-learner-1")
    assert by_phone.status_code == 200


async def test_a_window_outside_the_staff_members_subtree_is_refused(client):
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    elsewhere = await client.post(f"{T}/admin/learners", json={"real_name": "赵六", "id_number": make_id("330102"), "phone": "13500000001", "unit_code": "ZJ-S14", "identity_checked": True}, headers=window)
    assert elsewhere.status_code == 404


async def test_admin_accounts_are_allocated_down_the_tree_and_activated_with_a_code(client):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    invited = await client.post(f"{T}/org/units/ZJ-B01/staff", json={"real_name": "杭州分部管理员", "phone": "13600000001", "role": "unit_admin"}, headers=centre)
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "invited" and invited.json()["sent_to"] == "136****0001"
    username = invited.json()["username"]
    sms = await last_message(client, "zhejiang", centre, "13600000001")
    assert sms["event"] == "staff.invited" and username in sms["body"] and "密码" not in sms["body"].replace("设置密码", "")
    code = await last_code(client, "zhejiang", centre, "13600000001")
    assert (await client.post(f"{T}/auth/activate", json={"username": username, "code": code, "password": "Hz-branch-2026", "channel": "sms"})).status_code == 200
    branch = bearer(await login(client, "zhejiang", username, "Hz-branch-2026"))
    me = (await client.get(f"{T}/me", headers=branch)).json()
    assert me["roles"] == [{"role": "unit_admin", "unit_code": "ZJ-B01"}]

    sub = await client.post(f"{T}/org/units/ZJ-S01/staff", json={"real_name": "上城区分中心管理员", "email": "sc@example.com", "role": "unit_admin"}, headers=branch)
    assert sub.status_code == 201 and sub.json()["sent_to"].endswith("@example.com")
    own = await client.post(f"{T}/org/units/ZJ-B01/staff", json={"real_name": "x", "phone": "13600000002", "role": "unit_admin"}, headers=branch)
    assert own.status_code == 403 and "下级单位" in own.json()["detail"]
    other_branch = await client.post(f"{T}/org/units/ZJ-S14/staff", json={"real_name": "x", "phone": "13600000003", "role": "unit_admin"}, headers=branch)
    assert other_branch.status_code == 404
    committee = await client.post(f"{T}/org/units/ZJ-S01/staff", json={"real_name": "x", "phone": "13600000004", "role": "committee"}, headers=branch)
    assert committee.status_code == 403


async def test_one_tenants_token_never_works_in_another(client):
    zj = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    assert (await client.get(f"{T}/admin/learners", headers=zj)).status_code == 200
    assert (await client.get("/t/guangdong/api/v1/admin/learners", headers=zj)).status_code == 401
    assert (await client.get("/t/guangdong/api/v1/me", headers=zj)).status_code == 401


async def test_learners_cannot_use_staff_routes(client):
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    id_number = make_id("330102")
    await client.post(f"{T}/admin/learners", json={"real_name": "钱七", "id_number": id_number, "phone": "13511112222", "identity_checked": True}, headers=window)
    code = await last_code(client, "zhejiang", admin, "13511112222")
    await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    learner = bearer(await login(client, "zhejiang", id_number, "Learner-2026"))
    assert (await client.get(f"{T}/admin/learners", headers=learner)).status_code == 403
    assert (await client.post(f"{T}/org/units/ZJ-S01/staff", json={"real_name": "x", "phone": "13600000009", "role": "unit_admin"}, headers=learner)).status_code == 403
