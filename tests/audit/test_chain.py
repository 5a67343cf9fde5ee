"""Issue 19, item 2: the audit trail is append-only and chained per tenant, checkpoints are
signed; ``creditbank audit verify`` names the first altered, inserted or missing event."""

from __future__ import annotations

import asyncio

import pytest

from core.accounts.tables import AuditEntry
from core.audit import chain as hashing
from core.audit.tables import AuditCheckpoint, AuditHead
from tests.accounts.helpers import staff_headers
from tests.audit.helpers import chain_rows, cli, untriggered
from tests.audit.test_audit_log import Z, open_learner, reveal, two_branches


async def zhejiang_id(app) -> int:
    return (await app.state.tenants.get("zhejiang")).id


async def verified(settings, *args: str) -> tuple[int, str]:
    result = await cli(settings, "audit", "verify", *args)
    return result.exit_code, result.output


async def test_events_are_chained_checkpointed_and_verified(client, app, settings):
    await two_branches(client)
    zj = await zhejiang_id(app)
    rows = await chain_rows(zj)
    assert [r["chain_seq"] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 4
    assert rows[0]["prev_hash"] == hashing.GENESIS
    assert all(b["prev_hash"] == a["entry_hash"] for a, b in zip(rows, rows[1:], strict=False))
    window = next(r for r in rows if r["action"] == "learner.open_at_window")
    assert (window["actor_kind"], window["actor_role"], window["actor_unit"]) == ("staff", "unit_admin", "ZJ-S01")
    assert window["target_table"] == "account" and window["target_id"] == window["subject_id"]
    assert window["result"] == "done"

    made = await cli(settings, "audit", "checkpoint")
    assert made.exit_code == 0, made.output
    assert f"链 {zj}：第 {len(rows)} 条" in made.output
    point = await AuditCheckpoint.select().where(AuditCheckpoint.chain == zj).first()
    assert point["hash"] == rows[-1]["entry_hash"] and len(point["signature"]) == 88
    code, out = await verified(settings, "--tenant", "zhejiang")
    assert code == 0, out
    assert f"✓ 链 {zj}：{len(rows)} 条事件完好" in out and "检查点 1 个" in out


async def test_the_database_refuses_to_change_or_delete_an_event(client, app, settings):
    await two_branches(client)
    zj = await zhejiang_id(app)
    assert (await cli(settings, "audit", "checkpoint")).exit_code == 0
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.raw("UPDATE audit_entry SET detail = 'x' WHERE tenant_id = {}", zj)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.raw("DELETE FROM audit_entry WHERE tenant_id = {}", zj)
    with pytest.raises(Exception, match="append-only"):
        await AuditHead.raw("UPDATE audit_checkpoint SET hash = 'x'")
    with pytest.raises(Exception, match="append-only"):
        await AuditHead.raw("DELETE FROM audit_checkpoint")
    assert len(await chain_rows(zj)) >= 4


async def _tampered(settings, app, client, tamper) -> str:
    await two_branches(client)
    zj = await zhejiang_id(app)
    assert (await cli(settings, "audit", "checkpoint")).exit_code == 0
    rows = await chain_rows(zj)
    async with untriggered():
        await tamper(zj, rows)
    code, out = await verified(settings, "--tenant", "zhejiang")
    assert code == 1, out
    assert "完好" not in out
    return out


async def test_an_edited_event_is_named(client, app, settings):
    async def edit(zj, rows):
        await AuditEntry.raw("UPDATE audit_entry SET detail = {} WHERE tenant_id = {} AND chain_seq = 3", "改过的原因", zj)

    out = await _tampered(settings, app, client, edit)
    assert "第 3 条事件" in out and "被修改过" in out


async def test_an_edit_with_a_recomputed_hash_is_caught_by_the_next_link(client, app, settings):
    async def rehash(zj, rows):
        fields = hashing.sealed({**rows[1], "detail": "伪造"})
        await AuditEntry.raw("UPDATE audit_entry SET detail = '伪造', entry_hash = {} WHERE tenant_id = {} AND chain_seq = 2",
                             hashing.digest(fields), zj)

    out = await _tampered(settings, app, client, rehash)
    assert "第 3 条事件与前一条接不上" in out


async def test_a_deleted_event_is_named(client, app, settings):
    async def delete(zj, rows):
        await AuditEntry.raw("DELETE FROM audit_entry WHERE tenant_id = {} AND chain_seq = 2", zj)

    out = await _tampered(settings, app, client, delete)
    assert "缺少第 2 条事件" in out


async def test_a_deleted_last_event_is_caught_by_the_head_and_the_checkpoint(client, app, settings):
    async def delete_last(zj, rows):
        await AuditEntry.raw("DELETE FROM audit_entry WHERE tenant_id = {} AND chain_seq = {}", zj, rows[-1]["chain_seq"])
        await AuditEntry.raw("UPDATE audit_head SET seq = seq - 1, hash = {} WHERE chain = {}", rows[-2]["entry_hash"], zj)

    out = await _tampered(settings, app, client, delete_last)
    assert "已签名的检查点记录了" in out and "末尾的事件被删除" in out


async def test_a_renumbered_chain_is_caught(client, app, settings):
    async def renumber(zj, rows):
        # Make room at position 2 and slip in an event whose own hash is right and which links
        # to event 1: the positions are hashed, so every moved event gives it away.
        for row in reversed(rows[1:]):
            await AuditEntry.raw("UPDATE audit_entry SET chain_seq = chain_seq + 1 WHERE id = {}", row["id"])
        forged = {**rows[0], "chain_seq": 2, "prev_hash": rows[0]["entry_hash"], "detail": "从未发生"}
        forged["entry_hash"] = hashing.digest(hashing.sealed(forged))
        forged.pop("id")
        await AuditEntry.insert(AuditEntry(**forged))

    out = await _tampered(settings, app, client, renumber)
    assert "第 3 条事件" in out and "被修改过" in out


async def test_an_inserted_event_is_named(client, app, settings):
    forged_ids = []

    async def insert(zj, rows):
        # Without the unique index on positions, a second event 2 that hashes right and links
        # to event 1: the event after it cannot link to both.
        await AuditEntry.raw("DROP INDEX audit_entry_chain_seq")
        forged = {**rows[0], "chain_seq": 2, "prev_hash": rows[0]["entry_hash"], "detail": "从未发生"}
        forged["entry_hash"] = hashing.digest(hashing.sealed(forged))
        forged.pop("id")
        forged_ids.extend(r["id"] for r in await AuditEntry.insert(AuditEntry(**forged)).returning(AuditEntry.id))

    try:
        out = await _tampered(settings, app, client, insert)
        assert "第 2 条重复出现" in out and f"#{forged_ids[0]}" in out and "插入" in out
    finally:
        async with untriggered():
            await AuditEntry.raw("DELETE FROM audit_entry WHERE id = {}", forged_ids[0] if forged_ids else 0)
            await AuditEntry.raw("CREATE UNIQUE INDEX IF NOT EXISTS audit_entry_chain_seq ON audit_entry (chain, chain_seq)")


async def test_an_event_written_around_the_application_is_caught(client, app, settings):
    async def append(zj, rows):
        await AuditEntry.insert(AuditEntry(tenant_id=zj, action="learner.reveal_id_number", target="account:1",
                                           created_at=rows[-1]["created_at"]))

    out = await _tampered(settings, app, client, append)
    assert "不在本链中" in out and "绕过应用" in out


async def test_a_forged_checkpoint_is_caught(client, app, settings):
    async def forge(zj, rows):
        await AuditEntry.raw("UPDATE audit_checkpoint SET hash = {} WHERE chain = {}", rows[1]["entry_hash"], zj)

    out = await _tampered(settings, app, client, forge)
    assert "检查点签名无效" in out


async def test_concurrent_writers_do_not_fork_the_chain(client, app, settings):
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="window-c")
    learner, _ = await open_learner(client, window, "并发学员", "330102")
    await asyncio.gather(*[reveal(client, window, learner["id"], f"核对 {n}") for n in range(12)])
    zj = await zhejiang_id(app)
    rows = await chain_rows(zj)
    assert [r["chain_seq"] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 13
    assert all(b["prev_hash"] == a["entry_hash"] for a, b in zip(rows, rows[1:], strict=False))
    code, out = await verified(settings)
    assert code == 0, out
    assert (await client.get(f"{Z}/admin/audit", headers=window)).status_code == 200
