"""The Zhejiang achievement taxonomy, reasoned out for a provincial lifelong-education credit bank.

Seed 004 (《浙江省终身教育学分银行受理点建设要求》) describes the service network, not a
taxonomy. What it does fix is that acceptance points (受理点) take “各级各类学习成果存入与转换
申请” and that the outcomes of “社会培训” — collected at the training units the city and county
education bureaus designate as acceptance points, and counted in the bureaus' 教育工作业绩考核
(“成教工程项目”…“以系统平台数据为准”) — are a kind of outcome in their own right. So:

- 学历教育 (academic): 毕业证书, 学位证书, 课程 — the outcomes of the national education series.
  Their issuers and courses are in the catalog (名录), so a catalog match is recognized on entry
  (``catalog_auto``); one typed in by hand (not in the catalog) waits for the learner to apply,
  and is then checked by the acceptance point. Converted by published rules.
- 职业资格与技能 (vocational): 职业资格证书, 职业技能等级证书 — nationally registered
  certificates, likewise ``catalog_auto`` and converted by rule.
- 社会培训成果 (social_training), its OWN category: the training records the acceptance points
  collect (信息采集) — 培训名称, 培训单位, 培训类别 (成教工程项目 / 社区教育 / 老年教育 / 职工培训
  / 农民培训), 培训学时, 培训起止日期, 结业证书编号, 采集受理点. Recognition is ``apply``, not
  ``catalog_auto``: there is no catalog of such trainings to match against (they are run by
  thousands of community schools, adult schools and employers), and the seed has every outcome
  that an acceptance point takes in “审核并提交相应的上级机构复审” — the bureaus score their
  counties on exactly these records, so none may count before the acceptance point that
  collected it has checked the originals and its sub-centre has re-reviewed it. Once recognized
  it converts by published rule (e.g. 学时 → 学分).
- 非正式学习/业绩成果 (informal): 竞赛获奖, 工作经历, 文化传承/技艺, 志愿服务, 论文著作与专利,
  荣誉表彰 — what a lifelong learner achieves outside courses and certificates. Every one is
  ``apply``: stored unapplied, recognized at the acceptance point and re-reviewed by its parent
  unit. Zhejiang has no separate 业绩类 conversion by catalog pick (no ``performance_conversion``
  chain in the seed), so a recognized one converts, like the others, by a published rule
  (“各级各类学习成果…转换申请”).

Field names are stable English identifiers; ``from_catalog`` marks the fields filled from the
chosen catalog entry. Learners upload pictures (jpg/png/gif).
"""

from __future__ import annotations

from core.province import Category, Evidence, Field, FileType, Subtype, Taxonomy

IMAGES: list[FileType] = ["jpg", "png", "gif"]

_CATALOG_HELP = "从名录中选择后自动填入；名录中没有时请手动填写，并向所在受理点申请认定"

EDUCATION_LEVELS = ["高中", "中等职业教育", "专科（高职）", "本科", "硕士研究生", "博士研究生"]
STUDY_MODES = ["普通全日制", "成人高等教育", "高等教育自学考试", "网络教育", "开放教育", "其他"]
DEGREE_LEVELS = ["学士", "硕士", "博士"]
DISCIPLINES = [
    "哲学", "经济学", "法学", "教育学", "文学", "历史学", "理学", "工学", "农学", "医学",
    "军事学", "管理学", "艺术学", "交叉学科",
]
VOCATIONAL_GRADES = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师", "不分等级"]
SKILL_GRADES = ["五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师", "初级", "中级", "高级"]
# 培训类别: the seed's 成教工程项目 plus the community, senior, worker and farmer training that
# Zhejiang's adult-education bureaus run and score.
TRAINING_CATEGORIES = ["成教工程项目", "社区教育", "老年教育", "职工培训", "农民培训", "其他培训"]
AWARD_LEVELS = ["国际级", "国家级", "省级", "市级", "县（市、区）级", "行业/企业级"]
HERITAGE_LEVELS = ["国家级", "省级", "市级", "县（市、区）级", "其他"]
RESEARCH_TYPES = ["论文", "著作", "发明专利", "实用新型专利", "外观设计专利", "其他"]


def _catalog(name: str, label: str, **kw) -> Field:
    """A field filled from the chosen catalog (名录) entry."""
    kw.setdefault("help", _CATALOG_HELP)
    return Field(name=name, label=label, from_catalog=True, **kw)


def _typed(name: str, label: str, **kw) -> Field:
    """A field typed in by the learner or by the acceptance-point staff (信息录入)."""
    return Field(name=name, label=label, from_catalog=False, **kw)


def _description() -> Field:
    return _typed("description", "成果描述", type="textarea", required=False)


# ---------------------------------------------------------------- 学历教育

