"""How reviews reacts to the events of the packages below it (registered by ``core.wiring``).

- ``OutcomeStored`` (achievements): an outcome reviewed on storing gets its review; one
  collected at a window, its recognition through the collecting unit.
- ``OutcomeDeleting`` (achievements): refused while an application or a proof rests on the
  outcome (``deletion_refusal``, which the outcome pages also call to say why beforehand).
- ``OutcomeVoided`` (achievements: a dispute upheld): its open applications are withdrawn.
- ``ProofIssued`` (certificates): the learner is told, with the proof's code.
"""

from __future__ import annotations

from core.accounts.tables import Account
from core.achievements.service import AchievementError
from core.achievements.tables import Achievement
from core.events import OutcomeDeleting, OutcomeStored, OutcomeVoided, ProofIssued, counted
from core.reviews.service import OPEN, open_collected_recognition, open_store_review, proof_issued_notice
from core.reviews.tables import Application, ProofRequestItem, ReviewRecord
from core.tenancy.context import TenantContext


async def deletion_refusal(tenant: TenantContext, row: dict) -> tuple[str, int | None] | None:
    """Why the outcome ``row`` may not be deleted, or None when it may: (message, the id of the
    open application to withdraw first, or None). An application (open or decided) or a proof
    that names the outcome would lose its source; only withdrawn applications let it go."""
    if row["source"] == "converted":
        return "转换所得的成果不能删除", None
    used = await Application.select(Application.id, Application.status, Application.kind).where(
        Application.tenant_id == tenant.id, Application.status != "withdrawn",
        (Application.achievement_id == row["id"]) | (Application.target_achievement_id == row["id"]))
    listed = await ProofRequestItem.select(ProofRequestItem.application_id).where(
        ProofRequestItem.tenant_id == tenant.id, ProofRequestItem.achievement_id == row["id"])
    if listed:
        used += await Application.select(Application.id, Application.status, Application.kind).where(
            Application.id.is_in([r["application_id"] for r in listed]), Application.status != "withdrawn")
    if open_ := next((a for a in used if a["status"] in OPEN), None):
        return "该成果正在审核中，不能删除；如不再需要，请先撤回该申请", open_["id"]
    if any(a["kind"] == "certificate" and a["status"] == "approved" for a in used):
        return "该成果已列入出具的学习成果证明，不能删除", None
    if used:
        return "该成果已有审核结论，审核记录以它为依据，不能删除", None
    if row["status"] == "applied":
        return "该成果正在审核中，不能删除", None
    return None


async def on_outcome_deleting(tenant: TenantContext, event: OutcomeDeleting) -> None:
    """``OutcomeDeleting`` → 409 with the reason (and the open application to withdraw first)."""
    if refusal := await deletion_refusal(tenant, event.row):
        raise AchievementError(refusal[0], 409, extra={"application_id": refusal[1]} if refusal[1] else None)


async def on_outcome_stored(tenant: TenantContext, event: OutcomeStored) -> None:
    """``OutcomeStored`` → an outcome whose sub-type is reviewed on storing gets its review,
    in the storing's transaction."""
    achievement_id = event.target_id or 0
    if event.collected_unit is not None:
        learner = await Account.select(Account.real_name).where(Account.id == event.learner_id).first()
        opened = await open_collected_recognition(tenant, event.learner_id, learner["real_name"] if learner else "",
                                                  achievement_id, event.category, event.subtype, event.collected_unit)
        if opened is None:  # the province reviews no such outcome: it waits for the learner
            await Achievement.update({Achievement.status: "unapplied"}).where(Achievement.id == achievement_id)
    elif event.status == "applied":
        await open_store_review(tenant, event.learner_id, achievement_id, event.category, event.subtype)


async def on_proof_issued(tenant: TenantContext, event: ProofIssued) -> None:
    """``ProofIssued`` → the learner's ``proof.issued`` notification, in the decision's
    transaction."""
    await proof_issued_notice(tenant, event)


async def on_outcome_voided(tenant: TenantContext, event: OutcomeVoided) -> None:
    """``OutcomeVoided`` → every open application on the outcome withdrawn, with a record."""
    # Locked until the transaction ends, so that what is taken back from the report's counters
    # is what the update below changes (SQLite: this transaction already holds the write lock).
    lock = " FOR UPDATE" if Application._meta.db.engine_type == "postgres" else ""
    open_ = [r["id"] for r in await Application.raw(
        "SELECT id FROM application WHERE tenant_id = {} AND achievement_id = {}"
        " AND status IN ('submitted', 'in_review')" + lock, tenant.id, event.target_id)]
    await counted(tenant.id, "application", open_, -1)  # their status moves: counted again below
    withdrawn = await Application.update({Application.status: "withdrawn", Application.updated_at: event.voided_at,
                                          Application.decided_at: event.voided_at, Application.claimed_by: None}).where(
        Application.tenant_id == tenant.id, Application.id.is_in(open_ or [0]),
        Application.status.is_in(list(OPEN))).returning(Application.id, Application.current_step)
    await counted(tenant.id, "application", open_)
    for app in withdrawn:
        await ReviewRecord.insert(ReviewRecord(
            tenant_id=tenant.id, application_id=app["id"], step=app["current_step"], step_name="dispute",
            decision="withdraw", opinion=f"学习者异议成立，成果作废：{event.opinion}"[:2000], actor_id=event.actor.id,
            actor_name=event.actor_name, unit_name=event.unit_name, materials="[]", created_at=event.voided_at))
