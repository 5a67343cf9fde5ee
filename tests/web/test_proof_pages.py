"""The learner's proof pages over HTTP, as a browser without JavaScript uses them: 申请学习成果证明
(seed 001 Q4 学习成果认证证明; seed 004 二.2 学习成果证明开具申请 at the acceptance point) and
学习成果证明 (the issued proofs with their PDF and signed JSON, the applications' progress);
reviewers decide through the API."""

from __future__ import annotations

import re
from html import unescape

from core.certificates.tables import Proof
from tests.accounts.helpers import STAFF_PASSWORD, bearer, last_code, login, make_id, staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.certificates.helpers import (
    OPINIONS,
    ZJ_ACCEPT,
    ZJ_REVIEW,
    add_from_catalog,
    api,
    decide,
    read_pdf,
    store_reviewed,
)
from tests.reviews.test_provinces_reviews import ouc_learner
from tests.web.helpers import field_error, form_error, input_value, portal_login, selected_option, submit, table_rows

N = "/t/national_ouc"
Z = "/t/zhejiang"


def ticked(html: str) -> list[str]:
    """The outcome ids ticked on the application form."""
    return re.findall(r'name="achievement_ids" id="o-\d+" value="(\d+)" checked', html)


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', html, re.S)
    return re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []


async def ouc_in_browser(client, admin: dict, email: str) -> dict:
    """A national OUC learner of the Gansu centre (OUC-GS), logged in through the login page."""
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", email)
    await portal_login(client, "national_ouc", email, "Ouc-2026-pass")
    return learner


