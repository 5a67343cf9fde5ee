"""Bulk collection at a service window: a file of 社会培训成果 imported by a Zhejiang sub-centre
for the learners of its subtree, with the learner import's job, row report and re-run safety."""

from __future__ import annotations

import io

from openpyxl import Workbook

from core.achievements.tables import Achievement
from core.notifications.tables import Notification
from core.reviews.tables import Application, ReviewRecord
from tests.accounts.helpers import run_import, staff_headers
from tests.certificates.helpers import zhejiang_learner

T = "/t/zhejiang/api/v1"
HEADER = "证件号码,姓名,成果大类,培训名称,培训单位,培训类别,培训学时,培训开始日期,培训结束日期,结业证书编号,采集受理点\n"


def line(id_number: str, name: str, training: str = "社区电工实务培训", hours: str = "24") -> str:
    return f"{id_number},{name},社会培训成果,{training},上城区社区学院,职工培训,{hours},2024-05-06,2024-05-17,,ZJ-S01\n"


async def test_a_sub_centre_imports_training_records_for_its_learners_only(client):
    _, mine = await zhejiang_learner(client, "ZJ-S01", "吴一")
    _, also = await zhejiang_learner(client, "ZJ-S01", "吴二")
    _, outside = await zhejiang_learner(client, "ZJ-S02", "郑三")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-bulk")
    content = (HEADER + line(mine["id_number"], "吴一") + line(also["id_number"], "吴二")
               + line(outside["id_number"], "郑三") + line(mine["id_number"], "吴一", hours="二十")
               + line("110105194912310011", "查无此人") + line(mine["id_number"], "吴一")).encode()

    job = await run_import(client, "zhejiang", "achievements", content, window)
    assert job["status"] == "done", job
    assert (job["total"], job["created"], job["failed"]) == (6, 2, 3), job
    errors = {e["row"]: e["message"] for e in job["errors"]}
    assert "不属于浙江学分银行杭州市上城区分中心及其下级单位" in errors[4]
    assert "培训学时" in errors[5]
    assert "学习者账号不存在" in errors[6]
    assert not any(mine["id_number"] in m or outside["id_number"] in m for m in errors.values())

    rows = await Achievement.select(Achievement.learner_id, Achievement.status, Achievement.collected_by_unit_id).where(
        Achievement.collected_key.is_not_null())
    assert sorted(r["learner_id"] for r in rows) == sorted([mine["id"], also["id"]])
    assert {r["status"] for r in rows} == {"applied"}
    # Each went to recognition at the window that collected it, and each learner was told once.
    apps = await Application.select(Application.id, Application.step_unit_id, Application.kind).where(
        Application.learner_id.is_in([mine["id"], also["id"]]))
    assert len(apps) == 2 and {a["kind"] for a in apps} == {"recognition"}
    records = await ReviewRecord.select(ReviewRecord.decision, ReviewRecord.actor_id, ReviewRecord.actor_name).where(
        ReviewRecord.application_id.is_in([a["id"] for a in apps]))
    assert sorted((r["decision"], r["actor_id"], r["actor_name"]) for r in records) == sorted(
        [("submit", mine["id"], "吴一"), ("submit", also["id"], "吴二")])
    queue = (await client.get(f"{T}/reviews", headers=window)).json()["items"]
    assert len(queue) == 2
    notices = await Notification.select(Notification.account_id).where(Notification.event == "achievement.collected")
    assert sorted(n["account_id"] for n in notices) == sorted([mine["id"], also["id"]])

    # The same file again adds nothing.
    again = await run_import(client, "zhejiang", "achievements", content, window)
    assert again["status"] == "done" and again["created"] == 0 and again["failed"] == 3, again
    assert await Achievement.count().where(Achievement.collected_key.is_not_null()) == 2
    assert await Application.count().where(Application.learner_id.is_in([mine["id"], also["id"]])) == 2

    # The job is the uploader's: another unit's admin does not see it.
    other = await staff_headers(client, "zhejiang", "ZJ-S02", "unit_admin", username="s02-bulk")
    assert (await client.get(f"{T}/admin/imports/{job['job_id']}", headers=other)).status_code == 404


async def test_an_xlsx_of_training_records_and_a_file_without_the_id_column(client):
    _, learner = await zhejiang_learner(client, "ZJ-S01", "冯四")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-xlsx")
    book = Workbook()
    sheet = book.active
    for row in (HEADER.strip().split(","), line(learner["id_number"], "冯四").strip().split(",")):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    job = await run_import(client, "zhejiang", "achievements", buffer.getvalue(), window, filename="培训.xlsx")
    assert job["status"] == "done" and job["created"] == 1, job

    missing = await run_import(client, "zhejiang", "achievements", "姓名,培训名称\n冯四,x\n".encode(), window)
    assert missing["status"] == "failed" and "证件号码" in missing["message"]


async def test_only_staff_who_collect_may_import_outcomes(client):
    committee = await staff_headers(client, "zhejiang", "ZJ", "committee", username="zj-committee-bulk")
    refused = await client.post(f"{T}/admin/imports/achievements", headers=committee,
                                files={"file": ("a.csv", HEADER.encode(), "text/csv")})
    assert refused.status_code == 403


async def test_national_ouc_outcomes_collected_in_bulk_go_to_their_store_review(client):
    """A province that reviews every stored outcome (national OUC, review_on_store): a collected
    outcome opens its store review as it lands, with the promised date, not a recognition."""
    from tests.accounts.helpers import make_id

    centre = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-centre-bulk")
    beijing = await staff_headers(client, "national_ouc", "OUC-BJ", "unit_admin", username="ouc-bj-bulk")
    id_number = make_id("110105", "19850505")
    learners = f"姓名,证件号码,所属单位\n陈北京,{id_number},OUC-BJ\n".encode()
    assert (await run_import(client, "national_ouc", "learners", learners, centre))["created"] == 1
    content = ("证件号码,成果大类,成果小类,证书名称,颁证院校,层次,学习形式,专业,证书编号,毕业日期\n"
               f"{id_number},academic,graduation_certificate,毕业证书,北京开放大学,本科,开放教育,会计学,"
               "BJ20190001,2019-07-01\n").encode()
    job = await run_import(client, "national_ouc", "achievements", content, beijing)
    assert (job["status"], job["created"], job["failed"]) == ("done", 1, 0), job
    row = await Achievement.select(Achievement.id, Achievement.status, Achievement.review_due_at).where(
        Achievement.collected_key.is_not_null()).first()
    assert row["status"] == "applied" and row["review_due_at"] is not None
    app = await Application.select(Application.kind, Application.step_due_at).where(
        Application.achievement_id == row["id"]).first()
    assert app["kind"] == "store_review" and app["step_due_at"] == row["review_due_at"]
