"""Activation of imported learners, each province its own way (003 二(一)1, 001 附件1):
Guangdong — ID number → code by SMS or e-mail → password; national OUC and Gansu — ID number
→ confirm the details → working e-mail → code → activation waits for the account review."""

from __future__ import annotations

from core.accounts.identity import mask_id_number
from tests.accounts.helpers import bearer, last_code, login, make_id, run_import, staff_headers, with_wrong_check_digit


async def import_csv(client, tenant: str, admin: dict, rows: list[str]) -> dict:
    content = ("姓名,证件号码,手机号码,电子邮箱,所属单位\n" + "\n".join(rows) + "\n").encode("utf-8-sig")
    return await run_import(client, tenant, "learners", content, admin, "learners.csv")


async def test_guangdong_imported_learner_activates_by_sms_and_logs_in_with_the_id_number(client):
    T = "/t/guangdong/api/v1"
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    id_number = make_id("440103", "19900101")
    job = await import_csv(client, "guangdong", admin, [f"曾炫云,{id_number},13712345678,zeng@example.com,GD-GOU-TP02"])
    assert (job["status"], job["created"], job["failed"]) == ("done", 1, 0)

    assert (await login(client, "guangdong", id_number, "whatever1")).status_code in (401, 403)
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    assert sent.status_code == 202 and sent.json()["sent_to"] == "137****5678"
    code = await last_code(client, "guangdong", admin, "13712345678")
    wrong = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": "999999" if code != "999999" else "111111", "password": "gd-pass-1", "channel": "sms"})
    assert wrong.status_code == 400
    done = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "gd-pass-1", "channel": "sms"})
    assert done.status_code == 200 and done.json()["status"] == "active" and done.json()["username"] == mask_id_number(id_number) and id_number not in done.text
    again = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    assert again.status_code == 409 and "已激活" in again.json()["detail"]
    assert (await login(client, "guangdong", id_number, "gd-pass-1")).status_code == 200


async def test_guangdong_activation_by_the_bound_email(client):
    T = "/t/guangdong/api/v1"
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    id_number = make_id("440103", "19920202")
    await import_csv(client, "guangdong", admin, [f"李怀宇,{id_number},,li@example.com,GD-GOU-TP01"])
    no_phone = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    assert no_phone.status_code == 400 and "未绑定手机号" in no_phone.json()["detail"]
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "email", "id_number": id_number})
    assert sent.status_code == 202 and sent.json()["sent_to"] == "l***@example.com"
    code = await last_code(client, "guangdong", admin, "li@example.com")
    done = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "gd-pass-2", "channel": "email"})
    assert done.status_code == 200 and done.json()["status"] == "active"


async def test_an_unknown_or_malformed_id_number_cannot_activate(client):
    T = "/t/guangdong/api/v1"
    unknown = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": make_id()})
    assert unknown.status_code == 404 and "注册" in unknown.json()["detail"]
    malformed = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": with_wrong_check_digit(make_id())})
    assert malformed.status_code == 400 and "校验位" in malformed.json()["detail"]


async def test_national_ouc_student_confirms_details_gives_a_working_email_and_waits_for_review(client):
    T = "/t/national_ouc/api/v1"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin")
    id_number = make_id("620102", "19850505")
    job = await import_csv(client, "national_ouc", admin, [f"林佳,{id_number},,,OUC-GS"])
    assert job["created"] == 1

    details = await client.post(f"{T}/auth/activation/lookup", json={"id_number": id_number})
    assert details.status_code == 200
    assert details.json()["username"] == "S" + mask_id_number(id_number) and details.json()["real_name"] == "林*"
    assert details.json()["channels"] == ["email"]
    sms = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    assert sms.status_code == 400
    sent = await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "email", "id_number": id_number, "email": "linjia@example.com"})
    assert sent.status_code == 202
    code = await last_code(client, "national_ouc", admin, "linjia@example.com")
    activated = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Ouc-pass-2026",
                                                              "channel": "email", "email": "linjia@example.com"})
    assert activated.status_code == 200 and activated.json()["status"] == "pending_review"
    assert (await login(client, "national_ouc", "S" + id_number, "Ouc-pass-2026")).status_code == 403

    reviewed = await client.post(f"{T}/admin/learners/{activated.json()['id']}/review", json={"decision": "approve"}, headers=centre)
    assert reviewed.json()["status"] == "active"
    by_username = await login(client, "national_ouc", "S" + id_number, "Ouc-pass-2026")
    assert by_username.status_code == 200
    by_email = await login(client, "national_ouc", "linjia@example.com", "Ouc-pass-2026")
    assert by_email.status_code == 200
    me = (await client.get(f"{T}/me", headers=bearer(by_email))).json()
    assert me["email_masked"] == "l***a@example.com" and me["unit_code"] == "OUC-GS"


async def test_gansu_activation_is_reviewed_by_the_provincial_school(client):
    T = "/t/gansu/api/v1"
    school = await staff_headers(client, "gansu", "GS", "tenant_admin")
    branch = await staff_headers(client, "gansu", "GS-LZ", "unit_admin")
    id_number = make_id("620102", "19870707")
    await import_csv(client, "gansu", school, [f"袁若琦,{id_number},,,GS-LZ"])
    await client.post(f"{T}/auth/codes", json={"purpose": "activation", "channel": "email", "id_number": id_number, "email": "yuan@example.com"})
    code = await last_code(client, "gansu", school, "yuan@example.com")
    activated = await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Gansu-2026", "email": "yuan@example.com"})
    assert activated.json()["status"] == "pending_review"
    reviewed = await client.post(f"{T}/admin/learners/{activated.json()['id']}/review", json={"decision": "approve"}, headers=school)
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "active"
    assert (await client.get(f"{T}/admin/learners", headers=branch)).json()["items"][0]["status"] == "active"


async def test_import_rejects_bad_rows_and_reruns_create_nothing(client):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    good = make_id("440103", "19900303")
    rows = [
        f"好学员,{good},13700000001,,GD-GOU-TP01",
        f"坏校验位,{with_wrong_check_digit(make_id())},,,GD-GOU-TP01",
        f"重复,{good},,,GD-GOU-TP01",
        f"未知单位,{make_id()},,,XX-99",
    ]
    job = await import_csv(client, "guangdong", admin, rows)
    assert (job["status"], job["total"], job["created"], job["failed"]) == ("done", 4, 1, 3)
    assert [e["row"] for e in job["errors"]] == [3, 4, 5]
    again = await import_csv(client, "guangdong", admin, rows[:1])
    assert again["created"] == 0
    learner = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin")
    assert (await client.post("/t/guangdong/api/v1/admin/imports/learners", files={"file": ("x.csv", b"a,b\n", "text/csv")}, headers=learner)).status_code == 403
