"""Check an audit export without the platform: ``creditbank audit verify-export FILE
--public-key KEY.pem`` (or ``python -m core.audit.offline FILE KEY.pem``). Needs the export and
the platform's public key (``creditbank audit public-key``), nothing else — no database, no
network.

An export (JSON Lines, ``core.audit.export``) holds, per chain, the selected events in full
(``"kind": "event"``: the fields as shown, and ``sealed``, the fields the hash covers), a
``link`` line (position, previous hash, hash; no content) for every other event between the
first selected one and the checkpoint, and the signed ``checkpoint`` that ends the run. It is
intact when every event hashes to its hash, every line links to the one before it without a
gap, the last one is the checkpoint's and the checkpoint's signature is the platform key's —
so no event of the file was changed, and none between them was left out or slipped in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.audit import chain as hashing
from core.audit import signing

FORMAT = "creditbank-audit-export/1"


@dataclass
class ExportReport:
    intact: bool
    message: str
    events: int = 0


def verify_lines(lines: list[bytes], public: Ed25519PublicKey) -> ExportReport:
    """Verify an export's lines against the platform's public key."""
    try:
        items = [msgspec.json.decode(line) for line in lines if line.strip()]
    except msgspec.DecodeError as exc:
        return ExportReport(False, f"文件不是有效的 JSON Lines：{exc}")
    if not items or items[0].get("kind") != "header" or items[0].get("format") != FORMAT:
        return ExportReport(False, f"文件第一行不是 {FORMAT} 的文件头：不是审计日志导出文件，或被截断")
    keys = {signing.key_id(public): public}
    runs: dict[int, list[dict]] = {}
    points: dict[int, dict] = {}
    for item in items[1:]:
        kind = item.get("kind")
        if kind in ("event", "link"):
            runs.setdefault(int(item.get("chain", -1)), []).append(item)
        elif kind == "checkpoint":
            points[int(item["chain"])] = item
        else:
            return ExportReport(False, f"无法识别的行：{kind!r}")
    if not runs:
        return ExportReport(True, "导出文件中没有事件")
    total = 0
    parts = []
    for chain, run in sorted(runs.items()):
        point = points.get(chain)
        if point is None:
            return ExportReport(False, f"链 {chain} 没有检查点：无法证明这些事件来自平台")
        try:
            statement = signing.checkpoint_statement(point)
        except (KeyError, TypeError, ValueError):
            return ExportReport(False, f"链 {chain} 的检查点格式不对")
        if not signing.signed_by(keys, point.get("key_id", ""), point.get("signature", ""), statement):
            return ExportReport(False, f"链 {chain} 的检查点签名与平台公钥不符：检查点被伪造或修改，或公钥不对")
        run.sort(key=lambda r: int(r.get("chain_seq", 0)))
        prev = None
        expected = int(run[0]["chain_seq"])
        for item in run:
            seq = int(item["chain_seq"])
            if seq != expected:
                word = "重复" if seq < expected else "缺失"
                return ExportReport(False, f"链 {chain} 第 {min(seq, expected)} 条{word}：导出文件被删改")
            if item["kind"] == "event":
                fields = item.get("sealed") or {}
                if fields.get("chain_seq") != seq or fields.get("chain") != chain or hashing.digest(fields) != item["hash"]:
                    return ExportReport(False, f"链 {chain} 第 {seq} 条事件的内容与其哈希不符：被修改过")
                shown = {"action": fields["action"], "target": fields["target"], "client": fields["client"],
                         "reason": fields["detail"]}
                if any(item.get(k) != v for k, v in shown.items()) or \
                        hashing.at_text(item.get("at", "")) != fields["created_at"]:
                    return ExportReport(False, f"链 {chain} 第 {seq} 条事件显示的内容与签名覆盖的内容不符")
                link = fields["prev_hash"]
                total += 1
            else:
                link = item.get("prev_hash")
            if prev is not None and link != prev:
                return ExportReport(False, f"链 {chain} 第 {seq} 条与前一条接不上：导出文件被删改")
            prev, expected = item["hash"], seq + 1
        if expected - 1 != int(point["seq"]) or prev != point["hash"]:
            return ExportReport(False, f"链 {chain} 的事件没有连到检查点（第 {point['seq']} 条）：导出文件被截断或删改")
        parts.append(f"链 {chain} 第 {run[0]['chain_seq']}–{point['seq']} 条（检查点签于 {point['signed_at']}，"
                     f"密钥 {point['key_id']}）")
    return ExportReport(True, f"{total} 条事件完好，与平台签名的检查点一致：" + "；".join(parts), total)


def verify_file(path: Path, key_path: Path) -> ExportReport:
    try:
        public = signing.load_public_pem(key_path.read_bytes())
    except ValueError as exc:
        return ExportReport(False, f"无法读取公钥 {key_path}：{exc}")
    return verify_lines(path.read_bytes().splitlines(), public)


if __name__ == "__main__":  # python -m core.audit.offline FILE KEY.pem
    result = verify_file(Path(sys.argv[1]), Path(sys.argv[2]))
    print(("✓ " if result.intact else "✗ ") + result.message)
    sys.exit(0 if result.intact else 1)
