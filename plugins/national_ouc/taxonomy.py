"""The national OUC credit bank's learning-outcome taxonomy (seed 001, Q3).

Three outcome families (学习成果类型):

- 学历教育学习成果 — obtained at institutions of the national education series, "主要以课程
  形式呈现": 毕业证书、学位证书、课程结业证书、肄业证书, plus 课程 (course credits);
- 非学历教育学习成果 — "以项目结合课程形式呈现": 国家职业资格证书、国家等级考试证书、
  岗位技能培训证书、培训项目;
- 无定式学习成果 (无一定形式学习成果) — "以非课程非项目形式呈现": 工作经验、工作经历、
  工作技能、技术创新、技术成果、发表作品、文化传承、竞赛奖励. "无定式学习成果的认证办法
  另行制定": they can be stored (and are reviewed on store) but not converted.

Adding an outcome (存储): the learner clicks “选择证书”, picks the certificate from the list
(``from_catalog`` fields are filled from it), completes the other items (certificate number,
date obtained, score...: typed in) and clicks “提交审批”. A certificate that is not in the list
is stored through “其他”: the learner then types every field, the catalog ones included. Every
stored outcome is reviewed within 10 working days (``review_on_store``); a reviewed one shows
under “我的学习成果”. Evidence: a clear scan or photo of the certificate (jpg/png/gif).

Conversion goes by a published rule (转换规则名录) for the 学历 and 非学历 families; there are
no rules for 无定式 outcomes yet.
"""

from __future__ import annotations

from core.province import Category, Conversion, Evidence, Field, FileType, Subtype, Taxonomy

# Learners upload pictures.
IMAGES: list[FileType] = ["jpg", "png", "gif"]

# Stored outcomes are reviewed “在10个工作日内”.
REVIEW_DAYS = 10

# The portal's words: the catalog is searched with 查询 and picked in the 成果选择 list.
_CATALOG_HELP = "在上方查询名录、从“成果选择”列表中选中后自动填入；名录中没有时请手动输入成果并填写"

EDUCATION_LEVELS = ["高中", "中等职业教育", "专科（高职）", "本科", "硕士研究生", "博士研究生"]
HIGHER_EDUCATION_LEVELS = ["专科（高职）", "本科", "硕士研究生", "博士研究生"]
STUDY_MODES = ["普通全日制", "成人高等教育", "高等教育自学考试", "网络教育", "开放教育", "其他"]
DEGREE_LEVELS = ["学士", "硕士", "博士"]
DISCIPLINES = [
    "哲学", "经济学", "法学", "教育学", "文学", "历史学", "理学", "工学", "农学", "医学",
    "军事学", "管理学", "艺术学", "交叉学科",
]
VOCATIONAL_GRADES = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师"]
ROLES_IN_WORK = ["负责人", "主要完成人", "参与人"]
AWARD_LEVELS = ["国际级", "国家级", "省级", "地市级", "县区级", "行业/企业级"]


def _catalog(name: str, label: str, **kw) -> Field:
    """A field filled from the chosen certificate (“选择证书” list); typed in under “其他”."""
    kw.setdefault("help", _CATALOG_HELP)
    return Field(name=name, label=label, from_catalog=True, **kw)


def _typed(name: str, label: str, **kw) -> Field:
    """A field the learner types in (完善其他所填项目)."""
    return Field(name=name, label=label, from_catalog=False, **kw)


def _description(label: str = "成果描述", required: bool = False) -> Field:
    return _typed("description", label, type="textarea", required=required)


def _scan(label: str, name: str = "certificate_scan") -> Evidence:
    return Evidence(name=name, label=label, required=True, file_types=list(IMAGES))


def _extra(label: str = "其他证明材料") -> Evidence:
    return Evidence(name="supporting", label=label, required=False, file_types=list(IMAGES))


def _stored(code: str, label: str, fields: list[Field], evidence: list[Evidence], *,
            conversion: Conversion = "rule", description: str = "") -> Subtype:
    return Subtype(
        code=code,
        label=label,
        fields=fields,
        evidence=evidence,
        recognition="review_on_store",
        conversion=conversion,
        review_days=REVIEW_DAYS,
        description=description,
    )


# ---------------------------------------------------------------- 学历教育学习成果