DIPLOMA = Subtype(
    code="diploma",
    label="毕业证书",
    fields=[
        _catalog("school_name", "毕业院校"),
        _catalog("major", "专业"),
        _catalog("education_level", "层次", type="select", options=list(EDUCATION_LEVELS)),
        _catalog("study_mode", "学习形式", type="select", options=list(STUDY_MODES)),
        _typed("certificate_no", "证书编号", help="高等教育毕业证书请填写学信网电子注册号"),
        _typed("graduated_on", "毕业日期", type="date"),
        _description(),
    ],
    evidence=[
        Evidence(name="certificate", label="毕业证书", required=True, file_types=IMAGES),
        Evidence(name="registration_record", label="学历电子注册备案表", required=False, file_types=IMAGES),
    ],
    recognition="catalog_auto",
    conversion="rule",
)

DEGREE = Subtype(
    code="degree",
    label="学位证书",
    fields=[
        _catalog("institution", "学位授予单位"),
        _catalog("major", "专业"),
        _catalog("degree_level", "学位级别", type="select", options=list(DEGREE_LEVELS)),
        _catalog("discipline", "学科门类", type="select", options=list(DISCIPLINES)),
        _typed("certificate_no", "学位证书编号"),
        _typed("conferred_on", "授予日期", type="date"),
        _description(),
    ],
    evidence=[
        Evidence(name="certificate", label="学位证书", required=True, file_types=IMAGES),
        Evidence(name="verification_report", label="学位在线验证报告", required=False, file_types=IMAGES),
    ],
    recognition="catalog_auto",
    conversion="rule",
)

COURSE = Subtype(
    code="course",
    label="课程",
    fields=[
        _catalog("school_name", "开课院校"),
        _catalog("course_name", "课程名称"),
        _catalog("course_code", "课程代码"),
        _catalog("major", "所属专业", required=False),
        _catalog("education_level", "层次", type="select", options=list(EDUCATION_LEVELS)),
        _catalog("credits", "课程学分", type="number"),
        _typed("score", "成绩"),
        _typed("completed_on", "取得日期", type="date", help="考试或课程合格的日期"),
        _description(),
    ],
    evidence=[
        Evidence(name="transcript", label="成绩单或单科合格证书", required=True, file_types=IMAGES),
    ],
    recognition="catalog_auto",
    conversion="rule",
)

ACADEMIC = Category(
    code="academic",
    label="学历教育",
    subtypes=[DIPLOMA, DEGREE, COURSE],
    description="国民教育系列的学历教育学习成果：毕业证书、学位证书和课程。名录中的成果添加即认定。",
)

# ---------------------------------------------------------------- 职业资格与技能

VOCATIONAL_QUALIFICATION = Subtype(
    code="vocational_qualification",
    label="职业资格证书",
    fields=[
        _catalog("certificate_name", "证书名称"),
        _catalog("occupation", "职业（工种）"),
        _catalog("grade", "等级", type="select", options=list(VOCATIONAL_GRADES)),
        _catalog("issuer", "发证机关"),
        _typed("certificate_no", "证书编号"),
        _typed("issued_on", "发证日期", type="date"),
        _description(),
    ],
    evidence=[
        Evidence(name="certificate", label="职业资格证书", required=True, file_types=IMAGES),
    ],
    recognition="catalog_auto",
    conversion="rule",
)

SKILL_LEVEL = Subtype(
    code="skill_level",
    label="职业技能等级证书",
    fields=[
        _catalog("certificate_name", "证书名称"),
        _catalog("occupation", "职业（工种）或技能方向"),
        _catalog("grade", "等级", type="select", options=list(SKILL_GRADES)),
        _catalog("appraisal_body", "评价机构"),
        _typed("certificate_no", "证书编号"),
        _typed("issued_on", "发证日期", type="date"),
        _description(),
    ],
    evidence=[
        Evidence(name="certificate", label="职业技能等级证书", required=True, file_types=IMAGES),
        Evidence(name="query_record", label="证书信息查询截图", required=False, file_types=IMAGES),
    ],
    recognition="catalog_auto",
    conversion="rule",
)

VOCATIONAL = Category(
    code="vocational",
    label="职业资格与技能",
    subtypes=[VOCATIONAL_QUALIFICATION, SKILL_LEVEL],
    description="职业资格证书与职业技能等级证书。名录中的证书添加即认定。",
)

# ---------------------------------------------------------------- 社会培训成果

SOCIAL_TRAINING = Subtype(
    code="social_training",
    label="社会培训成果",
    fields=[
        _typed("training_name", "培训名称"),
        _typed("training_provider", "培训单位"),
        _typed("training_category", "培训类别", type="select", options=list(TRAINING_CATEGORIES)),
        _typed("training_hours", "培训学时", type="integer"),
        _typed("start_date", "培训开始日期", type="date"),
        _typed("end_date", "培训结束日期", type="date"),
        _typed(
            "completion_certificate_no",
            "结业证书编号",
            required=False,
            help="未颁发结业证书的培训可不填，由培训单位出具培训证明",
        ),
        _typed(
            "acceptance_point",
            "采集受理点",
            type="unit",
            help="采集本条培训成果信息的受理点（一般为培训单位所设受理点）",
        ),
        _description(),
    ],
    evidence=[
        Evidence(name="completion_proof", label="结业证书或培训单位出具的培训证明", required=True, file_types=IMAGES),
        Evidence(name="attendance_record", label="培训考勤（签到）记录", required=False, file_types=IMAGES),
    ],
    recognition="apply",
    conversion="rule",
    description=(
        "由受理点采集录入的社会培训成果，经采集受理点审核、上级分中心复审后认定；"
        "认定结果作为各市、县（市、区）教育工作业绩考核的数据依据。"
    ),
)

