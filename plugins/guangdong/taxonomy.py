"""The Guangdong achievement taxonomy: table 1 (categories and sub-types), table 2 (fields,
系统自动录入 = ``from_catalog=True``, 手动填写 = ``from_catalog=False``) and table 3 (evidence)
of the 广东终身教育学分银行 user manual.

Recognition: 学历教育, 职业资格证书, 技师教育 and 培训类 outcomes found in the catalog are
recognized on entry (名录成果); every 业绩类 sub-type is stored unapplied and the learner
applies for recognition at the teaching point. Conversion: the former by a published rule
(转换初审 → 转换终审); 业绩类 by picking the target from the catalog (业绩类成果转换申请).
"""

from __future__ import annotations

from core.province import Category, Evidence, Field, FileType, Subtype, Taxonomy

# 层次: "小学到博士共七级".
LEVELS = ["小学", "初中", "高中(中职)", "专科", "本科", "硕士", "博士"]

# Learners upload pictures (“上传附件格式为jpg, png, gif”).
IMAGES: list[FileType] = ["jpg", "png", "gif"]


def _catalog(name: str, label: str, **kw) -> Field:
    """A field filled from the chosen catalog (名录) entry (系统自动录入)."""
    return Field(name=name, label=label, from_catalog=True, **kw)


def _manual(name: str, label: str, **kw) -> Field:
    """A field the learner types in (手动填写)."""
    return Field(name=name, label=label, from_catalog=False, **kw)


def _description() -> Field:
    # “成果描述” appears, unstarred, on every add/detail screen of the manual.
    return Field(name="description", label="成果描述", type="textarea", required=False)


def _level(label: str = "层次") -> Field:
    return _catalog("level", label, type="select", options=list(LEVELS))


# ---------------------------------------------------------------- 学历教育

COURSE = Subtype(
    code="course",
    label="课程",
    fields=[
        _catalog("achievement_name", "成果名称"),
        _catalog("school_name", "学校名称"),
        _catalog("course_name", "课程名称"),
        _catalog("course_code", "课程号"),
        _catalog("major", "专业"),
        _level(),
        _catalog("credits", "课程学分", type="number"),
        _manual("obtained_on", "获取时间", type="date"),
        _manual("score", "成绩"),
        _description(),
    ],
    evidence=[
        Evidence(name="transcript", label="单科合格证书（或成绩单）", required=True, file_types=IMAGES),
        Evidence(name="syllabus", label="课程教材（或教学大纲）", required=False, file_types=IMAGES),
    ],
    recognition="catalog_auto",
    conversion="rule",
)


def _certificate_subtype(code: str, label: str) -> Subtype:
    """毕业证书 and 学位证书 share table 2's row; each asks for its own certificate."""
    return Subtype(
        code=code,
        label=label,
        fields=[
            _catalog("achievement_name", "成果名称"),
            _catalog("issuer", "颁发机构"),
            _catalog("major", "专业"),
            _level(),
            _catalog("education_type", "类型", help="教育类型"),
            _catalog("grade", "等级"),
            _manual("certificate_no", "电子注册号/证书编号"),
            _manual("obtained_on", "获取时间", type="date"),
            _description(),
        ],
        evidence=[Evidence(name="certificate", label=label, required=True, file_types=IMAGES)],
        recognition="catalog_auto",
        conversion="rule",
    )


DIPLOMA = _certificate_subtype("diploma", "毕业证书")
DEGREE = _certificate_subtype("degree", "学位证书")

ACADEMIC = Category(
    code="academic",
    label="学历教育",
    subtypes=[DIPLOMA, DEGREE, COURSE],
)

# ---------------------------------------------------------------- 职业资格证书

VOCATIONAL_QUALIFICATION = Category(
    code="vocational_qualification",
    label="职业资格证书",
    subtypes=[
        Subtype(
            code="vocational_qualification",
            label="职业资格证书",
            fields=[
                _catalog("certificate_name", "证书名称"),
                _catalog("appraisal_body", "职业技能鉴定机构名称"),
                _catalog("certificate_grade", "证书等级"),
                _catalog("occupation", "职业(工种)"),
                _catalog("education_level", "文化程度"),
                _manual("certificate_no", "证书编号"),
                _manual("issued_on", "发证日期", type="date"),
                _description(),
            ],
            evidence=[
                Evidence(
                    name="certificate",
                    label="职业资格证书（证书原件扫描件或照片）",
                    required=True,
                    file_types=IMAGES,
                ),
            ],
            recognition="catalog_auto",
            conversion="rule",
        ),
    ],
)

