"""Who reviews what on the national OUC platform (seed 001, 附件1/2 part 二 and Q4–Q5).

- store_review (存储审核): every stored outcome — of all three families — is reviewed within
  10 working days by the learning-outcome certification centre (学习成果认证中心) of the
  learner's province; a reviewed outcome appears under “我的学习成果”.
- conversion (学习成果转换): only where a published rule exists (转换规则名录). The learner
  applies to the local certification centre, which reviews the application and, on approval,
  issues a 学习成果认证证明; the learner takes that proof to the target issuing body, which
  carries out the final conversion. 无定式 outcomes have no rules yet (认证办法另行制定).
- certificate (学习成果认证证明): issued by the certification centre.
- No separate recognition application (storing is the review) and no conversion without a rule
  (Q5: store it and wait for a rule).

The chains are built by ``make_chains`` so that a province running on this platform (Gansu)
routes the same steps to its own reviewing level.
"""

from __future__ import annotations

import msgspec

from core.province import OpinionFormat, ReviewChain, ReviewStep, Taxonomy
from plugins.national_ouc.taxonomy import REVIEW_DAYS, TAXONOMY

REVIEW_LEVEL = "provincial_center"

# 审核意见：同意[，说明] | 审核意见：不同意，理由 — a fixed prefix, the decision, and a reason that
# is optional when agreeing and required when refusing. Who reviewed, at which step and when is
# kept by the review record itself, so the opinion does not repeat the reviewer's name; it is
# what the learner reads in the e-mail, so a refusal must say what to correct.
OPINION_PATTERN = (
    r"(?s)\s*审核意见\s*[:：]\s*"
    r"(?:同意(?:[，,。；;\s]\s*(?P<note>\S.*?))?"
    r"|不同意[，,。；;\s]\s*(?P<reason>\S.*?))\s*"
)
OPINION_DESCRIPTION = (
    "格式：审核意见：同意（可附说明）或 审核意见：不同意，理由。"
    "冒号全角、半角均可；不同意时必须写明理由（如证书信息与扫描件不符、扫描件不清晰），"
    "以便学习者修改后重新提交。"
)


def opinion(name: str, example: str) -> OpinionFormat:
    return OpinionFormat(name=name, pattern=OPINION_PATTERN, example=example, description=OPINION_DESCRIPTION)


class Chains(msgspec.Struct, frozen=True, kw_only=True):
    store_review: ReviewChain
    conversion: ReviewChain
    certificate: ReviewChain


def make_chains(
    *,
    level: str,
    store_label: str,
    conversion_label: str,
    certificate_label: str,
    store_example: str = "审核意见：同意。证书信息与扫描件一致，予以存储。",
    conversion_example: str = "审核意见：同意。符合已发布的转换规则，出具学习成果认证证明。",
    certificate_example: str = "审核意见：同意，出具学习成果认证证明。",
) -> Chains:
    """The three chains of the platform, every step reviewed by the unit admins of the
    nearest unit at ``level`` above (or at) the learner's unit."""
    store = ReviewStep(
        name="store_review",
        label=store_label,
        role="unit_admin",
        reviewer="ancestor_level",
        level=level,
        opinion=opinion("store_review", store_example),
        materials="none",  # the learner's certificate scan is already attached
        days=REVIEW_DAYS,
    )
    conversion = ReviewStep(
        name="conversion_review",
        label=conversion_label,
        role="unit_admin",
        reviewer="ancestor_level",
        level=level,
        opinion=opinion("conversion_review", conversion_example),
        materials="optional",
        materials_label="转换审核材料",
    )
    certificate = ReviewStep(
        name="certificate_issue",
        label=certificate_label,
        role="unit_admin",
        reviewer="ancestor_level",
        level=level,
        opinion=opinion("certificate_issue", certificate_example),
        materials="none",
    )
    return Chains(
        store_review=ReviewChain(steps=[store]),
        # Q4: the centre's approval ends in a 学习成果认证证明 the learner takes to the target
        # institution; nothing is added to the account here.
        conversion=ReviewChain(steps=[conversion], outcome="issue_proof"),
        certificate=ReviewChain(steps=[certificate]),
    )


CHAINS = make_chains(
    level=REVIEW_LEVEL,
    store_label="学习成果认证中心存储审核",
    conversion_label="学习成果认证中心转换审核",
    certificate_label="学习成果认证中心出具认证证明",
)


def review_chain(
    chains: Chains, kind: str, category: str, subtype: str, taxonomy: Taxonomy = TAXONOMY
) -> ReviewChain | None:
    """The chain for ``kind``, decided by the sub-type's recognition and conversion modes."""
    if kind == "certificate":
        return chains.certificate
    sub = taxonomy.subtype(category, subtype)
    if sub is None:
        return None
    if kind == "store_review":
        return chains.store_review if sub.recognition == "review_on_store" else None
    if kind == "conversion":
        return chains.conversion if sub.conversion == "rule" else None
    return None  # recognition: storing is the review; performance_conversion: not offered
