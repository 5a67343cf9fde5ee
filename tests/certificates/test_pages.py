"""The public verification page the QR code on a printed proof leads to."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.achievements.test_achievements import guangdong_learner
from tests.certificates.helpers import gd_issued, read_pdf
from tests.web.helpers import field_error

G = "/t/guangdong"


async def test_the_qr_code_on_the_pdf_opens_the_verification_page(client):
    learner = await guangdong_learner(client)
    decided, centre = await gd_issued(client, learner)
    code = decided["proof_code"]
    _, [qr] = read_pdf((await client.get(f"{G}/api/v1/me/proofs/{code}/pdf", headers=learner)).content)
    page = await client.get(urlsplit(qr).path)  # a stranger's phone: no login
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for expected in ("证明有效", code, "明耀星", "公司概况", "广东开放大学", "名录成果"):
        assert expected in html, expected
    verdict = (await client.get(f"{G}/api/v1/verify/{code}")).json()
    assert verdict["holder"]["id_number_masked"] in html

    await client.post(f"{G}/api/v1/admin/proofs/{code}/revoke", headers=centre, json={"reason": "学习者申请作废"})
    html = (await client.get(urlsplit(qr).path)).text
    assert "该证明已撤销" in html and "学习者申请作废" in html and "证明有效" not in html


async def test_a_typed_code_is_tidied_and_an_unknown_one_explained(client):
    learner = await guangdong_learner(client)
    decided, _ = await gd_issued(client, learner)
    code = decided["proof_code"]
    form = await client.get(f"{G}/verify")
    assert form.status_code == 200 and 'name="code"' in form.text
    typed = await client.get(f"{G}/verify", params={"code": code.lower().replace("-", " ")})
    assert typed.status_code == 303 and typed.headers["location"] == f"{G}/verify/{code}"
    bad = await client.get(f"{G}/verify", params={"code": "12345"})
    assert bad.status_code == 400 and "16 位" in field_error(bad.text, "code")
    unknown = await client.get(f"{G}/verify/ABCD-EFGH-JKMN-PQRS")
    assert unknown.status_code == 404 and "没有编号为" in field_error(unknown.text, "code")
    assert (await client.get(f"/t/zhejiang/verify/{code}")).status_code == 404  # another tenant's proof
