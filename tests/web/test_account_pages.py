"""Account pages over HTTP, each province its own way: the activation wizard (Guangdong by SMS,
the national OUC with a working e-mail and the account review, Zhejiang with the code sent at
the service window), registration (Guangdong's SMS code before, the national OUC's ID scan and
e-mail check after), changing and resetting a password. No ID number ever travels in an
address: every request and every redirect is watched."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from core.accounts.staff import create_staff
from core.accounts.tables import VerificationCode
from core.clock import utcnow
from tests.accounts.helpers import STAFF_PASSWORD, last_code, make_id, run_import, staff_headers, with_wrong_check_digit
from tests.web.helpers import csrf_token, field_error, form_error, input_value, portal_login, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2048
NO_FILE = {"id_scan_file": ("", b"", "application/octet-stream")}  # what a browser sends for an empty file input


@pytest.fixture
async def addresses(client) -> list[str]:
    """Every page address the browser asked for and every redirect it was sent to (the JSON
    API the tests set data up through is not the browser's)."""
    seen: list[str] = []

    async def watch(response):
        if "/api/" not in response.request.url.path:
            seen.append(str(response.request.url))
            seen.append(response.headers.get("location", ""))

    client.event_hooks["response"].append(watch)
    return seen


def assert_never_in_addresses(addresses: list[str], *secrets: str) -> None:
    for secret in secrets:
        assert not [a for a in addresses if secret in a or secret.lower() in a.lower()], secret


def hidden(html: str, name: str) -> str:
    return unescape(re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html).group(1))


async def import_learner(client, tenant: str, admin: dict, row: str) -> None:
    content = ("姓名,证件号码,手机号码,电子邮箱,所属单位\n" + row + "\n").encode("utf-8-sig")
    job = await run_import(client, tenant, "learners", content, admin, "learners.csv")
    assert (job["status"], job["created"]) == ("done", 1), job


async def start_activation(client, tenant: str, identifier: str):
    return await submit(client, f"/t/{tenant}/activate", f"/t/{tenant}/activate", {"identifier": identifier})


# ---------------------------------------------------------------------------------------------
# Activation