GRADUATION_CERTIFICATE = _stored(
    "graduation_certificate",
    "毕业证书",
    [
        _catalog("certificate_name", "证书名称"),
        _catalog("issuing_institution", "颁证院校"),
        _catalog("education_level", "层次", type="select", options=list(EDUCATION_LEVELS)),
        _catalog("study_mode", "学习形式", type="select", options=list(STUDY_MODES)),
        _typed("major", "专业"),
        _typed("certificate_no", "证书编号", help="毕业证书编号（电子注册号）"),
        _typed("enrolled_on", "入学日期", type="date", required=False),
        _typed("obtained_on", "毕业日期", type="date"),
        _description(),
    ],
    [_scan("毕业证书扫描件或照片")],
    description="通过国民教育系列高等学校、中高职院校、成人教育及网络教育机构取得的毕业证书。",
)

DEGREE_CERTIFICATE = _stored(
    "degree_certificate",
    "学位证书",
    [
        _catalog("certificate_name", "证书名称"),
        _catalog("issuing_institution", "学位授予单位"),
        _catalog("degree_level", "学位级别", type="select", options=list(DEGREE_LEVELS)),
        _typed("discipline", "学科门类", type="select", options=list(DISCIPLINES)),
        _typed("major", "专业"),
        _typed("certificate_no", "证书编号", help="学位证书编号"),
        _typed("obtained_on", "授予日期", type="date"),
        _description(),
    ],
    [_scan("学位证书扫描件或照片")],
)

COURSE_COMPLETION_CERTIFICATE = _stored(
    "course_completion_certificate",
    "课程结业证书",
    [
        _catalog("certificate_name", "证书名称"),
        _catalog("issuing_institution", "颁证院校"),
        _catalog("course_name", "课程名称"),
        _catalog("credits", "学分", type="number", required=False),
        _typed("certificate_no", "证书编号", required=False),
        _typed("score", "成绩", required=False, help="百分制分数或等级，如 85、合格"),
        _typed("obtained_on", "结业日期", type="date"),
        _description(),
    ],
    [_scan("课程结业证书扫描件或照片")],
)

INCOMPLETION_CERTIFICATE = _stored(
    "incompletion_certificate",
    "肄业证书",
    [
        _catalog("certificate_name", "证书名称"),
        _catalog("issuing_institution", "颁证院校"),
        _catalog("education_level", "层次", type="select", options=list(EDUCATION_LEVELS)),
        _catalog("study_mode", "学习形式", type="select", options=list(STUDY_MODES)),
        _typed("major", "专业"),
        _typed("certificate_no", "证书编号"),
        _typed("enrolled_on", "入学日期", type="date"),
        _typed("obtained_on", "肄业日期", type="date"),
        _description(),
    ],
    [
        _scan("肄业证书扫描件或照片"),
        _extra("成绩单（已修课程及成绩）"),
    ],
)

# 学历教育学习成果 are “主要以课程形式呈现”: a course passed, with its credits and score.
COURSE = _stored(
    "course",
    "课程",
    [
        _catalog("course_name", "课程名称"),
        _catalog("institution", "开课院校"),
        _catalog("course_code", "课程代码", required=False),
        _catalog("credits", "学分", type="number"),
        _catalog("education_level", "层次", type="select", options=list(HIGHER_EDUCATION_LEVELS),
                 required=False),
        _typed("major", "所属专业", required=False),
        _typed("score", "成绩", help="百分制分数或等级，如 85、合格"),
        _typed("obtained_on", "取得日期", type="date", help="考试或考核通过的日期"),
        _description(),
    ],
    [_scan("成绩单或单科合格证明扫描件", name="transcript_scan")],
    description="已修读并考核合格的课程学分，以成绩单或单科合格证明为凭。",
)

ACADEMIC = Category(
    code="academic",
    label="学历教育学习成果",
    description=(
        "学习者通过国民教育系列高等学校、中高职院校、成人教育以及网络教育机构获得的，"
        "主要以课程形式呈现的学习成果，包括：毕业证书、学位证书、课程结业证书、肄业证书等。"
    ),
    subtypes=[
        GRADUATION_CERTIFICATE,
        DEGREE_CERTIFICATE,
        COURSE_COMPLETION_CERTIFICATE,
        INCOMPLETION_CERTIFICATE,
        COURSE,
    ],
)

# ---------------------------------------------------------------- 非学历教育学习成果

