"""我的信息 counts and the words learners read (issue 16 item 10)."""

from __future__ import annotations

import re

from tests.achievements.test_achievements import guangdong_learner
from tests.certificates.helpers import add_from_catalog
from tests.web.helpers import portal_login


async def test_catalog_outcomes_count_as_recognised_on_my_page(client):
    learner = await guangdong_learner(client)
    await add_from_catalog(client, "guangdong", learner, "公司概况")
    await portal_login(client, "guangdong", "mingyaoxing", "gd2020pass")
    shown = (await client.get("/t/guangdong/me")).text
    tile = re.search(r'status=recognized"[^>]*><strong>(\d+)</strong>', shown).group(1)
    assert tile == "1", shown


async def test_gansu_hints_name_no_missing_button(client):
    from tests.accounts.helpers import staff_headers
    from tests.reviews.test_provinces_reviews import ouc_learner

    school = await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-school")
    await ouc_learner(client, "gansu", school, "GS-LZ", "gansu@example.com")
    await portal_login(client, "gansu", "gansu@example.com", "Ouc-2026-pass")
    taxonomy = (await client.get("/t/gansu/api/v1/meta")).json()["taxonomy"]
    category, sub = next((c["code"], s["code"]) for c in taxonomy["categories"] for s in c["subtypes"]
                         if any(f["from_catalog"] for f in s["fields"]))
    manual = await client.get("/t/gansu/me/achievements/new", params={"category": category, "subtype": sub, "manual": 1})
    assert manual.status_code == 200 and "选择证书" not in manual.text


async def test_the_staff_learner_page_reads_the_import_in_words_and_a_finished_import_drops_its_upload_line(client):
    from tests.accounts.helpers import STAFF_PASSWORD, make_id, staff_headers
    from tests.accounts.test_activation import import_csv

    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-admin")
    job = await import_csv(client, "guangdong", admin, [f"曾炫云,{make_id('440106', '19900101')},13712345678,,GD-GOU-TP02"])
    await portal_login(client, "guangdong", "gd-admin", STAFF_PASSWORD)
    learners = (await client.get("/t/guangdong/api/v1/admin/learners", headers=admin)).json()["items"]
    shown = (await client.get(f"/t/guangdong/staff/learners/{learners[0]['id']}")).text
    assert "import_job" not in shown and "import_row" not in shown and "导入批次" in shown
    finished = await client.get(f"/t/guangdong/staff/imports/{job['job_id']}", params={"done": "文件已上传，正在导入"})
    assert "正在导入" not in finished.text, finished.status_code


async def test_a_province_without_performance_conversion_never_names_it(client):
    """Zhejiang converts by rule only: its learners see no 业绩类 tab, hint or page; Guangdong's do."""
    from tests.certificates.helpers import zhejiang_learner

    _, account = await zhejiang_learner(client, "ZJ-S01")
    await portal_login(client, "zhejiang", account["id_number"], "Learner-2026")
    conversion = await client.get("/t/zhejiang/me/conversion")
    recognition = await client.get("/t/zhejiang/me/recognition")
    assert conversion.status_code == recognition.status_code == 200
    assert "业绩类" not in conversion.text and "业绩类" not in recognition.text
    missing = await client.get("/t/zhejiang/me/performance")
    assert missing.status_code == 404 and "业绩类" not in missing.text  # the branded page of an unknown address

    await guangdong_learner(client)
    await portal_login(client, "guangdong", "mingyaoxing", "gd2020pass")
    assert "业绩类成果转换申请" in (await client.get("/t/guangdong/me/conversion")).text
    assert (await client.get("/t/guangdong/me/performance")).status_code == 200
