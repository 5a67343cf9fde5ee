"""Issue 19, item 4: events past the online period (at least 180 days) move to storage as
signed files before they leave the database; the chain still verifies, from the archive on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.accounts.tables import AuditEntry
from core.audit.tables import AuditArchive
from core.clock import utcnow
from core.settings import Settings, SettingsError
from tests.audit.helpers import chain_rows, cli
from tests.audit.test_audit_log import reveal, two_branches
from tests.audit.test_chain import verified, zhejiang_id


def stored(settings, key: str) -> Path:
    return Path(settings.storage_url.removeprefix("file://")) / key


async def test_archiving_moves_old_events_to_signed_files_and_the_chain_still_verifies(client, app, settings):
    world = await two_branches(client)
    zj = await zhejiang_id(app)
    before = await chain_rows(zj)
    assert (await cli(settings, "audit", "checkpoint")).exit_code == 0

    early = await cli(settings, "audit", "archive", "--now", (utcnow() + timedelta(days=179)).isoformat())
    assert early.exit_code == 0 and "没有超过保留期的事件" in early.output
    assert len(await chain_rows(zj)) == len(before)

    later = (utcnow() + timedelta(days=181)).isoformat()
    archived = await cli(settings, "audit", "archive", "--now", later)
    assert archived.exit_code == 0, archived.output
    assert f"链 {zj}：第 1–{len(before)} 条已归档到 {zj}/audit-archive/" in archived.output
    assert await chain_rows(zj) == []
    record = await AuditArchive.select().where(AuditArchive.chain == zj).first()
    assert (record["from_seq"], record["to_seq"], record["last_hash"]) == (1, len(before), before[-1]["entry_hash"])
    assert stored(settings, record["storage_key"]).read_bytes().count(b'"kind":"event"') == len(before)

    # The chain goes on from the archive; verify reads the file back and accepts the start.
    await reveal(client, world["hz_window"], world["hz"]["id"], "归档之后再次核对")
    after = await chain_rows(zj)
    assert after[0]["chain_seq"] == len(before) + 1 and after[0]["prev_hash"] == before[-1]["entry_hash"]
    code, out = await verified(settings, "--tenant", "zhejiang")
    assert code == 0, out
    assert f"已归档 {len(before)} 条" in out
    again = await cli(settings, "audit", "archive", "--now", (utcnow() + timedelta(days=179)).isoformat())
    assert again.output.strip() == "没有超过保留期的事件"  # what is archived is not archived twice

    # An event still online is not deletable: no archive covers it.
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.raw("DELETE FROM audit_entry WHERE tenant_id = {}", zj)

    path = stored(settings, record["storage_key"])
    original = path.read_bytes()
    path.write_bytes(original.replace("学习者到窗口办理业务".encode(), "什么也没有发生过啊啊".encode()))
    code, out = await verified(settings, "--tenant", "zhejiang")
    assert code == 1 and "归档文件" in out and "被修改过" in out
    path.unlink()
    code, out = await verified(settings, "--tenant", "zhejiang")
    assert code == 1 and "无法读取" in out and "归档丢失" in out
    code, out = await verified(settings, "--tenant", "zhejiang", "--no-archive-files")
    assert code == 0, out
    path.write_bytes(original)
    assert (await verified(settings, "--tenant", "zhejiang"))[0] == 0

    # The archive record is signed and append-only.
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.raw("UPDATE audit_archive SET to_seq = 1")
    storage_check = await cli(settings, "storage", "check")
    assert record["storage_key"] not in storage_check.output  # an archive file is not an orphan


def test_the_online_period_is_at_least_180_days(home):
    env = {"CREDITBANK_HOME": str(home), "CREDITBANK_SECRET_KEY": "k"}
    assert Settings.from_env({**env, "CREDITBANK_AUDIT_RETENTION_DAYS": "365"}).audit_retention_days == 365
    with pytest.raises(SettingsError, match="至少为 180"):
        Settings.from_env({**env, "CREDITBANK_AUDIT_RETENTION_DAYS": "90"})