VOCATIONAL_QUALIFICATION = _stored(
    "vocational_qualification",
    "国家职业资格证书",
    [
        _catalog("certificate_name", "证书名称"),
        _catalog("issuing_body", "发证机构", help="职业技能鉴定机构或人力资源社会保障部门；" + _CATALOG_HELP),
        _catalog("occupation", "职业（工种）"),
        _catalog("grade", "等级", type="select", options=list(VOCATIONAL_GRADES)),
        _typed("certificate_no", "证书编号"),
        _typed("obtained_on", "发证日期", type="date"),
        _typed("theory_score", "理论知识考试成绩", required=False),
        _typed("skill_score", "操作技能考核成绩", required=False),
        _description(),
    ],
    [_scan("职业资格证书扫描件或照片")],
)

NATIONAL_EXAM_CERTIFICATE = _stored(
    "national_exam_certificate",
    "国家等级考试证书",
    [
        _catalog("certificate_name", "证书名称", help="如全国计算机等级考试、全国英语等级考试；" + _CATALOG_HELP),
        _catalog("issuing_body", "颁证机构"),
        _catalog("exam_level", "级别/科目"),
        _typed("certificate_no", "证书编号"),
        _typed("exam_date", "考试日期", type="date", required=False),
        _typed("obtained_on", "发证日期", type="date"),
        _typed("score", "成绩", required=False, help="分数或等第，如 优秀、合格"),
        _description(),
    ],
    [_scan("等级考试证书扫描件或照片")],
)

JOB_SKILL_TRAINING_CERTIFICATE = _stored(
    "job_skill_training_certificate",
    "岗位技能培训证书",
    [
        _catalog("certificate_name", "证书名称"),
        _catalog("issuing_body", "颁证机构"),
        _catalog("post", "岗位（工种）", required=False),
        _catalog("training_hours", "培训学时", type="integer", required=False),
        _typed("certificate_no", "证书编号"),
        _typed("obtained_on", "发证日期", type="date"),
        _typed("score", "考核成绩", required=False),
        _description(),
    ],
    [_scan("岗位技能培训证书扫描件或照片")],
)

TRAINING_PROGRAMME = _stored(
    "training_programme",
    "培训项目",
    [
        _catalog("programme_name", "培训项目名称"),
        _catalog("provider", "培训机构"),
        _catalog("training_hours", "培训学时", type="integer", required=False),
        _typed("started_on", "培训开始日期", type="date"),
        _typed("ended_on", "培训结束日期", type="date"),
        _typed("certificate_no", "结业证书编号", required=False),
        _typed("score", "考核成绩", required=False),
        _description(),
    ],
    [
        _scan("结业证书或培训证明扫描件或照片"),
        _extra("培训课程安排或考核记录"),
    ],
)

NON_ACADEMIC = Category(
    code="non_academic",
    label="非学历教育学习成果",
    description=(
        "学习者通过教育培训机构、职业技能鉴定机构和参加全国统一考试获得的，以项目结合课程形式"
        "呈现的学习成果，包括：国家职业资格证书、国家等级考试证书、岗位技能培训证书和培训项目等。"
    ),
    subtypes=[
        VOCATIONAL_QUALIFICATION,
        NATIONAL_EXAM_CERTIFICATE,
        JOB_SKILL_TRAINING_CERTIFICATE,
        TRAINING_PROGRAMME,
    ],
)

# ---------------------------------------------------------------- 无定式学习成果
# Not in any certificate list: every field is typed in. Stored and reviewed; not converted
# (“无定式学习成果的认证办法另行制定”).

_INFORMAL_NOTE = "无定式学习成果可存储并审核；其认证办法另行制定，目前不能申请转换。"


def _informal(code: str, label: str, fields: list[Field], proof: str) -> Subtype:
    return _stored(
        code,
        label,
        fields,
        [_scan(proof, name="proof_scan"), _extra()],
        conversion="none",
        description=_INFORMAL_NOTE,
    )


def _period() -> list[Field]:
    return [
        _typed("started_on", "开始日期", type="date"),
        _typed("ended_on", "结束日期", type="date", required=False, help="至今可不填"),
    ]


WORK_EXPERIENCE = _informal(
    "work_experience",
    "工作经验",
    [
        _typed("achievement_name", "成果名称", help="如：中小企业财务核算经验"),
        _typed("employer", "工作单位"),
        _typed("position", "岗位/职务"),
        *_period(),
        _description("经验描述", required=True),
    ],
    "单位出具的工作证明扫描件或照片",
)

WORK_HISTORY = _informal(
    "work_history",
    "工作经历",
    [
        _typed("employer", "工作单位"),
        _typed("position", "岗位/职务"),
        *_period(),
        _typed("duties", "主要工作内容", type="textarea", required=False),
        _description(),
    ],
    "工作证明或劳动合同扫描件或照片",
)

