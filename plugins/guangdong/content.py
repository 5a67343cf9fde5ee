"""Texts and reference data of the Guangdong tenant: about, terms of service (quoted in the
manual), FAQ (drawn from the manual's instructions), contact, organisation levels and the
广东终身教育资历框架 levels."""

from __future__ import annotations

from core.province import Contact, FaqItem, FrameworkLevel, OrgLevel, TenantDefaults, Wording

ABOUT = (
    "广东终身教育学分银行是面向广东省全体社会成员，服务终身学习的省级学分银行，旨在促进各级各类"
    "教育之间的沟通和衔接，实现资历成果的认可、积累和转换，拓宽终身学习通道，搭建人才成长立交桥。\n\n"
    "广东终身教育学分银行信息管理平台基于广东终身教育资历框架，集管理功能、服务功能、协同工作功能、"
    "移动应用功能、门户网站功能于一体，是实现学习成果认定、积累和转换的技术支撑。平台包括学分银行的"
    "门户网站、学分银行管理与服务系统以及学分银行移动应用系统三部分，三位一体、业务相通、数据共享，"
    "既是一个管理平台、服务平台、协同工作平台，也是一个大数据中心、信息中心、应用中心。平台涵盖学分银行"
    "管理中心、资历名册机构、第三方评审机构、学习者等角色的管理与服务功能。"
)

# 广东终身教育学分银行服务条款, as quoted in the manual (step 2(2) of registration).
TERMS = """广东终身教育学分银行服务条款

广东终身教育学分银行（以下简称“学分银行”）是面向广东省全体社会成员，服务终身学习的省级学分银行。旨在促进各级各类教育之间的沟通和衔接，实现资历成果的认可、积累和转换，拓宽终身学习通道，搭建人才成长立交桥。

1.关于用户的账号使用

用户在注册广东终身教育学分银行（以下简称“学分银行”）账号时承诺遵守法律法规、社会主义制度、国家利益、公民合法权益、公共秩序、社会道德风尚和信息真实性等七条底线，不得在学分银行账号注册资料中出现违法和不良信息，且用户保证其在注册和使用账号时，不得有以下情形：

(1) 违反宪法或法律法规规定的；
(2) 危害国家安全，泄露国家秘密，颠覆国家政权，破坏国家统一的；
(3) 损害国家荣誉和利益的，损害公共利益的；
(4) 煽动民族仇恨、民族歧视，破坏民族团结的；
(5) 破坏国家宗教政策，宣扬邪教和封建迷信的；
(6) 散布谣言，扰乱社会秩序，破坏社会稳定的；
(7) 散布淫秽、色情、赌博、暴力、凶杀、恐怖或者教唆犯罪的；
(8) 侮辱或者诽谤他人，侵害他人合法权益的；
(9) 含有法律、行政法规禁止的其他内容的。

若用户提供给学分银行的账号注册资料不准确，不真实，含有违法或不良信息的，学分银行有权不予注册，并保留终止用户使用学分银行各项服务的权利。若用户以虚假信息骗取账号注册或账号头像、个人简介等注册资料存在违法和不良信息的，学分银行有权采取通知限期改正、暂停使用、注销登记等措施。对于冒用他人信息激活账号的，学分银行有权注销该账号，并向政府主管部门进行报告。
"""