# ---------------------------------------------------------------- 技师教育

TECHNICIAN = Category(
    code="technician",
    label="技师教育",
    subtypes=[
        Subtype(
            code="technician",
            label="技师教育",
            fields=[
                _catalog("certificate_name", "证书名称"),
                _catalog("major_name", "专业名称"),
                _catalog("technician_grade", "技师教育等级"),
                _manual("certificate_no", "证书编号"),
                _manual("issued_on", "发证时间", type="date"),
                _manual("study_period", "学习时间", help="如 2018-09 至 2020-07"),
                _description(),
            ],
            evidence=[
                Evidence(name="technician_proof", label="技工教育相关证明材料", required=True, file_types=IMAGES),
            ],
            recognition="catalog_auto",
            conversion="rule",
        ),
    ],
)

# ---------------------------------------------------------------- 其他类_培训业绩等

TRAINING = Subtype(
    code="training",
    label="培训类",
    fields=[
        _catalog("training_name", "培训名称"),
        _catalog("training_provider", "培训机构"),
        _catalog("provider_code", "机构代码"),
        _manual("certificate_no", "证书编号"),
        _manual("obtained_on", "获取时间", type="date"),
        _description(),
    ],
    evidence=[Evidence(name="training_proof", label="培训证明", required=True, file_types=IMAGES)],
    recognition="catalog_auto",
    conversion="rule",
)

# 业绩类 sub-types: (code, label, evidence label). Table 3 lists “培训证明；获奖证书；工作证明等”
# for the whole category; each sub-type asks for the document that fits it.
_PERFORMANCE = [
    ("perf_competition", "业绩类-竞赛奖励", "获奖证书"),
    ("perf_research", "业绩类-科学研究", "业绩证明材料（如获奖证书、工作证明等）"),
    ("perf_innovation", "业绩类-创新创业", "业绩证明材料（如获奖证书、工作证明等）"),
    ("perf_social_service", "业绩类-社会服务", "业绩证明材料（如获奖证书、工作证明等）"),
    ("perf_cultural_heritage", "业绩类-文化传承", "业绩证明材料（如获奖证书、工作证明等）"),
    ("perf_work_experience", "业绩类-工作经历", "工作证明"),
    ("perf_professional_title", "业绩类-职称证书", "职称证书"),
]

PERFORMANCE_CODES = frozenset(code for code, _, _ in _PERFORMANCE)


def _performance_subtype(code: str, label: str, evidence_label: str) -> Subtype:
    return Subtype(
        code=code,
        label=label,
        fields=[
            _manual("achievement_name", "业绩名称"),
            # The manual's own records show these two left blank (来源机构/取得时间 “-”).
            _manual("completing_unit", "业绩完成单位", required=False),
            _manual(
                "completed_on",
                "业绩完成时间",
                type="date",
                required=False,
                help="如获奖日期、工作日期、证书获得日期等",
            ),
            _description(),
        ],
        evidence=[
            Evidence(
                name="performance_proof",
                label=evidence_label,
                required=True,
                file_types=IMAGES,
            ),
        ],
        recognition="apply",
        conversion="catalog_pick",
        description="需申请认定：提交后携带成果证明材料纸质原件到所在教学点现场审查。",
    )


OTHER = Category(
    code="other",
    label="其他类_培训业绩等",
    subtypes=[TRAINING, *(_performance_subtype(*row) for row in _PERFORMANCE)],
)

TAXONOMY = Taxonomy(categories=[ACADEMIC, VOCATIONAL_QUALIFICATION, TECHNICIAN, OTHER])


def is_performance(category: str, subtype: str) -> bool:
    """True for the 业绩类 sub-types of 其他类_培训业绩等."""
    return category == OTHER.code and subtype in PERFORMANCE_CODES


def is_known(category: str, subtype: str) -> bool:
    return TAXONOMY.subtype(category, subtype) is not None
