"""Accounts on the national OUC platform (seed 001, 附件1 part 一 and 附件2 part 一).

- Activation (国开学生账户激活): OUC open-education students enrolled before spring 2020 were
  imported by the credit bank. The student reads the 学分银行用户注册协议, enters their ID
  number, checks the details shown, enters a working e-mail address and activates; the account
  is reviewed within 1–2 working days. Username: “S” + ID number (S110****1023); the e-mail
  address also logs in.
- Self-registration (非学历培训学员、课程开放学习者): choose the region → agree to the
  协议 → personal details (red ＊ = required) → set a password → upload a clear scan of the ID
  card (+ captcha) → confirm the e-mail address → staff review within 1–2 working days. The
  username is the e-mail address.
- The seed's initial password for activated accounts (the last six digits of the ID number)
  is guessable by anyone who knows the ID number and is NOT reproduced: every learner sets
  their own password, under the policy below.
"""

from __future__ import annotations

from core.province import Field, PasswordPolicy, RegistrationPolicy, UsernameScheme

# The level whose admins review new and activated accounts: the learner's provincial
# certification centre (the region chosen at registration).
ACCOUNT_REVIEWER_LEVEL = "provincial_center"
ACCOUNT_REVIEW_DAYS = 2  # “1-2个工作日之内完成”

USERNAME_SCHEME = UsernameScheme(
    imported="S{id_number}",
    self_registered="email",
    # The two shapes usernames take here: S + an 18-character ID number, or an e-mail address.
    pattern=r"^(?:S[0-9]{17}[0-9Xx]|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})$",
    pattern_message="用户名为“大写字母S”+身份证号码（如 S110****1023），或注册时填写的电子邮箱",
    imported_hint="您的用户名为“大写字母S”+身份证号码（如 S110****1023），激活时填写的电子邮箱也可作为用户名登录",
    login_by=["username", "email"],
)

GENDERS = ["男", "女"]

ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他", "外国血统中国籍人士",
]

ID_TYPES = [
    "居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "港澳台居民居住证",
    "护照", "外国人永久居留身份证",
]

EDUCATION_LEVELS = [
    "初中及以下", "高中", "中等职业教育", "专科（高职）", "本科", "硕士研究生", "博士研究生",
]

# Step 5 “填写个人基本信息，红色＊为必填项” and step 6 “设置账户密码”, in order. The region is
# chosen before (step 3, ``region_required``); the ID-card scan is uploaded after (step 7,
# ``id_scan_required``).
REGISTRATION_FIELDS = [
    Field(name="real_name", label="真实姓名"),
    Field(name="gender", label="性别", type="select", options=list(GENDERS)),
    Field(name="ethnicity", label="民族", type="select", options=list(ETHNIC_GROUPS)),
    Field(name="id_type", label="证件类型", type="select", options=list(ID_TYPES)),
    Field(name="id_number", label="证件号码", type="id_number"),
    Field(name="birth_date", label="出生日期", type="date"),
    Field(name="phone", label="手机号码", type="phone"),
    Field(
        name="email",
        label="电子邮箱",
        type="email",
        help="请务必填写真实的常用电子邮箱：它是您的用户名，学分银行的审核结果和转换规则等信息都发送到这里",
    ),
    Field(name="address", label="通讯地址", required=False),
    Field(name="education_level", label="最高学历", type="select", options=list(EDUCATION_LEVELS)),
    Field(name="work_unit", label="工作单位", required=False),
    Field(name="password", label="密码", type="password",
          help="8–20 位，须包含字母、数字、特殊符号中的至少两类"),
    Field(name="password_confirm", label="确认密码", type="password", help="请再次输入您设置的密码"),
]

REGISTRATION_POLICY = RegistrationPolicy(
    self_registration=True,
    terms_required=True,  # 学分银行用户注册协议
    fields=REGISTRATION_FIELDS,
    verify=["email"],  # “登录注册时填写的邮箱，完成邮箱验证”
    verify_when="after",
    id_scan_required=True,  # “上传清晰的身份证扫描件”
    region_required=True,  # “选择所在区域”
    account_review=True,
    reviewer_level=ACCOUNT_REVIEWER_LEVEL,
    review_days=ACCOUNT_REVIEW_DAYS,
    activation=True,
    activation_channels=["email"],  # ID number → confirm details → e-mail → 激活
    activation_review=True,  # “账户将在1-2个工作日内被审核，审核通过后…正式激活”
    window_opening=False,
)

PASSWORD_POLICY = PasswordPolicy(
    min_length=8,
    max_length=20,
    min_classes=2,
    strength_meter=True,
    description="密码由 8–20 位字母、数字或特殊符号组成，至少包含其中两类；请勿使用身份证号后六位等易猜测的密码",
)
