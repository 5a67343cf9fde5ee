"""Staff administration pages: import jobs with their rejected rows, the catalog (项目维护),
rule management (规则管理), the delivery log and notification templates — over HTTP, as a
browser uses them."""

from __future__ import annotations

import asyncio
import re
from html import unescape

from core.accounts.staff import create_staff
from tests.accounts.helpers import STAFF_PASSWORD, make_id, run_import, staff_headers
from tests.web.helpers import (
    field_error,
    input_value,
    portal_login,
    selected_option,
    submit,
    table_rows,
    textarea_value,
)

G = "/t/guangdong"


async def log_in_as(client, app, role: str = "tenant_admin", unit: str = "GD", username: str = "gdadmin") -> None:
    tenant = await app.state.tenants.get("guangdong")
    await create_staff(tenant, unit, role, username, STAFF_PASSWORD, real_name=f"{unit}管理员")
    await portal_login(client, "guangdong", username, STAFF_PASSWORD)


# ---------------------------------------------------------------------------------------------
# Imports

CATALOG_CSV = (
    "成果大类,成果小类,项目名称,成果名称,资历机构名称,achievement_name,school_name,course_name,course_code,major,level,credits\n"
    "academic,course,会计(2021春)(专),页面导入会计,广东开放大学,页面导入会计,广东开放大学,页面导入会计,30001,会计,专科,4\n"
    "academic,course,会计(2021春)(专),成本会计,广东开放大学,成本会计,广东开放大学,成本会计,30002,会计,专科,四\n"
    "academic,nonsense,x,y,z,,,,,,,\n"
).encode("utf-8-sig")


async def wait_for_job_page(client, url: str) -> str:
    for _ in range(400):
        html = (await client.get(url)).text
        if 'data-job-status="done"' in html or 'data-job-status="failed"' in html:
            return html
        assert '<noscript><meta http-equiv="refresh"' in html and 'id="job-progress"' in html
        await asyncio.sleep(0.05)
    raise AssertionError("the import did not finish")


