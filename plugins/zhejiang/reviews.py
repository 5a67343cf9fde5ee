"""Who reviews what in Zhejiang, and the shape of their opinions (seed 004, 二.2).

The acceptance point “受理开户申请，负责身份认证、信息录入、各级各类学习成果存入与转换申请、
学习成果证明开具申请，审核并提交相应的上级机构复审”. Every application therefore runs two steps:

1. 受理点审核 — the unit where the learner's account was opened (``own_unit``: normally an
   acceptance point; a sub-centre or branch where it runs the window itself) checks the paper
   originals on site and gives a ``受理点：X 经办人：X 意见：同意/不同意`` opinion;
2. 上级复审 — the parent unit re-reviews (``parent``): the sub-centre above an acceptance
   point, the branch above a sub-centre that runs its own window, the centre above the three
   sub-centres that hang directly under it. Opinion ``复审单位：X 复审人：X 意见：同意/不同意``.

This holds for recognition (认定), conversion (转换) and the learning-outcome proof
(学习成果证明开具申请, kind ``certificate``). Zhejiang has no 业绩类 conversion by catalog pick
(``performance_conversion``) and no review on store (``store_review``): both return ``None``.
Catalog matches of certificates and courses are recognized on entry and never reach a
recognition chain; the chain is there for the hand-typed ones, social training and 业绩 items.
"""

from __future__ import annotations

from core.province import OpinionFormat, RefusalReason, ReviewChain, ReviewPolicy, ReviewStep
from plugins.zhejiang.taxonomy import TAXONOMY

_COLON = r"\s*[:：]\s*"
_SEP = r"[\s，,；;]*"
# 同意/不同意, optionally followed (after punctuation or a space) by a reason.
_DECISION = r"意见" + _COLON + r"(同意|不同意)(?:[\s，,。；;].*)?"

ACCEPTANCE_OPINION = OpinionFormat(
    name="acceptance_point",
    # 受理点：X 经办人：X 意见：同意/不同意. “受理单位” is accepted too, for a sub-centre or
    # branch that runs the window itself.
    pattern=(
        r"(?s)\s*受理(?:点|单位)" + _COLON + r"(\S.*?)" + _SEP
        + r"经办人" + _COLON + r"(\S.*?)" + _SEP
        + _DECISION
    ),
    example="受理点：义乌市稠城街道社区学校受理点 经办人：王丽 意见：同意",
    description="格式：受理点：（名称） 经办人：（姓名） 意见：同意/不同意（不同意时请在其后写明理由）",
)

REVIEW_OPINION = OpinionFormat(
    name="re_review",
    pattern=(
        r"(?s)\s*复审单位" + _COLON + r"(\S.*?)" + _SEP
        + r"复审人" + _COLON + r"(\S.*?)" + _SEP
        + _DECISION
    ),
    example="复审单位：浙江学分银行金华市义乌分中心 复审人：陈明 意见：同意",
    description="格式：复审单位：（名称） 复审人：（姓名） 意见：同意/不同意（不同意时请在其后写明理由）",
)


# Why an acceptance point refuses, counted in the units' reports (受理点 checks identity and the
# paper originals at the window).
ACCEPTANCE_REFUSALS = [
    RefusalReason(code="originals", label="未提供纸质原件或原件与录入信息不一致"),
    RefusalReason(code="identity", label="身份信息核验不一致"),
    RefusalReason(code="incomplete", label="材料不齐全"),
    RefusalReason(code="not_eligible", label="不属于可认定的学习成果"),
]


def _acceptance_step(label: str, materials_label: str) -> ReviewStep:
    return ReviewStep(
        name="acceptance_review",
        label=label,
        role="unit_admin",
        reviewer="own_unit",
        opinion=ACCEPTANCE_OPINION,
        materials="optional",
        materials_label=materials_label,
        materials_file_types=["pdf", "jpg", "png"],
        onsite_check=True,  # 身份认证 and the originals are checked at the window
        refusal_reasons=ACCEPTANCE_REFUSALS,
    )


def _re_review_step(label: str) -> ReviewStep:
    return ReviewStep(
        name="re_review",
        label=label,
        role="unit_admin",
        reviewer="parent",  # 上级机构复审: the unit above the one that took the application
        opinion=REVIEW_OPINION,
        materials="none",
    )


RECOGNITION = ReviewChain(
    steps=[_acceptance_step("受理点认定审核", "认定审核材料"), _re_review_step("上级机构认定复审")]
)
CONVERSION = ReviewChain(
    steps=[_acceptance_step("受理点转换审核", "转换审核材料"), _re_review_step("上级机构转换复审")]
)
CERTIFICATE = ReviewChain(
    steps=[_acceptance_step("受理点证明开具审核", "证明开具审核材料"), _re_review_step("上级机构证明开具复审")]
)


def review_chain(kind: str, category: str, subtype: str) -> ReviewChain | None:
    if kind == "certificate":
        return CERTIFICATE  # 学习成果证明开具申请: not tied to one sub-type
    sub = TAXONOMY.subtype(category, subtype)
    if sub is None:
        return None
    if kind == "recognition":
        return RECOGNITION
    if kind == "conversion":
        return CONVERSION if sub.conversion == "rule" else None
    return None  # performance_conversion, store_review: not offered in Zhejiang


# An outcome an acceptance point collects (信息采集: 社会培训成果 entered or imported at the
# window) goes to recognition at once: the acceptance point that took the originals reviews it
# first and its parent unit re-reviews (“审核并提交相应的上级机构复审”); the rest is core's default.
POLICY = ReviewPolicy(collected_recognition="submit")