async def test_guangdong_learner_activates_by_sms_in_three_steps(client, addresses):
    T = "/t/guangdong"
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    id_number = make_id("440103", "19900101")
    await import_learner(client, "guangdong", admin, f"曾炫云,{id_number},13712345678,zeng@example.com,GD-GOU-TP02")

    first = await client.get(f"{T}/activate")
    assert first.status_code == 200 and '<label for="f-identifier">证件号码 / 用户名' in first.text
    assert "1. 登录账号" in first.text and "2. 身份验证" in first.text and "3. 设置密码" in first.text

    bad = await start_activation(client, "guangdong", with_wrong_check_digit(id_number))
    assert bad.status_code == 400 and "校验位" in field_error(bad.text, "identifier")
    assert input_value(bad.text, "identifier") == with_wrong_check_digit(id_number)  # kept
    unknown = await start_activation(client, "guangdong", make_id())
    assert unknown.status_code == 404 and "未找到待激活的账户" in field_error(unknown.text, "identifier")

    step2 = await start_activation(client, "guangdong", id_number)
    assert step2.status_code == 200 and '<li aria-current="step">2. 身份验证</li>' in step2.text
    assert id_number not in step2.text  # the ticket is sealed; the details are masked
    assert "曾*" in step2.text and id_number[:4] + "**********" + id_number[-4:] in step2.text
    assert "137****5678" in step2.text and 'name="channel" value="sms"' in step2.text and 'value="email"' in step2.text
    ticket = hidden(step2.text, "ticket")

    sent = await client.post(f"{T}/activate/code", data={"ticket": ticket, "channel": "sms"})
    assert sent.status_code == 403  # without the form's token, nothing is sent
    token = re.search(r'name="_csrf_token" value="([^"]+)"', step2.text).group(1)
    sent = await client.post(f"{T}/activate/code", data={"ticket": ticket, "channel": "sms", "_csrf_token": token})
    assert sent.status_code == 200 and "验证码已发送至 137****5678" in sent.text and 'data-cooldown="60"' in sent.text
    code = await last_code(client, "guangdong", admin, "13712345678")

    wrong = await client.post(f"{T}/activate/verify", data={"ticket": ticket, "channel": "sms", "code": "000000" if code != "000000" else "111111",
                                                           "_csrf_token": token})
    assert wrong.status_code == 400 and "验证码错误" in field_error(wrong.text, "code")
    assert 'value="sms" checked' in wrong.text  # the choice is kept

    step3 = await client.post(f"{T}/activate/verify", data={"ticket": ticket, "channel": "sms", "code": code, "_csrf_token": token})
    assert step3.status_code == 200 and '<li aria-current="step">3. 设置密码</li>' in step3.text
    assert 'data-min="6" data-max="15"' in step3.text and 'src="/static/accounts.js"' in step3.text  # the meter
    final = hidden(step3.text, "ticket")

    mismatch = await client.post(f"{T}/activate/password", data={"ticket": final, "password": "gd-pass-1", "password_confirm": "gd-pass-2",
                                                                "_csrf_token": token})
    assert mismatch.status_code == 400 and field_error(mismatch.text, "password_confirm") == "两次输入的密码不一致"
    short = await client.post(f"{T}/activate/password", data={"ticket": final, "password": "a1", "password_confirm": "a1", "_csrf_token": token})
    assert short.status_code == 400 and "6–15" in field_error(short.text, "password")

    done = await client.post(f"{T}/activate/password", data={"ticket": final, "password": "gd-pass-1", "password_confirm": "gd-pass-1",
                                                            "_csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == f"{T}/activate/done?status=active"
    landing = await client.get(done.headers["location"])
    assert "账户已激活" in landing.text and "用户名、证件号码" in landing.text

    again = await start_activation(client, "guangdong", id_number)
    assert again.status_code == 409 and "已激活" in field_error(again.text, "identifier")
    logged_in = await portal_login(client, "guangdong", id_number, "gd-pass-1")
    assert logged_in.headers["location"] == f"{T}/me"
    assert_never_in_addresses(addresses, id_number)


async def test_a_forged_expired_or_other_tenants_ticket_starts_the_wizard_again(client):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    id_number = make_id("440103", "19900102")
    await import_learner(client, "guangdong", admin, f"李怀宇,{id_number},13712340000,,GD-GOU-TP01")
    step2 = await start_activation(client, "guangdong", id_number)
    ticket = hidden(step2.text, "ticket")
    token = await csrf_token(client, "/t/zhejiang/activate")
    elsewhere = await client.post("/t/zhejiang/activate/code", data={"ticket": ticket, "channel": "sms", "_csrf_token": token})
    assert elsewhere.status_code == 400 and form_error(elsewhere.text) == "页面已过期，请从第一步重新开始"
    forged = await client.post("/t/guangdong/activate/code", data={"ticket": ticket[:-6] + "AAAAAA", "channel": "sms", "_csrf_token": token})
    assert forged.status_code == 400 and "重新开始" in form_error(forged.text)
    # A step-2 ticket does not open step 3.
    skipped = await client.post("/t/guangdong/activate/password", data={"ticket": ticket, "password": "gd-pass-1",
                                                                       "password_confirm": "gd-pass-1", "_csrf_token": token})
    assert skipped.status_code == 400 and "重新开始" in form_error(skipped.text)
    no_phone = await client.post("/t/guangdong/activate/code", data={"ticket": ticket, "channel": "email", "_csrf_token": token})
    assert no_phone.status_code == 400 and "未绑定电子邮箱" in field_error(no_phone.text, "channel")


async def test_national_ouc_student_confirms_details_gives_a_working_email_and_waits_for_review(client, addresses):
    T = "/t/national_ouc"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    id_number = make_id("620102", "19850505")
    await import_learner(client, "national_ouc", admin, f"林佳,{id_number},,,OUC-GS")

    first = await client.get(f"{T}/activate")
    assert "学分银行用户注册协议" in first.text  # the agreement read before activating
    step2 = await start_activation(client, "national_ouc", "S" + id_number)  # the S+ID username works too
    assert step2.status_code == 200 and "S" + id_number[:4] + "**********" + id_number[-4:] in step2.text
    assert "林*" in step2.text and "国家开放大学学分银行甘肃学习成果认证中心" in step2.text
    assert '<label for="f-email">常用电子邮箱' in step2.text and 'type="radio"' not in step2.text  # e-mail only
    ticket = hidden(step2.text, "ticket")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', step2.text).group(1)

    no_email = await client.post(f"{T}/activate/code", data={"ticket": ticket, "channel": "email", "_csrf_token": token})
    assert no_email.status_code == 400 and field_error(no_email.text, "email") == "请填写常用电子邮箱"
    bad_email = await client.post(f"{T}/activate/code", data={"ticket": ticket, "channel": "email", "email": "linjia@", "_csrf_token": token})
    assert bad_email.status_code == 400 and "电子邮箱格式不正确" in field_error(bad_email.text, "email")
    assert input_value(bad_email.text, "email") == "linjia@"
    sms = await client.post(f"{T}/activate/code", data={"ticket": ticket, "channel": "sms", "_csrf_token": token})
    assert sms.status_code == 400 and "不支持通过短信" in field_error(sms.text, "channel")

    sent = await client.post(f"{T}/activate/code", data={"ticket": ticket, "channel": "email", "email": "linjia@example.com", "_csrf_token": token})
    assert sent.status_code == 200 and "验证码已发送至 l***a@example.com" in sent.text
    assert input_value(sent.text, "email") == "linjia@example.com"
    code = await last_code(client, "national_ouc", admin, "linjia@example.com")
    step3 = await client.post(f"{T}/activate/verify", data={"ticket": ticket, "channel": "email", "email": "linjia@example.com",
                                                           "code": code, "_csrf_token": token})
    assert step3.status_code == 200 and 'data-min="8" data-max="20" data-classes="2"' in step3.text
    weak = await client.post(f"{T}/activate/password", data={"ticket": hidden(step3.text, "ticket"), "password": "onlyletters",
                                                             "password_confirm": "onlyletters", "_csrf_token": token})
    assert weak.status_code == 400 and "两类" in field_error(weak.text, "password")
    done = await client.post(f"{T}/activate/password", data={"ticket": hidden(step3.text, "ticket"), "password": "Ouc-pass-2026",
                                                            "password_confirm": "Ouc-pass-2026", "_csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == f"{T}/activate/done?status=pending_review"
    landing = await client.get(done.headers["location"])
    assert "请等待审核" in landing.text and "2 个工作日" in landing.text

    waiting = await submit(client, f"{T}/login", f"{T}/login", {"username": "linjia@example.com", "password": "Ouc-pass-2026"})
    assert waiting.status_code == 403 and "审核" in form_error(waiting.text)
    assert_never_in_addresses(addresses, id_number, "linjia@example.com")


async def test_zhejiang_window_opened_account_activates_with_the_code_sent_at_the_window(client, addresses):
    T = "/t/zhejiang"
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")  # reads codes in the delivery log
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin")
    id_number = make_id("330102", "19930303")
    opened = await client.post(f"{T}/api/v1/admin/learners", headers=window, json={
        "real_name": "王五", "id_number": id_number, "phone": "13588886666", "identity_checked": True})
    assert opened.status_code == 201, opened.text
    code = await last_code(client, "zhejiang", centre, "13588886666")

    step2 = await start_activation(client, "zhejiang", id_number)
    assert step2.status_code == 200 and "王*" in step2.text and "135****6666" in step2.text
    assert 'name="channel" value="sms"' in step2.text and "在服务窗口开户时已收到验证码的，可直接填写" in step2.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', step2.text).group(1)
    # The window sent a code a moment ago: another one is refused for a minute, the form says so.
    again = await client.post(f"{T}/activate/code", data={"ticket": hidden(step2.text, "ticket"), "channel": "sms", "_csrf_token": token})
    assert again.status_code == 429 and "60 秒后再试" in field_error(again.text, "send")

    step3 = await client.post(f"{T}/activate/verify", data={"ticket": hidden(step2.text, "ticket"), "channel": "sms", "code": code,
                                                           "_csrf_token": token})
    assert step3.status_code == 200
    done = await client.post(f"{T}/activate/password", data={"ticket": hidden(step3.text, "ticket"), "password": "Zj-pass-2026",
                                                            "password_confirm": "Zj-pass-2026", "_csrf_token": token})
    assert done.headers["location"] == f"{T}/activate/done?status=active"
    assert (await portal_login(client, "zhejiang", "13588886666", "Zj-pass-2026")).headers["location"] == f"{T}/me"
    assert_never_in_addresses(addresses, id_number)


async def test_an_invited_staff_member_activates_with_the_username(client):
    T = "/t/zhejiang"
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    invited = await client.post(f"{T}/api/v1/org/units/ZJ-B01/staff", headers=centre,
                                json={"real_name": "杭州分部管理员", "role": "unit_admin", "email": "hz@example.com"})
    assert invited.status_code == 201, invited.text
    username = invited.json()["username"]
    code = await last_code(client, "zhejiang", centre, "hz@example.com")
    step2 = await start_activation(client, "zhejiang", username)
    assert step2.status_code == 200 and 'value="email"' in step2.text  # staff choose SMS or e-mail
    token = re.search(r'name="_csrf_token" value="([^"]+)"', step2.text).group(1)
    step3 = await client.post(f"{T}/activate/verify", data={"ticket": hidden(step2.text, "ticket"), "channel": "email", "code": code,
                                                           "_csrf_token": token})
    done = await client.post(f"{T}/activate/password", data={"ticket": hidden(step3.text, "ticket"), "password": "Staff-2026-x",
                                                            "password_confirm": "Staff-2026-x", "_csrf_token": token})
    assert done.headers["location"] == f"{T}/activate/done?status=active"
    assert (await portal_login(client, "zhejiang", username, "Staff-2026-x")).headers["location"] == f"{T}/staff/reviews"


# ---------------------------------------------------------------------------------------------
# Registration


def guangdong_form(**overrides) -> dict:
    data = {
        "agree_terms": "1", "username": "mingyaoxing", "real_name": "明耀星", "password": "gd2020pass",
        "password_confirm": "gd2020pass", "nationality": "中国", "ethnicity": "汉族", "gender": "男",
        "id_number": make_id("440106", "19880512"), "birth_date": "1988-05-12", "email": "ming@example.com",
        "region": "广东省广州市天河区", "address": "天河路 1 号", "phone": "13800138000",
    }
    return {**data, **overrides}


async def test_guangdong_registers_with_terms_the_manuals_form_and_an_sms_code(client, addresses):
    T = "/t/guangdong"
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    terms = await client.get(f"{T}/register")
    assert terms.status_code == 200 and "广东终身教育学分银行服务条款" in terms.text
    refused = await submit(client, f"{T}/register", f"{T}/register/terms", {})
    assert refused.status_code == 400 and "同意服务条款" in field_error(refused.text, "agree_terms")
    form_page = await submit(client, f"{T}/register", f"{T}/register/terms", {"agree_terms": "1"})
    assert form_page.status_code == 200 and 'enctype="multipart/form-data"' in form_page.text
    for label in ("用户名", "真实姓名", "确认密码", "民族", "证件号码", "出生日期", "手机号码", "验证码"):
        assert f">{label}<" in form_page.text, label
    assert '<select id="f-ethnicity" name="ethnicity"' in form_page.text and 'type="tel"' in form_page.text
    assert 'formaction="/t/guangdong/register/code"' in form_page.text and 'data-min="6" data-max="15"' in form_page.text
    assert 'name="agree_terms" value="1" checked' in form_page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text).group(1)
    data = guangdong_form()

    bad_phone = await client.post(f"{T}/register/code", data={**data, "phone": "12345", "_csrf_token": token}, files=NO_FILE)
    assert bad_phone.status_code == 400 and "手机号码格式不正确" in field_error(bad_phone.text, "phone")
    assert input_value(bad_phone.text, "username") == "mingyaoxing" and input_value(bad_phone.text, "phone") == "12345"
    assert 'value="汉族" selected' in bad_phone.text

    sent = await client.post(f"{T}/register/code", data={**data, "_csrf_token": token}, files=NO_FILE)
    assert sent.status_code == 200 and "验证码已发送至 138****8000" in sent.text
    assert input_value(sent.text, "id_number") == data["id_number"] and input_value(sent.text, "region") == "广东省广州市天河区"
    code = await last_code(client, "guangdong", admin, "13800138000")

    wrong = await client.post(f"{T}/register", data={**data, "code": "000000" if code != "000000" else "111111", "_csrf_token": token},
                              files=NO_FILE)
    assert wrong.status_code == 400 and "验证码错误" in field_error(wrong.text, "code")
    assert input_value(wrong.text, "username") == "mingyaoxing"
    for overrides, name, message in (
        ({"password_confirm": "different1"}, "password_confirm", "不一致"),
        ({"password": "12345", "password_confirm": "12345"}, "password", "6–15"),
        ({"username": "明耀星"}, "username", "英文字母与数字"),
        ({"birth_date": "1988-05-13"}, "birth_date", "不一致"),
        ({"agree_terms": ""}, "agree_terms", "服务条款"),
    ):
        refused = await client.post(f"{T}/register", data={**data, **overrides, "code": code, "_csrf_token": token}, files=NO_FILE)
        assert refused.status_code == 400 and message in field_error(refused.text, name), (name, refused.text[-3000:])
        assert input_value(refused.text, "real_name") == "明耀星"

    done = await client.post(f"{T}/register", data={**data, "code": code, "_csrf_token": token}, files=NO_FILE)
    assert done.status_code == 303 and done.headers["location"] == f"{T}/register/done?status=active"
    assert "注册成功" in (await client.get(done.headers["location"])).text
    assert (await portal_login(client, "guangdong", "mingyaoxing", "gd2020pass")).headers["location"] == f"{T}/me"
    assert_never_in_addresses(addresses, data["id_number"], "13800138000")


def national_form(**overrides) -> dict:
    data = {
        "agree_terms": "1", "unit_code": "OUC-GS", "real_name": "袁学员", "gender": "女", "ethnicity": "汉族",
        "id_type": "居民身份证", "id_number": make_id("620102", "19950101"), "birth_date": "1995-01-01",
        "phone": "13919191919", "email": "Learner@Example.com", "education_level": "专科（高职）",
        "password": "Ouc-2026-pass", "password_confirm": "Ouc-2026-pass",
    }
    return {**data, **overrides}


async def test_national_ouc_registers_with_region_id_scan_then_checks_the_email_and_waits_for_review(client, addresses):
    T = "/t/national_ouc"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    form_page = await submit(client, f"{T}/register", f"{T}/register/terms", {"agree_terms": "1"})
    assert '<select id="f-unit_code" name="unit_code"' in form_page.text and "国家开放大学学分银行北京学习成果认证中心" in form_page.text
    assert '<label for="f-id_scan_file">身份证扫描件' in form_page.text and "获取验证码" not in form_page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text).group(1)
    data = national_form()

    no_region = await client.post(f"{T}/register", data={**data, "unit_code": "", "_csrf_token": token}, files=NO_FILE)
    assert no_region.status_code == 400 and field_error(no_region.text, "unit_code") == "请选择所在区域"
    no_scan = await client.post(f"{T}/register", data={**data, "_csrf_token": token}, files=NO_FILE)
    assert no_scan.status_code == 400 and "身份证扫描件" in field_error(no_scan.text, "id_scan")
    assert 'value="OUC-GS" selected' in no_scan.text and input_value(no_scan.text, "email") == "Learner@Example.com"
    exe = await client.post(f"{T}/register", data={**data, "_csrf_token": token},
                            files={"id_scan_file": ("scan.jpg", b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg")})
    assert exe.status_code == 415 and "jpg" in field_error(exe.text, "id_scan")

    # The scan is kept while another field is corrected.
    bad_email = await client.post(f"{T}/register", data={**data, "email": "learner@", "_csrf_token": token},
                                  files={"id_scan_file": ("身份证.png", PNG, "image/png")})
    assert bad_email.status_code == 400 and "电子邮箱格式不正确" in field_error(bad_email.text, "email")
    scan = hidden(bad_email.text, "id_scan")
    assert re.fullmatch(r"[0-9a-f]{32}\.png", scan) and "已上传：身份证.png" in bad_email.text
    done = await client.post(f"{T}/register", data={**data, "id_scan": scan, "id_scan_name": "身份证.png", "_csrf_token": token},
                             files=NO_FILE)
    assert done.status_code == 303 and done.headers["location"] == f"{T}/register/verify"
    assert "cb_register=" in done.headers["set-cookie"] and "HttpOnly" in done.headers["set-cookie"]

    verify = await client.get(done.headers["location"])
    assert verify.status_code == 200 and "l***r@example.com" in verify.text and 'name="username"' not in verify.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', verify.text).group(1)
    code = await last_code(client, "national_ouc", admin, "learner@example.com")
    wrong = await client.post(f"{T}/register/verify", data={"code": "000000" if code != "000000" else "111111", "_csrf_token": token})
    assert wrong.status_code == 400 and "验证码错误" in field_error(wrong.text, "code")
    verified = await client.post(f"{T}/register/verify", data={"code": code, "_csrf_token": token})
    assert verified.status_code == 303 and verified.headers["location"] == f"{T}/register/done?status=pending_review"
    assert "提交审核" in (await client.get(verified.headers["location"])).text
    waiting = await submit(client, f"{T}/login", f"{T}/login", {"username": "learner@example.com", "password": "Ouc-2026-pass"})
    assert waiting.status_code == 403 and "审核" in form_error(waiting.text)
    queue = (await client.get(f"{T}/api/v1/admin/learners", params={"status": "pending_review"}, headers=admin)).json()
    assert [a["username"] for a in queue["items"]] == ["learner@example.com"]
    assert_never_in_addresses(addresses, data["id_number"], "learner@example.com")


async def test_gansu_learners_choose_the_provincial_school_or_one_of_its_branch_schools(client):
    form_page = await submit(client, "/t/gansu/register", "/t/gansu/register/terms", {"agree_terms": "1"})
    options = re.findall(r'<option value="(GS[^"]*)">', form_page.text)
    api = (await client.get("/t/gansu/api/v1/org/units", params={"parent": "GS", "limit": 200})).json()["items"]
    assert options == ["GS"] + [u["code"] for u in api]
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text).group(1)
    forged = await client.post("/t/gansu/register", data={**national_form(unit_code="OUC-GS"), "_csrf_token": token}, files=NO_FILE)
    assert forged.status_code == 400 and field_error(forged.text, "unit_code") == "请选择所在区域"


async def test_the_email_check_can_be_finished_later_by_username_with_a_new_code(client):
    T = "/t/national_ouc"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    upload = await client.post(f"{T}/api/v1/auth/register/id-scan", files={"file": ("身份证.png", PNG, "image/png")})
    data = {k: v for k, v in national_form().items()}
    registered = await client.post(f"{T}/api/v1/auth/register", json={**data, "agree_terms": True, "region": "甘肃省",
                                                                      "id_scan": upload.json()["id_scan"]})
    assert registered.json()["status"] == "registered"

    later = await client.get(f"{T}/register/verify")  # no cookie: a new browser
    assert '<label for="f-username">用户名' in later.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', later.text).group(1)
    nobody = await client.post(f"{T}/register/verify/code", data={"username": "nobody@example.com", "_csrf_token": token})
    assert nobody.status_code == 404 and "未找到待验证的账户" in field_error(nobody.text, "username")
    too_soon = await client.post(f"{T}/register/verify/code", data={"username": "learner@example.com", "_csrf_token": token})
    assert too_soon.status_code == 429 and input_value(too_soon.text, "username") == "learner@example.com"

    first_code = await last_code(client, "national_ouc", admin, "learner@example.com")
    await VerificationCode.update({VerificationCode.created_at: utcnow() - timedelta(minutes=2)}).where(
        VerificationCode.target == "learner@example.com")
    resent = await client.post(f"{T}/register/verify/code", data={"username": "learner@example.com", "_csrf_token": token})
    assert resent.status_code == 200 and "验证码已发送至 l***r@example.com" in resent.text
    new_code = await last_code(client, "national_ouc", admin, "learner@example.com")
    assert new_code != first_code  # a resend is a new code, and the old one stops working
    stale = await client.post(f"{T}/register/verify", data={"username": "learner@example.com", "code": first_code, "_csrf_token": token})
    assert stale.status_code == 400 and field_error(stale.text, "code")
    verified = await client.post(f"{T}/register/verify", data={"username": "learner@example.com", "code": new_code, "_csrf_token": token})
    assert verified.headers["location"] == f"{T}/register/done?status=pending_review"


async def test_zhejiang_has_no_self_registration_and_points_to_the_service_network(client):
    closed = await client.get("/t/zhejiang/register")
    assert closed.status_code == 200 and "不开放网上自助注册" in closed.text and 'href="/t/zhejiang/units"' in closed.text
    assert 'href="/t/zhejiang/register"' not in (await client.get("/t/zhejiang/")).text
    token = await csrf_token(client, "/t/zhejiang/activate")
    posted = await client.post("/t/zhejiang/register", data={"real_name": "x", "_csrf_token": token}, files=NO_FILE)
    assert "不开放网上自助注册" in posted.text


# ---------------------------------------------------------------------------------------------
# Passwords


async def test_change_password_when_logged_in(client):
    T = "/t/guangdong"
    tenant = await client._transport.app.state.tenants.get("guangdong")  # type: ignore[attr-defined]
    await create_staff(tenant, "GD", "tenant_admin", "gdadmin", STAFF_PASSWORD, real_name="管理中心")

    anonymous = await client.get(f"{T}/password")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == f"{T}/login?next=/t/guangdong/password"

    await portal_login(client, "guangdong", "gdadmin", STAFF_PASSWORD)
    form_page = await client.get(f"{T}/password")
    assert form_page.status_code == 200 and ">原密码<" in form_page.text and 'data-min="6"' in form_page.text
    for data, name, message in (
        ({"old_password": "wrong-one", "new_password": "New-pass-1", "new_password_confirm": "New-pass-1"}, "old_password", "原密码错误"),
        ({"old_password": STAFF_PASSWORD, "new_password": "New-pass-1", "new_password_confirm": "New-pass-2"}, "new_password_confirm", "不一致"),
        ({"old_password": STAFF_PASSWORD, "new_password": "a1", "new_password_confirm": "a1"}, "new_password", "6–15"),
        ({"old_password": "", "new_password": "New-pass-1", "new_password_confirm": "New-pass-1"}, "old_password", "请输入原密码"),
    ):
        refused = await submit(client, f"{T}/password", f"{T}/password", data)
        assert refused.status_code == 400 and message in field_error(refused.text, name), name
    changed = await submit(client, f"{T}/password", f"{T}/password",
                           {"old_password": STAFF_PASSWORD, "new_password": "New-pass-1", "new_password_confirm": "New-pass-1"})
    assert changed.status_code == 303 and changed.headers["location"].startswith(f"{T}/staff/reviews?done=")
    await submit(client, f"{T}/", f"{T}/logout", {})
    assert (await submit(client, f"{T}/login", f"{T}/login", {"username": "gdadmin", "password": STAFF_PASSWORD})).status_code == 401
    await portal_login(client, "guangdong", "gdadmin", "New-pass-1")


async def test_an_expired_session_returns_to_the_login_remembering_the_page(client):
    T = "/t/guangdong"
    client.cookies.set("cb_session_guangdong", "expired-or-revoked")
    token = await csrf_token(client, f"{T}/login")  # bound to the session the browser holds
    response = await client.post(f"{T}/password", data={"old_password": "x", "new_password": "y", "new_password_confirm": "y",
                                                       "_csrf_token": token}, headers={"referer": f"http://testserver.local{T}/password"})
    assert response.status_code == 303 and response.headers["location"] == f"{T}/login?next=/t/guangdong/password"


async def test_reset_a_forgotten_password_with_a_code(client, addresses):
    T = "/t/guangdong"
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    id_number = make_id("440103", "19910101")
    await import_learner(client, "guangdong", admin, f"赵六,{id_number},13711112222,,GD-GOU-TP01")
    await client.post(f"{T}/api/v1/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    code = await last_code(client, "guangdong", admin, "13711112222")
    activated = await client.post(f"{T}/api/v1/auth/activate", json={"id_number": id_number, "code": code, "password": "old-pass-1"})
    assert activated.status_code == 200
    await VerificationCode.update({VerificationCode.created_at: utcnow() - timedelta(minutes=2)}).where(
        VerificationCode.target == "13711112222")

    start = await client.get(f"{T}/password/reset")
    assert start.status_code == 200 and 'value="sms" checked' in start.text
    unknown = await submit(client, f"{T}/password/reset", f"{T}/password/reset", {"identifier": make_id(), "channel": "sms"})
    assert unknown.status_code == 404 and "未找到已激活的账户" in field_error(unknown.text, "identifier")
    no_email = await submit(client, f"{T}/password/reset", f"{T}/password/reset", {"identifier": id_number, "channel": "email"})
    assert no_email.status_code == 400 and field_error(no_email.text, "channel") and 'value="email" checked' in no_email.text
    assert input_value(no_email.text, "identifier") == id_number

    confirm = await submit(client, f"{T}/password/reset", f"{T}/password/reset", {"identifier": id_number, "channel": "sms"})
    assert confirm.status_code == 200 and "验证码已发送至 137****2222" in confirm.text and id_number not in confirm.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', confirm.text).group(1)
    ticket = hidden(confirm.text, "ticket")
    code = await last_code(client, "guangdong", admin, "13711112222")
    wrong = await client.post(f"{T}/password/reset/confirm", data={"ticket": ticket, "code": "000000" if code != "000000" else "111111",
                                                                  "new_password": "new-pass-1", "new_password_confirm": "new-pass-1",
                                                                  "_csrf_token": token})
    assert wrong.status_code == 400 and "验证码错误" in field_error(wrong.text, "code")
    mismatch = await client.post(f"{T}/password/reset/confirm", data={"ticket": ticket, "code": code, "new_password": "new-pass-1",
                                                                     "new_password_confirm": "new-pass-2", "_csrf_token": token})
    assert mismatch.status_code == 400 and field_error(mismatch.text, "new_password_confirm")
    done = await client.post(f"{T}/password/reset/confirm", data={"ticket": ticket, "code": code, "new_password": "new-pass-1",
                                                                 "new_password_confirm": "new-pass-1", "_csrf_token": token})
    assert done.status_code == 303 and done.headers["location"].startswith(f"{T}/login?done=")
    assert "密码已重置" in (await client.get(done.headers["location"])).text
    await portal_login(client, "guangdong", id_number, "new-pass-1")
    assert_never_in_addresses(addresses, id_number)