async def test_an_import_through_the_page_shows_its_progress_and_rejected_rows(client, app):
    await log_in_as(client, app)
    started = await submit(client, f"{G}/staff/imports", f"{G}/staff/imports", {"kind": "catalog"},
                           files={"file": ("名录.csv", CATALOG_CSV, "text/csv")})
    assert started.status_code == 303, started.text
    job_url = started.headers["location"].split("?")[0]
    assert re.fullmatch(rf"{G}/staff/imports/\d+", job_url)

    html = await wait_for_job_page(client, job_url)
    # The page polls the portal's own route (the JSON API takes no session cookie).
    assert "已完成" in html and f'data-job-url="{job_url}/progress"' in html
    progress = await client.get(job_url + "/progress")
    assert progress.status_code == 200 and progress.json()["status"] == "done" and progress.json()["done"] == 3
    assert '<progress id="job-progress" max="3" value="3">' in html
    assert "<noscript>" not in html  # a finished job no longer refreshes itself
    rejected = table_rows(html, "rejected-rows")
    assert [row[0] for row in rejected] == ["3", "4"]
    assert "学分" in rejected[0][1] and "nonsense" in rejected[1][1]

    report = await client.get(job_url + "/rejected.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "行号,原因" and lines[1].startswith("3,") and lines[2].startswith("4,")

    listing = await client.get(f"{G}/staff/imports")
    job_id = job_url.rsplit("/", 1)[1]
    first = table_rows(listing.text, "import-jobs")[0]
    assert first[:4] == [f"#{job_id}", "名录条目", "名录.csv", "已完成"] and first[6] == "2"
    found = (await client.get(f"{G}/api/v1/catalog", params={"q": "页面导入会计"})).json()["items"]
    assert [e["name"] for e in found] == ["页面导入会计"]


async def test_an_upload_without_a_file_reshows_the_form_with_the_kind_kept(client, app):
    await log_in_as(client, app)
    response = await submit(client, f"{G}/staff/imports", f"{G}/staff/imports", {"kind": "rules"},
                            files={"file": ("", b"", "application/octet-stream")})
    assert response.status_code == 400
    assert field_error(response.text, "file") == "请选择要上传的 CSV 或 XLSX 文件"
    assert selected_option(response.text, "kind") == "rules"
    no_kind = await submit(client, f"{G}/staff/imports", f"{G}/staff/imports", {"kind": ""},
                           files={"file": ("a.csv", b"x\n", "text/csv")})
    assert no_kind.status_code == 400 and field_error(no_kind.text, "kind") == "请选择要导入的数据类型"


async def test_imports_are_for_the_management_centre_and_need_a_login(client, app):
    anonymous = await client.get(f"{G}/staff/imports")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"{G}/login?next=/t/guangdong/staff/imports"
    await log_in_as(client, app, "unit_admin", "GD-GOU-TP01", "tp01admin")
    # A unit's admin imports only what their window collected (信息采集), nothing else.
    page = await client.get(f"{G}/staff/imports")
    assert page.status_code == 200
    assert 'value="achievements"' in page.text and 'value="learners"' not in page.text


async def test_a_job_of_another_tenant_is_not_found(client, app):
    zhejiang = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    other = await run_import(client, "zhejiang", "catalog", b"category,subtype,name\n", zhejiang)
    await log_in_as(client, app)
    assert (await client.get(f"{G}/staff/imports/{other['job_id']}")).status_code == 404
    assert (await client.get(f"{G}/staff/imports/{other['job_id']}/rejected.csv")).status_code == 404


# ---------------------------------------------------------------------------------------------
# Catalog

COURSE = {"kind": "academic/course", "project_name": "法学(2020秋)(本)", "name": "民法学", "institution": "广东开放大学",
          "achievement_name": "民法学", "school_name": "广东开放大学", "course_name": "民法学", "course_code": "20001",
          "major": "法学", "level": "本科", "credits": "4", "framework_level": "5"}


async def test_a_catalog_entry_added_through_the_page_is_found_by_search(client, app):
    await log_in_as(client, app)
    chooser = await client.get(f"{G}/staff/catalog/new")
    assert chooser.status_code == 200 and 'id="catalog-entry"' not in chooser.text
    assert '<optgroup label="学历教育">' in chooser.text and "业绩类-竞赛奖励" not in chooser.text  # no catalog
    form_url = f"{G}/staff/catalog/new?kind=academic/course"
    form = await client.get(form_url)
    assert 'id="catalog-entry"' in form.text and 'for="f-course_code">课程号' in form.text

    bad = await submit(client, form_url, f"{G}/staff/catalog/new", {**COURSE, "credits": "四"})
    assert bad.status_code == 400
    assert field_error(bad.text, "credits") == "课程学分应为数字"
    assert input_value(bad.text, "name") == "民法学" and input_value(bad.text, "credits") == "四"
    assert selected_option(bad.text, "level") == "本科" and selected_option(bad.text, "framework_level") == "5"

    created = await submit(client, form_url, f"{G}/staff/catalog/new", COURSE)
    assert created.status_code == 303, created.text
    landing = await client.get(created.headers["location"])
    assert "已添加名录条目“民法学”" in landing.text
    found = table_rows(landing.text, "catalog-results")
    assert len(found) == 1 and found[0][1:5] == ["学历教育 / 课程", "法学(2020秋)(本)", "民法学", "广东开放大学"]
    assert found[0][6] == "5"

    again = await submit(client, form_url, f"{G}/staff/catalog/new", COURSE)
    assert again.status_code == 409 and field_error(again.text, "name") == "名录中已有相同的条目"


async def test_catalog_search_filters_and_pages(client, app):
    await log_in_as(client, app, "unit_admin", "GD-GOU-TP01", "tp01admin")
    page = await client.get(f"{G}/staff/catalog", params={"q": "公司概况", "institution": "开放大学"})
    assert page.status_code == 200 and 'id="catalog-add"' not in page.text  # unit admins only search
    assert any(row[3] == "公司概况" for row in table_rows(page.text, "catalog-results"))
    cet = await client.get(f"{G}/staff/catalog", params={"q": "四级", "kind": "vocational_qualification"})
    assert selected_option(cet.text, "kind") == "vocational_qualification"
    found = table_rows(cet.text, "catalog-results")
    assert found and all(row[1].startswith("职业资格证书") for row in found)
    first = await client.get(f"{G}/staff/catalog")
    next_link = re.search(r'<nav class="pager" aria-label="翻页"><a href="([^"]+)">', first.text).group(1)
    second = await client.get(unescape(next_link))
    ids = [int(r[0]) for r in table_rows(first.text, "catalog-results") + table_rows(second.text, "catalog-results")]
    assert len(ids) == 40 and ids == sorted(set(ids))
    assert (await client.get(f"{G}/staff/catalog/new")).status_code == 403


async def test_a_subtype_without_a_catalog_is_refused_beside_the_chooser(client, app):
    await log_in_as(client, app)
    page = await client.get(f"{G}/staff/catalog/new", params={"kind": "other/perf_research"})
    assert page.status_code == 400 and "没有名录" in field_error(page.text, "kind")


# ---------------------------------------------------------------------------------------------
# Rules


async def catalog_id(client, q: str) -> int:
    return (await client.get(f"{G}/api/v1/catalog", params={"q": q})).json()["items"][0]["id"]


async def test_a_rule_is_published_edited_and_retired_through_the_pages(client, app):
    await log_in_as(client, app)
    source, target = await catalog_id(client, "公司概况"), await catalog_id(client, "四级")
    rule = {"agreement": "页面测试协议", "name": "公司概况转四级", "description": "", "sources": f"{source}\n",
            "target": "", "credits": "3", "ratio": "100", "valid_from": "", "valid_to": ""}

    missing = await submit(client, f"{G}/staff/rules/new", f"{G}/staff/rules/new", rule)
    assert missing.status_code == 400 and field_error(missing.text, "target") == "请填写目标成果"
    assert input_value(missing.text, "name") == "公司概况转四级" and textarea_value(missing.text, "sources").strip() == str(source)
    unknown = await submit(client, f"{G}/staff/rules/new", f"{G}/staff/rules/new", {**rule, "target": "不存在的证书"})
    assert unknown.status_code == 400 and "不存在" in field_error(unknown.text, "target")
    dates = await submit(client, f"{G}/staff/rules/new", f"{G}/staff/rules/new",
                         {**rule, "target": str(target), "valid_from": "2026-03-01", "valid_to": "2026-01-01"})
    assert dates.status_code == 400 and field_error(dates.text, "valid_to") == "失效日期不能早于生效日期"
    assert input_value(dates.text, "valid_from") == "2026-03-01"

    created = await submit(client, f"{G}/staff/rules/new", f"{G}/staff/rules/new", {**rule, "target": str(target)})
    assert created.status_code == 303, created.text
    rule_url = created.headers["location"].split("?")[0]
    rule_id = int(rule_url.rsplit("/", 1)[1])
    listing = await client.get(f"{G}/staff/rules", params={"q": "页面测试协议"})
    row = table_rows(listing.text, "rules")[0]
    assert row[0] == "页面测试协议" and row[1] == "公司概况转四级" and "公司概况" in row[2] and "CET" in row[3]
    assert row[4:6] == ["3", "100%"] and row[7] == "已发布"
    assert any(r["id"] == rule_id for r in (await client.get(f"{G}/api/v1/rules", params={"q": "公司概况转四级"})).json()["items"])

    edit_form = await client.get(rule_url)
    assert input_value(edit_form.text, "credits") == "3"
    bad_ratio = await submit(client, rule_url, rule_url, {"description": "改过的说明", "credits": "2.5", "ratio": "0",
                                                          "valid_from": "", "valid_to": ""})
    assert bad_ratio.status_code == 400 and field_error(bad_ratio.text, "ratio") == "格式不正确"
    assert textarea_value(bad_ratio.text, "description") == "改过的说明"
    backwards = await submit(client, rule_url, rule_url, {"description": "", "credits": "3", "ratio": "100",
                                                          "valid_from": "2030-01-01", "valid_to": "2029-12-31"})
    assert backwards.status_code == 400 and field_error(backwards.text, "valid_to") == "失效日期不能早于生效日期"
    assert input_value(backwards.text, "valid_from") == "2030-01-01"
    edited = await submit(client, rule_url, rule_url, {"description": "改过的说明", "credits": "2.5", "ratio": "80",
                                                       "valid_from": "", "valid_to": ""})
    assert edited.status_code == 303
    after = (await client.get(f"{G}/api/v1/rules/{rule_id}")).json()
    assert (after["description"], after["target"]["credits"], after["target"]["ratio"]) == ("改过的说明", 2.5, 80)

    retired = await submit(client, f"{G}/staff/rules", f"{G}/staff/rules/{rule_id}/retire", {})
    assert retired.status_code == 303
    landing = await client.get(retired.headers["location"])
    assert "规则“公司概况转四级”已停用" in landing.text
    assert next(r for r in table_rows(landing.text, "rules") if r[1] == "公司概况转四级")[7] == "已停用"
    assert (await client.get(f"{G}/api/v1/rules", params={"q": "公司概况转四级"})).json()["items"] == []
    only_retired = await client.get(f"{G}/staff/rules", params={"status": "retired"})
    assert [r[1] for r in table_rows(only_retired.text, "rules")] == ["公司概况转四级"]


async def test_only_the_management_centre_changes_rules(client, app):
    await log_in_as(client, app, "unit_admin", "GD-GOU-TP01", "tp01admin")
    listing = await client.get(f"{G}/staff/rules")
    assert listing.status_code == 200 and 'id="rule-add"' not in listing.text and "/retire" not in listing.text
    assert (await client.get(f"{G}/staff/rules/new")).status_code == 403
    some_rule = (await client.get(f"{G}/api/v1/rules")).json()["items"][0]["id"]
    refused = await submit(client, f"{G}/staff/rules", f"{G}/staff/rules/{some_rule}/retire", {})
    assert refused.status_code == 403
    assert (await client.get(f"{G}/api/v1/rules/{some_rule}")).json()["status"] == "published"


# ---------------------------------------------------------------------------------------------
# Delivery log and templates


async def activation_code_sent(client, phone: str) -> str:
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", "importer")
    id_number = make_id("440103", "19900101")
    content = f"姓名,证件号码,手机号码,电子邮箱,所属单位\n曾炫云,{id_number},{phone},,GD-GOU-TP02\n".encode("utf-8-sig")
    assert (await run_import(client, "guangdong", "learners", content, admin))["created"] == 1
    sent = await client.post(f"{G}/api/v1/auth/codes", json={"purpose": "activation", "channel": "sms", "id_number": id_number})
    assert sent.status_code == 202, sent.text
    return id_number


async def test_the_delivery_log_shows_an_activation_code_message(client, app):
    id_number = await activation_code_sent(client, "13712345678")
    await log_in_as(client, app)
    log = await client.get(f"{G}/staff/notifications")
    row = table_rows(log.text, "delivery-log")[0]
    assert row[0] == "13712345678" and row[1] == "短信" and row[2] == "激活验证码"
    assert re.search(r"\d{6}", row[3]) and row[4] == "待发送" and row[5] and row[6] == ""
    assert id_number not in log.text

    filtered = await submit(client, f"{G}/staff/notifications", f"{G}/staff/notifications", {"to": "13712345678", "event": ""})
    assert filtered.status_code == 200 and len(table_rows(filtered.text, "delivery-log")) == 1
    assert input_value(filtered.text, "to") == "13712345678"
    other = await submit(client, f"{G}/staff/notifications", f"{G}/staff/notifications", {"to": "13900000000", "event": ""})
    assert 'id="no-messages"' in other.text and input_value(other.text, "to") == "13900000000"


async def test_unit_admins_see_the_log_masked_and_committees_not_at_all(client, app):
    await activation_code_sent(client, "13712345678")  # a learner of GD-GOU-TP02
    await log_in_as(client, app, "unit_admin", "GD-GOU-TP01", "tp01admin")
    assert "137****5678" not in (await client.get(f"{G}/staff/notifications")).text  # another unit's learner
    await log_in_as(client, app, "unit_admin", "GD-GOU-TP02", "tp02admin")
    row = table_rows((await client.get(f"{G}/staff/notifications")).text, "delivery-log")[0]
    assert row[0] == "137****5678" and "******" in row[3] and not re.search(r"\d{6}", row[3])
    assert 'id="templates-link"' not in (await client.get(f"{G}/staff/notifications")).text
    assert (await client.get(f"{G}/staff/notifications/templates")).status_code == 403

    committee = await create_staff(await app.state.tenants.get("guangdong"), "GD", "committee", "committee1",
                                   STAFF_PASSWORD, real_name="委员")
    assert committee
    await portal_login(client, "guangdong", "committee1", STAFF_PASSWORD)
    assert (await client.get(f"{G}/staff/notifications")).status_code == 403


async def test_a_template_is_previewed_refused_with_its_line_and_saved(client, app):
    await log_in_as(client, app)
    listing = await client.get(f"{G}/staff/notifications/templates")
    assert any(r[0] == "激活验证码" and r[1] == "短信" and r[3] == "省份插件" for r in table_rows(listing.text, "templates"))
    url = f"{G}/staff/notifications/templates/code.activation/sms"
    broken = "【广东学银】{{ real_name }}您好，\n验证码 {{ code }，{{ minutes }}分钟内有效。"
    refused = await submit(client, url, url, {"body": broken, "_action": "save"})
    assert refused.status_code == 400
    assert field_error(refused.text, "body").startswith("模板第 2 行语法错误")
    assert textarea_value(refused.text, "body") == broken
    unknown = await submit(client, url, url, {"body": "{{ password }}", "_action": "preview"})
    assert unknown.status_code == 400 and "不存在的变量" in field_error(unknown.text, "body")

    text = "【广东学银】{{ real_name }}您好，验证码 {{ code }}，{{ minutes }}分钟内有效。"
    preview = await submit(client, url, url, {"body": text, "_action": "preview"})
    assert preview.status_code == 200 and "【广东学银】张三您好，验证码 123456，10分钟内有效。" in preview.text
    assert textarea_value(preview.text, "body") == text
    saved = await submit(client, url, url, {"body": text, "_action": "save"})
    assert saved.status_code == 303
    page = await client.get(saved.headers["location"])
    assert "模板已保存" in page.text and "本学分银行自定义的模板" in page.text
    reverted = await submit(client, url, url + "/revert", {})
    assert reverted.status_code == 303
    assert "省份插件的模板" in (await client.get(url)).text
