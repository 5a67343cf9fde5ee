"""我的学习档案 on the learner portal, as a browser without JavaScript uses it: the Zhejiang
learner downloads the signed record; the same person, logged in to Guangdong, uploads it —
refused while Guangdong does not trust Zhejiang, refused with the verdict on each credential
when one is tampered, imported once it is trusted and whole."""

from __future__ import annotations

import json

from tests.certificates.records import CET, guangdong_account, platform, trust, zhejiang_cet
from tests.web.helpers import field_error, portal_login, submit, table_rows


async def test_the_record_is_downloaded_in_zhejiang_and_imported_in_guangdong_on_the_pages(client):
    zj, account, _ = await zhejiang_cet(client)
    await portal_login(client, "zhejiang", account["id_number"], "Learner-2026")
    page = await client.get("/t/zhejiang/me/record")
    assert page.status_code == 200 and "我的学习档案" in page.text
    assert '<a href="/t/zhejiang/me/record">我的学习档案</a>' in (await client.get("/t/zhejiang/me")).text  # the menu
    assert [r[0] for r in table_rows(page.text, "record-outcomes")] == [CET]
    download = await client.get("/t/zhejiang/me/record/download")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    record = download.json()
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]

    await guangdong_account(client, account["id_number"])
    await portal_login(client, "guangdong", "xuzhiyuan", "gd2020pass")
    empty = await client.get("/t/guangdong/me/record")
    assert "您还没有已认定的学习成果" in empty.text and "暂无导入的成果" in empty.text

    def upload(document: dict) -> dict:
        return {"file": ("学习档案-zhejiang.json", json.dumps(document, ensure_ascii=False).encode(), "application/json")}

    untrusted = await submit(client, "/t/guangdong/me/record", "/t/guangdong/me/record/import", {}, upload(record))
    assert untrusted.status_code == 422 and "信任名单" in (field_error(untrusted.text, "file") or "")

    await trust(client, await platform(client), "guangdong", "zhejiang")
    tampered = json.loads(json.dumps(record))
    tampered["credentialSubject"]["verifiableCredential"][0]["name"] = "大学英语等级考试 (CET) 六级证书"
    refused = await submit(client, "/t/guangdong/me/record", "/t/guangdong/me/record/import", {}, upload(tampered))
    assert refused.status_code == 422 and "第 1 份成果凭证" in field_error(refused.text, "file")
    rows = table_rows(refused.text, "record-verdicts")
    assert rows[0][2] == "未通过" and "篡改" in rows[0][3]
    assert "暂无导入的成果" in refused.text

    not_json = await submit(client, "/t/guangdong/me/record", "/t/guangdong/me/record/import", {},
                            {"file": ("x.json", b"not json", "application/json")})
    assert not_json.status_code == 400 and "不是 JSON" in field_error(not_json.text, "file")

    imported = await submit(client, "/t/guangdong/me/record", "/t/guangdong/me/record/import", {}, upload(record))
    assert imported.status_code == 303, imported.text
    shown = await client.get(imported.headers["location"])
    assert "已导入 1 项成果" in shown.text
    rows = table_rows(shown.text, "record-imported")
    assert rows[0][0] == CET and rows[0][2] == "浙江省终身教育学分银行" and "可按转换规则申请转换" in rows[0][4]
    assert [r[0] for r in table_rows(shown.text, "record-outcomes")] == [CET]  # now in Guangdong's own record


async def test_an_outcome_guangdongs_catalog_does_not_know_is_imported_and_shown(client):
    from tests.certificates.helpers import add_from_catalog

    zj, account, _ = await zhejiang_cet(client)
    course = await add_from_catalog(client, "zhejiang", zj, "会计")
    record = (await client.get("/t/zhejiang/api/v1/me/record", headers=zj)).json()
    gd = await guangdong_account(client, account["id_number"])
    await trust(client, await platform(client), "guangdong", "zhejiang")
    imported = (await client.post("/t/guangdong/api/v1/me/imports/record", headers=gd, json=record)).json()["imported"]
    unknown = next(i for i in imported if i["name"] == course["name"])
    assert unknown["catalog_entry_id"] is None
    outcome = (await client.get(f"/t/guangdong/api/v1/me/achievements/{unknown['achievement_id']}", headers=gd)).json()
    assert (outcome["status"], outcome["source"], outcome["category_label"]) == ("recognized", "external", "学历教育")
    assert outcome["fields"]["source_credit_bank"] == "浙江省终身教育学分银行"
    await portal_login(client, "guangdong", "xuzhiyuan", "gd2020pass")
    detail = await client.get(f"/t/guangdong/me/achievements/{unknown['achievement_id']}")
    assert detail.status_code == 200 and course["name"] in detail.text and "跨行导入" in detail.text
    page = await client.get("/t/guangdong/me/record")
    rows = {r[0]: r[4] for r in table_rows(page.text, "record-imported")}
    assert rows[course["name"]] == "本学分银行名录中没有同名成果" and "可按转换规则申请转换" in rows[CET]
    assert (await client.get("/t/guangdong/me")).status_code == 200