async def zhejiang_in_browser(client, unit: str) -> dict:
    """A learner opened at the window of ``unit``, activated, logged in through the login page
    with their phone number."""
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre-proof")
    window = await staff_headers(client, "zhejiang", unit, "unit_admin", username=f"window-{unit}-proof")
    id_number = make_id("330102", "19900101")
    phone = "135" + id_number[-9:-1]
    opened = await client.post(f"{api('zhejiang')}/admin/learners", headers=window, json={
        "real_name": "周九", "id_number": id_number, "phone": phone, "identity_checked": True})
    assert opened.status_code == 201, opened.text
    code = await last_code(client, "zhejiang", admin, phone)
    await client.post(f"{api('zhejiang')}/auth/activate",
                      json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    await portal_login(client, "zhejiang", phone, "Learner-2026")
    return bearer(await login(client, "zhejiang", phone, "Learner-2026"))


async def test_national_ouc_learner_applies_on_the_page_and_downloads_the_proof(client):
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-centre")
    learner = await ouc_in_browser(client, admin, "proof@example.com")
    first = await store_reviewed(client, "national_ouc", learner, centre, "计算机", category="non_academic")
    second = await store_reviewed(client, "national_ouc", learner, centre, "", category="academic")

    home = await client.get(f"{N}/me")
    assert f'<a href="{N}/me/proofs">学习成果证明</a>' in home.text  # in the learner's menu
    empty = await client.get(f"{N}/me/proofs")
    assert empty.status_code == 200 and "暂无已出具的证明" in empty.text and "暂无证明申请" in empty.text
    assert f'href="{N}/me/proofs/new"' in empty.text

    form_url = f"{N}/me/proofs/new"
    form = await client.get(form_url)
    assert form.status_code == 200 and "<li>学习成果认证中心出具认证证明</li>" in form.text  # the chain, shown
    assert [row[0] for row in table_rows(form.text, "outcomes")] == [second["name"], first["name"]]
    assert f'<label for="o-{first["id"]}">{first["name"]}</label>' in unescape(form.text)
    assert 'for="f-unit_code">受理服务点' in form.text and selected_option(form.text, "unit_code") == "OUC-GS"
    assert "OUC" not in options(form.text, "unit_code")  # the headquarters has no certification centre above it
    key = input_value(form.text, "idempotency_key")
    assert key and key == input_value(form.text, "idempotency_key")

    nothing = await submit(client, form_url, form_url, {"idempotency_key": key, "unit_code": "OUC-GS"})
    assert nothing.status_code == 400 and field_error(nothing.text, "achievement_ids") == "请选择要列入证明的学习成果"
    assert input_value(nothing.text, "idempotency_key") == key
    assert selected_option(nothing.text, "unit_code") == "OUC-GS"

    body = {"idempotency_key": key, "unit_code": "OUC-GS", "achievement_ids": [str(second["id"]), str(first["id"])]}
    sent = await submit(client, form_url, form_url, body)
    resent = await submit(client, form_url, form_url, body)  # a double submit
    for response in (sent, resent):
        assert response.status_code == 303 and response.headers["location"].startswith(f"{N}/me/proofs?done=")
    mine = [a for a in (await client.get(f"{api('national_ouc')}/me/applications", headers=learner)).json()["items"]
            if a["kind"] == "certificate"]
    assert len(mine) == 1 and mine[0]["achievement_ids"] == [second["id"], first["id"]]
    application = mine[0]

    waiting = await client.get(sent.headers["location"])
    assert "学习成果证明申请已提交" in waiting.text and "暂无已出具的证明" in waiting.text
    [row] = table_rows(waiting.text, "applications")
    assert row[1] == "已提交" and row[2] == "学习成果认证中心出具认证证明" and "2 项" in row[0]
    assert f'href="{N}/me/applications/{application["id"]}"' in waiting.text
    assert (await client.get(f"{N}/me/applications/{application['id']}")).status_code == 200

    decided = await decide(client, "national_ouc", application, centre, "certificate_issue", OPINIONS["national_ouc"])
    code = decided["proof_code"]
    issued = await client.get(f"{N}/me/proofs")
    [proof] = table_rows(issued.text, "proofs")
    assert proof[0] == code and proof[2] == "有效" and proof[3] == "2 项" and "甘肃" in proof[4]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", proof[1])
    [row] = table_rows(issued.text, "applications")
    assert row[1] == "已通过" and row[4] == code

    view = re.search(rf'href="({N}/verify/{code})"', issued.text).group(1)
    verification = await client.get(view)
    assert verification.status_code == 200 and "证明有效" in verification.text
    pdf = await client.get(re.search(rf'href="({N}/me/proofs/{code}/pdf)"', issued.text).group(1))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"] and pdf.headers["cache-control"] == "private, no-store"
    text, qr_codes = read_pdf(pdf.content)
    assert code in text and qr_codes and qr_codes[0].endswith(f"{N}/verify/{code}")
    signed = await client.get(re.search(rf'href="({N}/me/proofs/{code}/credential)"', issued.text).group(1))
    assert signed.status_code == 200 and signed.headers["content-type"].startswith("application/json")
    assert signed.content == (await client.get(f"{api('national_ouc')}/me/proofs/{code}", headers=learner)).content
    assert [p["cryptosuite"] for p in signed.json()["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]

    # Another learner of the same centre sees none of it.
    await ouc_in_browser(client, admin, "other@example.com")
    assert (await client.get(f"{N}/me/proofs/{code}/pdf")).status_code == 404
    assert (await client.get(f"{N}/me/proofs/{code}/credential")).status_code == 404
    theirs = await client.get(f"{N}/me/proofs")
    assert code not in theirs.text and "暂无已出具的证明" in theirs.text
    mixed = await submit(client, form_url, form_url, {"idempotency_key": "other-key", "unit_code": "OUC-GS",
                                                       "achievement_ids": [str(first["id"])]})
    assert mixed.status_code == 404 and field_error(mixed.text, "achievement_ids") == f"未找到成果（编号 {first['id']}）"


async def test_zhejiang_request_is_taken_by_the_chosen_acceptance_point(client):
    """二.2: 学习成果证明开具申请 at an acceptance point, re-reviewed by the unit above it."""
    learner = await zhejiang_in_browser(client, "ZJ-S01")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="zj-s01-proof")
    branch = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="zj-b01-proof")
    outcome = await add_from_catalog(client, "zhejiang", learner, "会计")
    form_url = f"{Z}/me/proofs/new"
    form = await client.get(f"{form_url}?achievement={outcome['id']}")
    assert ticked(form.text) == [str(outcome["id"])] and "名录成果" in form.text
    assert selected_option(form.text, "unit_code") == "ZJ-S01"
    units = options(form.text, "unit_code")
    assert "ZJ" not in units and {"ZJ-B01", "ZJ-S01", "ZJ-S02"} <= set(units)  # the centre has nobody above it
    key = input_value(form.text, "idempotency_key")

    top = await submit(client, form_url, form_url, {"idempotency_key": key, "unit_code": "ZJ",
                                                     "achievement_ids": [str(outcome["id"])]})
    assert top.status_code == 400 and "上级机构证明开具复审" in field_error(top.text, "unit_code")
    assert ticked(top.text) == [str(outcome["id"])] and selected_option(top.text, "unit_code") is None  # not a choice
    unknown = await submit(client, form_url, form_url, {"idempotency_key": key, "unit_code": "NO-SUCH",
                                                         "achievement_ids": [str(outcome["id"])]})
    assert unknown.status_code == 400 and field_error(unknown.text, "unit_code") == "服务点 NO-SUCH 不存在"
    bad = await submit(client, form_url, form_url, {"idempotency_key": key, "unit_code": "ZJ-S01",
                                                     "achievement_ids": ["x"]})
    assert bad.status_code == 400 and field_error(bad.text, "achievement_ids")

    sent = await submit(client, form_url, form_url, {"idempotency_key": key, "unit_code": "ZJ-S01",
                                                      "achievement_ids": [str(outcome["id"])]})
    assert sent.status_code == 303
    mine = (await client.get(f"{api('zhejiang')}/me/applications", headers=learner)).json()["items"]
    [application] = [a for a in mine if a["kind"] == "certificate"]
    assert [(s["name"], s["unit_code"]) for s in application["steps"]] == [("acceptance_review", "ZJ-S01"),
                                                                          ("re_review", "ZJ-B01")]
    await decide(client, "zhejiang", application, window, "acceptance_review", ZJ_ACCEPT)
    midway = table_rows((await client.get(f"{Z}/me/proofs")).text, "applications")
    assert (midway[0][1], midway[0][2]) == ("审核中", "上级机构证明开具复审")
    await decide(client, "zhejiang", application, branch, "re_review", ZJ_REVIEW)
    [proof] = table_rows((await client.get(f"{Z}/me/proofs")).text, "proofs")
    assert proof[2] == "有效" and proof[3] == "1 项" and proof[4] == "浙江学分银行杭州分部"
    assert await Proof.count() == 1


async def test_guangdong_centre_issues_without_a_service_point_and_revocation_shows(client):
    """Guangdong's management centre reviews every proof: no service point to choose."""
    learner = await guangdong_learner(client)
    await portal_login(client, "guangdong", "mingyaoxing", "gd2020pass")
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-proof-centre")
    course = await add_from_catalog(client, "guangdong", learner, "公司概况")
    G = "/t/guangdong"
    form = await client.get(f"{G}/me/proofs/new")
    assert 'name="unit_code"' not in form.text and f'value="{course["id"]}"' in form.text
    sent = await submit(client, f"{G}/me/proofs/new", f"{G}/me/proofs/new", {
        "idempotency_key": input_value(form.text, "idempotency_key"), "achievement_ids": str(course["id"])})
    assert sent.status_code == 303
    application = (await client.get(f"{api('guangdong')}/me/applications", headers=learner)).json()["items"][0]
    decided = await decide(client, "guangdong", application, centre, "certificate_issue", OPINIONS["guangdong"])
    revoked = await client.post(f"{api('guangdong')}/admin/proofs/{decided['proof_code']}/revoke", headers=centre,
                                json={"reason": "学习者申请作废"})
    assert revoked.status_code == 200
    [proof] = table_rows((await client.get(f"{G}/me/proofs")).text, "proofs")
    assert proof[2].startswith("已撤销") and "学习者申请作废" in proof[2]
    # the PDF of a revoked proof still downloads (it says so on it)
    pdf = await client.get(f"{G}/me/proofs/{decided['proof_code']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


async def test_proof_pages_need_a_learner(client):
    G = "/t/guangdong"
    anonymous = await client.get(f"{G}/me/proofs")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith(f"{G}/login?next=")
    assert (await client.get(f"{G}/me/proofs/ABCD-EFGH-JKMN-PQRS/pdf")).status_code == 303
    await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-staff-proof")
    await portal_login(client, "guangdong", "gd-staff-proof", STAFF_PASSWORD)
    staff = await client.get(f"{G}/me/proofs")
    assert staff.status_code == 403 and form_error(staff.text) == "此页面供学习者使用"
    assert f'href="{G}/me/proofs"' not in (await client.get(f"{G}/staff/reviews")).text  # not in a staff menu