WORK_SKILL = _informal(
    "work_skill",
    "工作技能",
    [
        _typed("skill_name", "技能名称"),
        _typed("employer", "工作单位", required=False),
        _typed("certifying_body", "证明/评价单位", required=False),
        _typed("obtained_on", "取得日期", type="date", required=False),
        _description("技能描述", required=True),
    ],
    "技能证明材料扫描件或照片（如单位证明、技能评价记录）",
)

TECHNICAL_INNOVATION = _informal(
    "technical_innovation",
    "技术创新",
    [
        _typed("achievement_name", "创新成果名称"),
        _typed("innovation_type", "创新类型", type="select",
               options=["发明专利", "实用新型专利", "外观设计专利", "技术革新/工艺改进", "其他"]),
        _typed("registration_no", "专利号/登记号", required=False),
        _typed("role", "本人角色", type="select", options=list(ROLES_IN_WORK)),
        _typed("completed_on", "完成（授权）日期", type="date"),
        _description(),
    ],
    "专利证书或单位出具的创新成果证明扫描件或照片",
)

TECHNICAL_ACHIEVEMENT = _informal(
    "technical_achievement",
    "技术成果",
    [
        _typed("achievement_name", "技术成果名称"),
        _typed("achievement_type", "成果类型", type="select",
               options=["科技成果鉴定/评价", "科技奖励", "软件著作权", "标准制定", "其他"]),
        _typed("certifying_body", "鉴定/授奖/登记单位"),
        _typed("certificate_no", "证书编号", required=False),
        _typed("role", "本人角色", type="select", options=list(ROLES_IN_WORK)),
        _typed("completed_on", "取得日期", type="date"),
        _description(),
    ],
    "成果证书或鉴定证明扫描件或照片",
)

PUBLICATION = _informal(
    "publication",
    "发表作品",
    [
        _typed("title", "作品名称"),
        _typed("work_type", "作品类型", type="select",
               options=["论文", "著作", "译著", "教材", "文学艺术作品", "其他"]),
        _typed("publisher", "刊物/出版单位"),
        _typed("serial_no", "刊号/书号", required=False, help="ISSN、CN 刊号或 ISBN"),
        _typed("published_on", "发表（出版）日期", type="date"),
        _typed("author_rank", "作者排序", type="integer", required=False, help="独著或第一作者填 1"),
        _description(),
    ],
    "刊物封面、目录及正文首页（或图书版权页）扫描件或照片",
)

CULTURAL_HERITAGE = _informal(
    "cultural_heritage",
    "文化传承",
    [
        _typed("project_name", "传承项目名称"),
        _typed("heritage_level", "项目级别", type="select",
               options=["国家级", "省级", "地市级", "县区级", "其他"]),
        _typed("certifying_body", "认定单位"),
        _typed("heritage_role", "传承身份", required=False, help="如：代表性传承人、传承人"),
        _typed("obtained_on", "认定日期", type="date"),
        _description(),
    ],
    "认定证书或相关证明扫描件或照片",
)

COMPETITION_AWARD = _informal(
    "competition_award",
    "竞赛奖励",
    [
        _typed("competition_name", "竞赛名称"),
        _typed("organizer", "主办单位"),
        _typed("award_level", "竞赛级别", type="select", options=list(AWARD_LEVELS)),
        _typed("award", "获奖等次", help="如：一等奖、金奖、第一名"),
        _typed("certificate_no", "证书编号", required=False),
        _typed("awarded_on", "获奖日期", type="date"),
        _description(),
    ],
    "获奖证书扫描件或照片",
)

INFORMAL = Category(
    code="informal",
    label="无定式学习成果",
    description=(
        "无一定形式学习成果，指学习者通过平时工作积累的、以非课程非项目形式呈现的学习成果，包括："
        "工作经验、工作经历、工作技能、技术创新、技术成果、发表作品、文化传承和竞赛奖励等。"
        "无定式学习成果的认证办法另行制定。"
    ),
    subtypes=[
        WORK_EXPERIENCE,
        WORK_HISTORY,
        WORK_SKILL,
        TECHNICAL_INNOVATION,
        TECHNICAL_ACHIEVEMENT,
        PUBLICATION,
        CULTURAL_HERITAGE,
        COMPETITION_AWARD,
    ],
)

TAXONOMY = Taxonomy(categories=[ACADEMIC, NON_ACADEMIC, INFORMAL])
