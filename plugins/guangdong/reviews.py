"""Who reviews what, in which order, and the shape of their opinions (manual parts 三 and 四).

- 业绩类 recognition (认定审核): the teaching-point admin, after checking the paper originals
  on site; opinion ``教学点：（名称） 审核人：（姓名） 意见：同意/不同意``.
- Rule conversion of 学历教育/职业资格证书/技师教育/培训类: 转换初审 by the teaching-point admin
  (same opinion format; may upload the complete evidence as a PDF, “转换初审材料”), then
  转换终审 by the professional committee (opinion ``审核人：部门+姓名``).
- 业绩类 conversion (业绩类转换审核): the professional committee only.
- 学习成果证明 (kind ``certificate``): the management centre (学分银行管理中心) reviews the
  learner's request and issues the proof of the outcomes chosen; opinion ``审核人：部门+姓名``.
- No review on store.
"""

from __future__ import annotations

from core.province import OpinionFormat, ReviewChain, ReviewStep
from plugins.guangdong.taxonomy import is_known, is_performance

TEACHING_POINT = "teaching_point"

_COLON = r"\s*[:：]\s*"
_SEP = r"[\s，,；;]*"

TEACHING_POINT_OPINION = OpinionFormat(
    name="teaching_point",
    # 教学点：X 审核人：X 意见：同意/不同意 — full-width or ASCII colons, any spacing; a reason
    # may follow the decision after a punctuation mark or a space.
    pattern=(
        r"\s*教学点" + _COLON + r"(\S.*?)" + _SEP
        + r"审核人" + _COLON + r"(\S.*?)" + _SEP
        + r"意见" + _COLON + r"(同意|不同意)(?:[\s，,。；;].*)?"
    ),
    example="教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意",
    description="格式：教学点：（名称） 审核人：（姓名） 意见：同意/不同意",
)

COMMITTEE_OPINION = OpinionFormat(
    name="committee",
    # 审核人：部门+姓名, the department and the name separated by a space.
    pattern=r"\s*审核人" + _COLON + r"(\S(?:.*\S)?)\s+(\S+)\s*",
    example="审核人：学分银行管理中心 明耀星",
    description="格式：审核人：部门+姓名（如：审核人：学分银行管理中心 明耀星）",
)

RECOGNITION_STEP = ReviewStep(
    name="recognition",
    label="认定审核",
    role="unit_admin",
    reviewer="ancestor_level",
    level=TEACHING_POINT,
    opinion=TEACHING_POINT_OPINION,
    materials="none",
    onsite_check=True,
)

INITIAL_STEP = ReviewStep(
    name="initial",
    label="转换初审",
    role="unit_admin",
    reviewer="ancestor_level",
    level=TEACHING_POINT,
    opinion=TEACHING_POINT_OPINION,
    materials="optional",  # “转换初审材料上传：请上传PDF格式的文件”
    onsite_check=True,
)

FINAL_STEP = ReviewStep(
    name="final",
    label="转换终审",
    role="committee",
    reviewer="tenant",
    opinion=COMMITTEE_OPINION,
    materials="none",
)

PERFORMANCE_CONVERSION_STEP = ReviewStep(
    name="performance_final",
    label="业绩类转换审核",
    role="committee",
    reviewer="tenant",
    opinion=COMMITTEE_OPINION,
    materials="none",
)

CERTIFICATE_STEP = ReviewStep(
    name="certificate_issue",
    label="管理中心出具学习成果证明",
    role="tenant_admin",
    reviewer="tenant",
    opinion=COMMITTEE_OPINION,
    materials="none",
)

RECOGNITION = ReviewChain(steps=[RECOGNITION_STEP])
CERTIFICATE = ReviewChain(steps=[CERTIFICATE_STEP])
CONVERSION = ReviewChain(steps=[INITIAL_STEP, FINAL_STEP])
PERFORMANCE_CONVERSION = ReviewChain(steps=[PERFORMANCE_CONVERSION_STEP])


def review_chain(kind: str, category: str, subtype: str) -> ReviewChain | None:
    if kind == "certificate":
        return CERTIFICATE  # not tied to one sub-type
    if not is_known(category, subtype):
        return None
    performance = is_performance(category, subtype)
    if kind == "recognition":
        # 业绩类 always applies. The catalog_auto sub-types are recognized on entry when they
        # match the catalog; a hand-typed one (“未查找到成果…来输入成果”) goes the same way.
        return RECOGNITION
    if kind == "conversion":
        return None if performance else CONVERSION
    if kind == "performance_conversion":
        return PERFORMANCE_CONVERSION if performance else None
    return None  # store_review: not offered in Guangdong
