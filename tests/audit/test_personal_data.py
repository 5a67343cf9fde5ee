"""Issue 19, item 5 (in part): a learner downloads a copy of their personal information (PIPL
Art. 45) — API and portal — and the download is audited; nobody else can have it."""

from __future__ import annotations

import io
import zipfile

import httpx
import msgspec

from core.accounts.tables import AuditEntry
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import zhejiang_learner
from tests.audit.test_audit_log import Z, reveal


async def test_a_learner_downloads_everything_held_about_them(client):
    learner, account = await zhejiang_learner(client)
    reviewer = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-pd")
    await reveal(client, reviewer, account["id"], "核对学习者身份")
    response = await client.get(f"{Z}/me/personal-data", headers=learner)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip" and "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"README.txt", "profile.json", "achievements.json", "applications.json",
                                       "notifications.json", "access_log.json"}
    profile = msgspec.json.decode(archive.read("profile.json"))
    assert profile["id"] == account["id"] and "*" in profile["id_number_masked"]
    views = msgspec.json.decode(archive.read("access_log.json"))
    assert [v["action"] for v in views] == ["learner.reveal_id_number"]
    assert "个人信息保护法" in archive.read("README.txt").decode()
    event = await AuditEntry.select().where(AuditEntry.action == "learner.export_data").first()
    assert event["actor_kind"] == "learner" and event["subject_id"] == account["id"]

    assert (await client.get(f"{Z}/me/personal-data", headers=reviewer)).status_code == 403
    assert (await client.get(f"{Z}/me/personal-data")).status_code == 401

    token = learner["Authorization"].removeprefix("Bearer ")
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url),
                                 cookies={"cb_session_zhejiang": token}) as browser:
        page = await browser.get("/t/zhejiang/me/privacy")
        assert 'href="/t/zhejiang/me/privacy/export"' in page.text
        copy = await browser.get("/t/zhejiang/me/privacy/export")
        assert copy.status_code == 200 and zipfile.ZipFile(io.BytesIO(copy.content)).read("profile.json")
