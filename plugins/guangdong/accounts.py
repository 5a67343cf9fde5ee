"""Accounts (manual part 二(一)): usernames, self-registration, activation, passwords.

- Learners imported by a 资历名册机构 or the centre (e.g. 广东开放大学 students) activate their
  account with their ID number and an SMS or e-mail code valid for 10 minutes, then log in
  with the ID number.
- Anyone else registers: agree to the terms, fill in the form, confirm the mobile number by
  SMS code. The username is letters and digits only.
- Passwords: 6–15 letters, digits or special symbols, with a strength meter.
"""

from __future__ import annotations

from core.province import Field, PasswordPolicy, RegistrationPolicy, UsernameScheme

USERNAME_SCHEME = UsernameScheme(
    imported="{id_number}",
    self_registered="chosen",
    pattern=r"^[A-Za-z0-9]{4,32}$",
    pattern_message="用户名只能由英文字母与数字组成（4–32 位）",
    login_by=["username", "id_number"],
)

GENDERS = ["男", "女"]

NATIONALITIES = ["中国", "中国香港", "中国澳门", "中国台湾", "其他国家或地区"]

ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他",
]

# “欢迎注册 学分银行个人账户！所有注册信息都需填写完整。” — the form of step 2(3), in order.
REGISTRATION_FIELDS = [
    # 基本信息
    Field(name="username", label="用户名", help="用户名只能由英文字母与数字组成"),
    Field(name="real_name", label="真实姓名"),
    Field(name="password", label="密码", type="password", help="密码由6-15位字母、数字或特殊符号组成"),
    Field(name="password_confirm", label="确认密码", type="password", help="请再次输入您设置的密码"),
    # 个人信息
    Field(name="nationality", label="国籍", type="select", options=NATIONALITIES),
    Field(name="ethnicity", label="民族", type="select", options=ETHNIC_GROUPS),
    Field(name="gender", label="性别", type="select", options=GENDERS),
    Field(name="id_number", label="证件号码", type="id_number", help="证件号码最长不超过32位"),
    Field(name="birth_date", label="出生日期", type="date"),
    # 联系方式
    Field(name="email", label="电子邮箱", type="email"),
    Field(name="region", label="联系地址", help="请选择省、市、区（县）"),
    Field(name="address", label="详细地址", help="请输入详细地址"),
    Field(name="phone", label="手机号码", type="phone"),
    Field(name="code", label="验证码", help="点击“获取验证码”，输入手机收到的短信验证码"),
]

REGISTRATION_POLICY = RegistrationPolicy(
    self_registration=True,
    terms_required=True,
    fields=REGISTRATION_FIELDS,
    verify=["sms"],
    id_scan_required=False,
    region_required=False,
    account_review=False,
    activation=True,
    activation_channels=["sms", "email"],
    activation_review=False,
    window_opening=False,
)

PASSWORD_POLICY = PasswordPolicy(
    min_length=6,
    max_length=15,
    min_classes=1,
    strength_meter=True,
    description="密码由6-15位字母、数字或特殊符号组成",
)
