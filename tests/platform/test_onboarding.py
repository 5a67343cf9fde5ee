"""Onboarding a credit bank from the national console (issue 16 item 1), through the platform
API and the command line: a tenant created on the platform gets its units (plugin defaults or
an import with the row report), its contacts, its first tenant admin (an activation code, no
password), suspension with a message, an audit trail, and an export that re-creates it."""

from __future__ import annotations

import asyncio
import re

from click.testing import CliRunner

from core.cli import main
from tests.conftest import database_env

PA = "/api/v1/platform"
SICHUAN = {"slug": "sichuan", "name": "四川终身学习学分银行", "plugin": "zhejiang"}
UNITS = ("单位编码,单位名称,层级,上级单位编码\n"
         "SC,四川终身学习学分银行,center,\n"
         "SC-B01,成都分部,branch,SC\n"
         "SC-X01,孤儿分中心,subcenter,NOPE\n"
         "SC-B01-S01,锦江分中心,县（市、区）级分中心,SC-B01\n")


def _cli_env(home) -> dict[str, str]:
    from tests.conftest import TENANTS_DIR

    return {"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR), "CREDITBANK_SECRET_KEY": "test-secret-key",
            **database_env()}


async def cli(home, *args: str):
    """``creditbank ARGS`` in a thread (it runs its own event loop), on the suite's database."""
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=_cli_env(home))


async def create_sichuan(client, admin_headers, **extra) -> dict:
    created = await client.post(f"{PA}/tenants", json={**SICHUAN, **extra}, headers=admin_headers)
    assert created.status_code == 201, created.text
    return created.json()


async def platform_import(client, admin_headers, slug: str, kind: str, content: bytes) -> dict:
    started = await client.post(f"{PA}/tenants/{slug}/imports/{kind}", headers=admin_headers,
                                files={"file": (f"{kind}.csv", content, "text/csv")})
    assert started.status_code == 202, started.text
    for _ in range(400):
        job = (await client.get(f"{PA}/tenants/{slug}/imports/{started.json()['job_id']}", headers=admin_headers)).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("import did not finish")


async def test_a_new_tenant_has_no_unit_to_put_staff_at_until_the_console_gives_it_one(client, admin_headers, home):
    await create_sichuan(client, admin_headers)
    before = await cli(home, "staff", "create", "--tenant", "sichuan", "--unit", "SC", "--role", "tenant_admin",
                       "--username", "scadmin", "--password", "sc-admin-pass-2026")
    assert before.exit_code != 0 and "未找到单位" in before.output
    defaults = await client.post(f"{PA}/tenants/sichuan/defaults", json={"code": "SC"}, headers=admin_headers)
    assert defaults.status_code == 200 and defaults.json() == {"units_added": 1}
    again = await client.post(f"{PA}/tenants/sichuan/defaults", json={"code": "SC"}, headers=admin_headers)
    assert again.json() == {"units_added": 0}
    after = await cli(home, "staff", "create", "--tenant", "sichuan", "--unit", "SC", "--role", "tenant_admin",
                      "--username", "scadmin", "--password", "sc-admin-pass-2026")
    assert after.exit_code == 0, after.output
    unit = (await client.get("/t/sichuan/api/v1/org/units/SC")).json()
    assert unit["name"] == "四川终身学习学分银行" and unit["level"] == "center"


async def test_units_import_reports_each_bad_row_and_lands_the_others(client, admin_headers):
    await create_sichuan(client, admin_headers)
    job = await platform_import(client, admin_headers, "sichuan", "units", UNITS.encode("utf-8-sig"))
    assert job["status"] == "done" and job["created"] == 3 and job["failed"] == 1, job
    assert job["errors"] == [{"row": 4, "message": "单位 SC-X01：上级单位 NOPE 不存在（上级须列在下级之前）"}]
    assert (await client.get("/t/sichuan/api/v1/org/units/SC-B01-S01")).json()["level"] == "subcenter"
    catalog = await platform_import(client, admin_headers, "sichuan", "catalog",
                                    "成果大类,成果小类,成果名称,资历机构名称,school_name,course_name,credits,major,course_code,education_level\nacademic,course,高等数学,四川开放大学,四川开放大学,高等数学,4,计算机,C001,本科\nnope,nope,坏行,x,x,x,1,x,x,x\n".encode())
    assert catalog["created"] == 1 and catalog["failed"] == 1 and catalog["errors"][0]["row"] == 3, str(catalog)
    unknown = await client.post(f"{PA}/tenants/sichuan/imports/pets", headers=admin_headers,
                                files={"file": ("x.csv", b"a\n", "text/csv")})
    assert unknown.status_code == 404 and "可导入" in unknown.json()["detail"]
    # A tenant admin's token is not a platform login.
    refused = await client.post(f"{PA}/tenants/sichuan/imports/units", files={"file": ("u.csv", b"x", "text/csv")})
    assert refused.status_code == 401


