"""Certificate applications: the outcomes a learner chooses to have listed in the proof the
application asks for (``ProofRequestItem``), and the code of the proof an approved one got.

Reviews owns the application and its list; certificates issues the proof on the final
approval (``ApplicationDecided``) and reads the list from here.
"""

from __future__ import annotations

from core import db
from core.achievements.tables import Achievement
from core.errors import DomainError
from core.reviews.tables import ProofRequestItem
from core.tenancy.context import TenantContext

MAX_OUTCOMES = 50
USABLE = ("catalog", "recognized")  # 名录成果, and outcomes recognized by review or by conversion


class ProofRequestError(DomainError):
    """A proof request that cannot be honoured (Chinese message, HTTP status)."""


async def check_outcomes(tenant: TenantContext, learner_id: int, ids: list[int] | None) -> list[int]:
    """The outcomes a certificate application lists, deduplicated in the order chosen, after
    checking each is the learner's and recognized (名录, 已认定 or converted)."""
    chosen = list(dict.fromkeys(ids or []))
    if not chosen:
        raise ProofRequestError("请选择要列入证明的学习成果", 400, extra={"field": "achievement_ids"})
    if len(chosen) > MAX_OUTCOMES:
        raise ProofRequestError(f"一份证明最多列入 {MAX_OUTCOMES} 项学习成果", 400, extra={"field": "achievement_ids"})
    rows = {r["id"]: r for r in await Achievement.select(Achievement.id, Achievement.name, Achievement.status).where(
        Achievement.tenant_id == tenant.id, Achievement.learner_id == learner_id, Achievement.id.is_in(chosen))}
    for achievement_id in chosen:
        row = rows.get(achievement_id)
        if row is None:
            raise ProofRequestError(f"未找到成果（编号 {achievement_id}）", 404, extra={"field": "achievement_ids"})
        if row["status"] not in USABLE:
            raise ProofRequestError(f"成果“{row['name']}”尚未认定，不能列入证明", 409, extra={"field": "achievement_ids"})
    return chosen


async def add_items(tenant_id: int, application_id: int, achievement_ids: list[int]) -> None:
    await ProofRequestItem.insert(*[
        ProofRequestItem(tenant_id=tenant_id, application_id=application_id, achievement_id=a, position=i)
        for i, a in enumerate(achievement_ids)])


async def listed_outcomes(application_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Application id → ``[(achievement id, name)]`` of the outcomes it lists, in order (a
    deleted outcome keeps its id, with an empty name)."""
    if not application_ids:
        return {}
    items = await ProofRequestItem.select(ProofRequestItem.application_id, ProofRequestItem.achievement_id).where(
        ProofRequestItem.application_id.is_in(application_ids)).order_by(ProofRequestItem.position)
    names = {a["id"]: a["name"] for a in await Achievement.select(Achievement.id, Achievement.name).where(
        Achievement.id.is_in([i["achievement_id"] for i in items] or [0]))}
    out: dict[int, list[tuple[int, str]]] = {}
    for item in items:
        out.setdefault(item["application_id"], []).append((item["achievement_id"], names.get(item["achievement_id"], "")))
    return out


async def proof_codes(application_ids: list[int]) -> dict[int, str]:
    """Application id → the code of the proof it was issued. Reads certificates' ``proof``
    table by name: reviews sits below certificates and imports none of it (docs/architecture.md,
    "Reads across layers")."""
    if not application_ids:
        return {}
    marks = ", ".join(f"${n}" for n in range(1, len(application_ids) + 1))
    rows = await db.fetch(ProofRequestItem, f"SELECT application_id, code FROM proof WHERE application_id IN ({marks})",
                          *application_ids)
    return {r["application_id"]: r["code"] for r in rows}