SOCIAL_TRAINING_CATEGORY = Category(
    code="social_training",
    label="社会培训成果",
    subtypes=[SOCIAL_TRAINING],
    description="成教工程项目、社区教育、老年教育、职工培训、农民培训等社会培训的学习成果，由受理点采集。",
)

# ---------------------------------------------------------------- 非正式学习/业绩成果

_APPLY_NOTE = "需申请认定：提交后携带证明材料原件到所在受理点现场核验，经受理点审核、上级机构复审后认定。"


def _informal(code: str, label: str, fields: list[Field], evidence: list[Evidence]) -> Subtype:
    return Subtype(
        code=code,
        label=label,
        fields=[*fields, _description()],
        evidence=evidence,
        recognition="apply",
        conversion="rule",
        description=_APPLY_NOTE,
    )


COMPETITION = _informal(
    "competition",
    "竞赛获奖",
    [
        _typed("competition_name", "竞赛名称"),
        _typed("organizer", "主办单位"),
        _typed("award_level", "获奖级别", type="select", options=list(AWARD_LEVELS)),
        _typed("award_grade", "获奖等次", help="如一等奖、金奖、第一名"),
        _typed("awarded_on", "获奖日期", type="date"),
    ],
    [Evidence(name="award_certificate", label="获奖证书", required=True, file_types=IMAGES)],
)

WORK_EXPERIENCE = _informal(
    "work_experience",
    "工作经历",
    [
        _typed("employer", "工作单位"),
        _typed("position", "岗位（职务）"),
        _typed("start_date", "开始日期", type="date"),
        _typed("end_date", "结束日期", type="date", required=False, help="仍在职的可不填"),
        _typed("duties", "主要工作内容", type="textarea"),
    ],
    [
        Evidence(name="employment_proof", label="工作单位出具的工作证明（加盖公章）", required=True, file_types=IMAGES),
        Evidence(name="contract_or_insurance", label="劳动合同或社会保险缴纳证明", required=False, file_types=IMAGES),
    ],
)

CULTURAL_HERITAGE = _informal(
    "cultural_heritage",
    "文化传承/技艺",
    [
        _typed("item_name", "项目（技艺）名称"),
        _typed("recognition_level", "认定级别", type="select", options=list(HERITAGE_LEVELS), required=False),
        _typed("title", "传承人称号或技艺等级", required=False),
        _typed("recognized_by", "认定（授予）单位", required=False),
        _typed("obtained_on", "取得日期", type="date"),
    ],
    [
        Evidence(name="heritage_proof", label="传承人证书或技艺认定证明", required=True, file_types=IMAGES),
        Evidence(name="works", label="代表作品照片", required=False, file_types=IMAGES),
    ],
)

VOLUNTEER_SERVICE = _informal(
    "volunteer_service",
    "志愿服务",
    [
        _typed("organization", "志愿服务组织"),
        _typed("service_content", "服务内容", type="textarea"),
        _typed("service_hours", "服务时长（小时）", type="integer"),
        _typed("start_date", "开始日期", type="date"),
        _typed("end_date", "结束日期", type="date"),
    ],
    [Evidence(name="volunteer_proof", label="志愿服务时长证明或志愿服务记录", required=True, file_types=IMAGES)],
)

RESEARCH = _informal(
    "research",
    "论文著作与专利",
    [
        _typed("title", "成果名称"),
        _typed("research_type", "成果类型", type="select", options=list(RESEARCH_TYPES)),
        _typed("published_in", "发表刊物、出版社或授权单位"),
        _typed("author_rank", "本人排名", help="如：第一作者、第二发明人"),
        _typed("published_on", "发表（授权）日期", type="date"),
    ],
    [Evidence(name="research_proof", label="论文（著作）首页及版权页或专利证书", required=True, file_types=IMAGES)],
)

HONOR = _informal(
    "honor",
    "荣誉表彰",
    [
        _typed("honor_name", "荣誉称号"),
        _typed("granted_by", "授予单位"),
        _typed("honor_level", "荣誉级别", type="select", options=list(AWARD_LEVELS)),
        _typed("granted_on", "授予日期", type="date"),
    ],
    [Evidence(name="honor_certificate", label="荣誉证书或表彰文件", required=True, file_types=IMAGES)],
)

INFORMAL = Category(
    code="informal",
    label="非正式学习/业绩成果",
    subtypes=[COMPETITION, WORK_EXPERIENCE, CULTURAL_HERITAGE, VOLUNTEER_SERVICE, RESEARCH, HONOR],
    description="课程与证书以外的学习和业绩成果，均需向所在受理点申请认定。",
)

TAXONOMY = Taxonomy(categories=[ACADEMIC, VOCATIONAL, SOCIAL_TRAINING_CATEGORY, INFORMAL])