async def test_the_first_admin_is_invited_with_a_code_never_a_password_and_activates(client, admin_headers):
    await create_sichuan(client, admin_headers)
    empty = await client.post(f"{PA}/tenants/sichuan/invitations", json={"real_name": "蒲晓", "phone": "13800001111"},
                              headers=admin_headers)
    assert empty.status_code == 409 and "请先导入组织机构" in empty.json()["detail"]
    await client.post(f"{PA}/tenants/sichuan/defaults", json={"code": "SC"}, headers=admin_headers)
    invited = await client.post(f"{PA}/tenants/sichuan/admins", headers=admin_headers,  # API.md's path
                                json={"real_name": "蒲晓", "phone": "13800001111", "username": "scadmin"})
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "invited" and invited.json()["sent_to"] == "138****1111"
    from core.notifications.tables import Notification

    message = await Notification.select(Notification.body).where(Notification.recipient == "13800001111").first()
    assert "http://testserver.local/t/sichuan/activate" in message["body"] and "密码" in message["body"]
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", message["body"]).group(1)
    activated = await client.post("/t/sichuan/api/v1/auth/activate", json={"username": "scadmin", "code": code,
                                                                           "password": "sc-admin-pass-2026"})
    assert activated.status_code == 200, activated.text
    login = await client.post("/t/sichuan/api/v1/auth/login", json={"username": "scadmin", "password": "sc-admin-pass-2026"})
    assert login.status_code == 200
    me = (await client.get("/t/sichuan/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})).json()
    assert [g["role"] for g in me["roles"]] == ["tenant_admin"]
    log = (await client.get("/t/sichuan/api/v1/admin/audit", headers={
        "Authorization": f"Bearer {login.json()['access_token']}"})).json()["items"]
    labels = [e["action_label"] for e in log]
    assert "平台：邀请租户管理员" in labels and "平台：按插件默认设置建立单位" in labels


async def test_contacts_are_the_tenants_own_never_its_plugins(client, admin_headers):
    await create_sichuan(client, admin_headers, plugin="national_ouc")
    page = await client.get("/t/sichuan/faq")
    assert "58519565" not in page.text  # the national OUC's technical hotline
    patched = await client.patch(f"{PA}/tenants/sichuan", headers=admin_headers,
                                 json={"contact": {"phones": ["028-86000000"], "email": "cb@sc.example"}})
    assert patched.status_code == 200
    page = await client.get("/t/sichuan/faq")
    assert "028-86000000" in page.text and "58519565" not in page.text
    assert re.search(r'id="footer-contact">电话 028-86000000 · 邮箱 cb@sc.example<', page.text)


async def test_suspension_tells_users_why_in_chinese_and_resume_reopens(client, admin_headers):
    await create_sichuan(client, admin_headers)
    suspended = await client.post(f"{PA}/tenants/sichuan/status", headers=admin_headers,
                                  json={"status": "suspended", "message": "系统升级，预计 12 月 6 日恢复"})
    assert suspended.status_code == 200 and suspended.json()["status_message"] == "系统升级，预计 12 月 6 日恢复"
    api = await client.get("/t/sichuan/api/v1/meta")
    assert api.status_code == 503 and api.json()["detail"] == "四川终身学习学分银行已暂停服务：系统升级，预计 12 月 6 日恢复"
    page = await client.get("/t/sichuan/login")
    assert page.status_code == 503 and "系统升级，预计 12 月 6 日恢复" in page.text
    resumed = await client.post(f"{PA}/tenants/sichuan/status", headers=admin_headers, json={"status": "active"})
    assert resumed.json()["status_message"] == ""
    assert (await client.get("/t/sichuan/api/v1/meta")).status_code == 200
    log = (await client.get(f"{PA}/audit", params={"tenant": "sichuan"}, headers=admin_headers)).json()
    assert [e["action"] for e in log] == ["platform.tenant.resume", "platform.tenant.suspend", "platform.tenant.create"]
    assert log[1]["detail"] == "平台管理员 national：系统升级，预计 12 月 6 日恢复"


async def test_export_writes_what_a_tenant_is_and_load_recreates_it(client, admin_headers, home, tmp_path, app):
    await create_sichuan(client, admin_headers, hosts=["sc.localhost"],
                         contact={"phones": ["028-86000000"], "other": ["QQ群：\"123\""]})
    await platform_import(client, admin_headers, "sichuan", "units", UNITS.encode())
    await platform_import(client, admin_headers, "sichuan", "catalog", (
        "成果大类,成果小类,项目名称,成果名称,资历机构名称,school_name,course_name,credits,major,course_code,education_level\n"
        "academic,course,计算机(本),高等数学,四川开放大学,四川开放大学,高等数学,4,计算机,C001,本科\n"
        "academic,course,计算机(本),线性代数,四川开放大学,四川开放大学,线性代数,3,计算机,C002,本科\n").encode())
    await platform_import(client, admin_headers, "sichuan", "rules", (
        "规则名称,源成果,目标成果,学分\n数学互认,计算机(本)|高等数学|四川开放大学,计算机(本)|线性代数|四川开放大学,3\n").encode())
    exported = await cli(home, "tenants", "export", "sichuan", "--to", str(tmp_path / "kept"))
    assert exported.exit_code == 0, exported.output
    assert "单位 3 个，名录 2 条，规则 1 条" in exported.output
    folder = tmp_path / "kept"
    assert (folder / "sichuan" / "org_units.csv").read_text().splitlines()[1] == "SC,center,四川终身学习学分银行,,"

    # Re-created elsewhere: the tenant and everything it is come back from the folder alone.
    from tests.conftest import _empty_tables

    await _empty_tables(app.state.engine)
    loaded = await cli(home, "tenants", "load", str(folder))
    assert loaded.exit_code == 0 and "sichuan：已同步，新增单位 3 个" in loaded.output, loaded.output
    await app.state.tenants.reload()
    again = await cli(home, "tenants", "export", "sichuan", "--to", str(tmp_path / "again"))
    assert again.exit_code == 0
    for name in ("sichuan.toml", "sichuan/org_units.csv", "sichuan/catalog.csv", "sichuan/rules.csv"):
        assert (tmp_path / "again" / name).read_text() == (folder / name).read_text(), name
    meta = (await client.get("/t/sichuan/api/v1/meta")).json()
    assert meta["contact"]["other"] == ["QQ群：\"123\""]
    rule = (await client.get("/t/sichuan/api/v1/rules")).json()["items"][0]
    assert rule["name"] == "数学互认" and [e["name"] for e in rule["sources"]] == ["高等数学"]


async def test_units_come_from_an_xlsx_as_well(client, admin_headers):
    import io

    from openpyxl import Workbook

    await create_sichuan(client, admin_headers)
    book = Workbook()
    sheet = book.active
    for row in (("*单位编码", "*单位名称", "*层级", "上级单位编码", "依托机构"), ("SC", "四川省中心", "省中心", None, "四川开放大学"),
                ("SC-B01", "成都分部", "市级分部", "SC", None)):
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    started = await client.post(f"{PA}/tenants/sichuan/imports/units", headers=admin_headers, files={
        "file": ("单位.xlsx", content.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert started.status_code == 202, started.text
    for _ in range(200):
        job = (await client.get(f"{PA}/tenants/sichuan/imports/{started.json()['job_id']}", headers=admin_headers)).json()
        if job["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "done" and job["created"] == 2 and job["failed"] == 0, job
    top = (await client.get("/t/sichuan/api/v1/org/units/SC")).json()
    assert top["level"] == "center" and top["host_institution"] == "四川开放大学"