# The manual has no Q&A section; these answers restate its instructions.
FAQ = [
    FaqItem(
        question="广东开放大学在校生如何激活账号？",
        answer=(
            "在校生信息已由数据管理员提前导入，无需注册。打开学分银行平台网站，点击右上角“登录”→"
            "“去激活账号（资历名册机构和管理中心导入用户）”，输入证件号码（身份证号），选择用绑定的"
            "手机或邮箱获取验证码（有效时间为10分钟），验证后设置密码即可。激活后以身份证号为账号登录。"
        ),
    ),
    FaqItem(
        question="其他人员如何注册账号？",
        answer=(
            "点击右上角“登录”→“立即注册”，阅读并同意服务条款，填写注册信息与手机号码，获取并填写"
            "短信验证码后保存。所有注册信息都需填写完整；用户名只能由英文字母与数字组成。"
        ),
    ),
    FaqItem(
        question="密码有什么要求？如何修改密码？",
        answer=(
            "密码由6-15位字母、数字或特殊符号组成。登录后点击右上角“修改密码”，填写原密码与新密码后"
            "提交即可。"
        ),
    ),
    FaqItem(
        question="添加的学习成果哪些需要申请认定？",
        answer=(
            "平台里已存在的学历教育、职业资格证书、技师教育、培训类学习成果，添加对应成果后系统自动"
            "认定（名录成果），无需申请。业绩类成果（竞赛奖励、科学研究、创新创业、社会服务、文化传承、"
            "工作经历、职称证书）需要学习者在“认定成果申请”中主动申请认定。"
        ),
    ),
    FaqItem(
        question="提交认定或转换申请后还需要做什么？",
        answer=(
            "提交申请后，需带上成果证明材料纸质原件，前往所在教学点管理员处进行材料现场审查。"
        ),
    ),
    FaqItem(
        question="学习成果转换需要经过哪些审核？",
        answer=(
            "学历教育、职业资格证书、技师教育、培训类学习成果按转换规则申请转换，先由教学点管理员"
            "初审，初审通过后由专业认定委员会终审；业绩类学习成果在“业绩类成果转换申请”中选择拟转换"
            "的目标成果，由专业认定委员会审核。初审、终审通过后都会收到短信通知，终审通过后目标成果"
            "自动添加到个人学习账户下。可在“转换成果申请”中点击“进度查询”查看审核进度。"
        ),
    ),
    FaqItem(
        question="上传证明材料支持哪些格式？",
        answer="学习者上传的附件格式为jpg、png、gif。",
    ),
    FaqItem(
        question="使用中遇到问题怎么办？",
        answer="请向学分银管理中心信息部（020-83772086）反映。",
    ),
]

CONTACT = Contact(
    phones=["020-83772086"],
    other=["学分银管理中心信息部：020-83772086", "门户网站：http://www.cbgd.cn/"],
)

TENANT_DEFAULTS = TenantDefaults(about=ABOUT, terms=TERMS, faq=FAQ, contact=CONTACT)

ORG_LEVELS = [
    OrgLevel(
        code="center",
        label="管理中心",
        rank=0,
        description="广东终身教育学分银行管理中心：管理名录、规则与账号，专业认定委员会在此开展终审。",
    ),
    OrgLevel(
        code="institution",
        label="资历名册机构",
        rank=1,
        description="资历名册机构（如广东开放大学）：导入本机构学习者，下设教学点。",
    ),
    OrgLevel(
        code="teaching_point",
        label="教学点",
        rank=2,
        description="教学点：现场审查成果证明材料纸质原件，负责业绩类成果认定审核与学习成果转换初审。",
    ),
]

# 广东终身教育资历框架等级标准 (Guangdong provincial standard, 2017, modelled on the EQF): seven
# levels, each described by knowledge, skills and competence. Short summaries; levels 4–7 as commonly mapped to 专科/本科/硕士/博士.
FRAMEWORK_LEVELS = [
    FrameworkLevel(
        level=1,
        name="一级",
        description="具有基础的普通知识；能在指导下运用基本技能完成简单、重复的常规任务；在直接监督下工作。",
    ),
    FrameworkLevel(
        level=2,
        name="二级",
        description="具有一定的基础知识和某一领域的初步知识；能运用基本的认知与操作技能完成常规任务；在一定监督下工作，承担有限责任。",
    ),
    FrameworkLevel(
        level=3,
        name="三级",
        description="具有某一领域较宽的事实性与理论性知识；能选用多种方法和技能解决常规问题、完成较复杂的任务；能在一定自主范围内工作并对工作结果负责。",
    ),
    FrameworkLevel(
        level=4,
        name="四级",
        description="具有某一专业领域较系统的理论与实践知识；能综合运用专业技能解决较复杂的实际问题；能自主工作并指导他人。通常对应专科层次。",
    ),
    FrameworkLevel(
        level=5,
        name="五级",
        description="具有某一专业领域系统、深入的理论知识；能分析和解决复杂问题，具备一定的创新、管理与协调能力；对团队工作承担责任。通常对应本科层次。",
    ),
    FrameworkLevel(
        level=6,
        name="六级",
        description="掌握某一专业领域的前沿专门知识；能在复杂、不可预测的情境中开展研究与创新；承担专业领导责任。通常对应硕士层次。",
    ),
    FrameworkLevel(
        level=7,
        name="七级",
        description="掌握某一领域最前沿的知识；能开展原创性研究、创造新知识与新方法；在学科或行业发展中发挥引领作用。通常对应博士层次。",
    ),
]


# What this province calls core's staff roles, and who issues its proofs.
WORDING = Wording(
    role_labels={"committee": "专业认定委员会成员"},
    proof_issuer="学分银行管理中心",
)
