"""Issue 19, item 3: an export in JSON Lines carries the checkpoint that covers it, and
``creditbank audit verify-export`` checks it with nothing but the file and the public key."""

from __future__ import annotations

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.audit.signing import public_pem
from tests.accounts.helpers import staff_headers
from tests.audit.helpers import cli
from tests.audit.test_audit_log import log, two_branches


async def exported(client, headers: dict, tmp_path, name: str, **params) -> tuple[list[dict], object]:
    response = await log(client, headers, format="jsonl", **params)
    assert response.status_code == 200, response.text
    path = tmp_path / name
    path.write_bytes(response.content)
    return [msgspec.json.decode(line) for line in response.content.splitlines()], path


async def verify_export(settings, path, key) -> tuple[int, str]:
    result = await cli(settings, "audit", "verify-export", str(path), "--public-key", str(key))
    return result.exit_code, result.output


def rewrite(path, items: list[dict]) -> None:
    path.write_bytes(b"".join(msgspec.json.encode(item) + b"\n" for item in items))


async def test_an_export_verifies_offline_and_any_change_to_it_is_caught(client, settings, tmp_path):
    world = await two_branches(client)
    key = tmp_path / "platform.pem"
    printed = await cli(settings, "audit", "public-key")
    assert printed.exit_code == 0 and printed.output.startswith("-----BEGIN PUBLIC KEY-----")
    key.write_text(printed.output)

    items, path = await exported(client, world["centre"], tmp_path, "all.jsonl")
    assert items[0]["kind"] == "header" and items[-1]["kind"] == "checkpoint"
    events = [i for i in items if i["kind"] == "event"]
    assert len(events) >= 4 and all(i["sealed"]["chain_seq"] == i["chain_seq"] for i in events)
    code, out = await verify_export(settings, path, key)
    assert code == 0, out
    assert f"{len(events)} 条事件完好" in out

    # A unit admin's export: the other unit's events are only links, and it still verifies.
    branch = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hz-branch")
    mine, mine_path = await exported(client, branch, tmp_path, "branch.jsonl")
    assert {i["kind"] for i in mine} == {"header", "event", "link", "checkpoint"}
    assert "甬学员" not in mine_path.read_text() and "window-s14" not in mine_path.read_text()
    assert (await verify_export(settings, mine_path, key))[0] == 0
    filtered, filtered_path = await exported(client, world["centre"], tmp_path, "reveal.jsonl",
                                             action="learner.reveal_id_number")
    assert [i["action"] for i in filtered if i["kind"] == "event"] == ["learner.reveal_id_number"] * 2
    assert (await verify_export(settings, filtered_path, key))[0] == 0

    def first_event(changed: list[dict]) -> dict:
        return next(i for i in changed if i["kind"] == "event")

    cases = []
    edited = [dict(i) for i in items]
    first_event(edited)["sealed"] = {**first_event(edited)["sealed"], "detail": "改过"}
    cases.append((edited, "内容与其哈希不符"))
    shown = [dict(i) for i in items]
    first_event(shown)["reason"] = "改过"
    cases.append((shown, "显示的内容与签名覆盖的内容不符"))
    dropped = [i for n, i in enumerate(items) if n != 2]
    cases.append((dropped, "缺失"))
    truncated = items[:-2] + items[-1:]
    cases.append((truncated, "没有连到检查点"))
    forged = [dict(i) for i in items]
    forged[-1] = {**forged[-1], "seq": forged[-1]["seq"] + 1}
    cases.append((forged, "签名与平台公钥不符"))
    cases.append((items[1:], "文件头"))
    for changed, message in cases:
        rewrite(path, changed)
        code, out = await verify_export(settings, path, key)
        assert code == 1 and message in out, (message, out)
        assert "完好" not in out

    rewrite(path, items)
    other = tmp_path / "other.pem"
    other.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    code, out = await verify_export(settings, path, other)
    assert code == 1 and "公钥" in out
