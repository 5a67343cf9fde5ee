"""``creditbank plugin new NAME``: a working province plugin package to start a province from.

The package installs on its own (``pip install -e``), registers in ``creditbank.plugins``,
ships a tenant file with a small service network, and tests that run the conformance kit.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from core.errors import DomainError

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "creditbank-{name}"
version = "0.1.0"
description = "{title}：学分银行平台的省份插件"
requires-python = ">=3.11"
dependencies = ["creditbank"]

[project.entry-points."creditbank.plugins"]
{name} = "creditbank_{name}:plugin"

[tool.setuptools]
packages = ["creditbank_{name}"]

[tool.pytest.ini_options]
pythonpath = ["."]
'''

PLUGIN = '''"""{title} — a province plugin for the credit bank platform.

Each method below answers one hook of ``core/hookspecs.py`` (read its docstring for when it is
called and what it returns). Hooks you leave out fall back to core's defaults
(``core/defaults.py``). Keep the plugin pure data: no database, files or network.
Check it any time with ``creditbank plugin check {name}``.
"""

from core.hookspecs import hookimpl
from core.province import (
    Category,
    Evidence,
    Field,
    OpinionFormat,
    OrgLevel,
    PasswordPolicy,
    ProvinceInfo,
    RegistrationPolicy,
    ReviewChain,
    ReviewStep,
    Subtype,
    Taxonomy,
    TenantDefaults,
    UsernameScheme,
)

LEVELS = ["小学", "初中", "高中", "专科", "本科", "硕士", "博士"]

TAXONOMY = Taxonomy(categories=[
    Category(code="academic", label="学历教育", subtypes=[
        Subtype(code="course", label="课程", fields=[
            Field(name="course_name", label="课程名称", from_catalog=True),
            Field(name="school_name", label="学校名称", from_catalog=True),
            Field(name="level", label="层次", type="select", options=LEVELS, from_catalog=True),
            Field(name="credits", label="课程学分", type="number", from_catalog=True),
            Field(name="obtained_on", label="获取时间", type="date"),
            Field(name="score", label="成绩", required=False),
        ], evidence=[Evidence(name="transcript", label="单科合格证书或成绩单")]),
    ]),
    Category(code="performance", label="业绩成果", subtypes=[
        Subtype(code="work_experience", label="工作经历", recognition="apply", conversion="catalog_pick", fields=[
            Field(name="achievement_name", label="业绩名称"),
            Field(name="completing_unit", label="业绩完成单位", required=False),
            Field(name="completed_on", label="业绩完成时间", type="date", required=False),
        ], evidence=[Evidence(name="proof", label="工作证明")]),
    ]),
])

OPINION = OpinionFormat(
    name="service_point",
    pattern=r"服务点[:：]\\s*\\S.*\\s+审核人[:：]\\s*\\S+\\s+意见[:：]\\s*(同意|不同意).*",
    example="服务点：示例服务点 审核人：张三 意见：同意",
)


class {cls}Plugin:
    @hookimpl
    def province_info(self) -> ProvinceInfo:
        return ProvinceInfo(name="{name}", title="{title}", version="0.1.0")

    @hookimpl
    def tenant_defaults(self) -> TenantDefaults:
        return TenantDefaults(
            about="{title}为社会成员提供学习成果的认定、积累和转换服务。",
            terms="注册即表示您同意如实提供个人信息和学习成果材料，并对其真实性负责。",
        )

    @hookimpl
    def achievement_taxonomy(self) -> Taxonomy:
        return TAXONOMY

    @hookimpl
    def org_levels(self) -> list[OrgLevel]:
        return [OrgLevel(code="center", label="管理中心", rank=0), OrgLevel(code="service_point", label="服务点", rank=1)]

    @hookimpl
    def username_scheme(self) -> UsernameScheme:
        return UsernameScheme(login_by=["username", "id_number"])

    @hookimpl
    def registration_policy(self) -> RegistrationPolicy:
        return RegistrationPolicy(
            fields=[
                Field(name="username", label="用户名"),
                Field(name="real_name", label="真实姓名"),
                Field(name="id_number", label="证件号码", type="id_number"),
                Field(name="phone", label="手机号码", type="phone"),
                Field(name="password", label="密码", type="password"),
                Field(name="password_confirm", label="确认密码", type="password"),
                Field(name="unit_code", label="所属服务点", required=False),
                Field(name="code", label="验证码"),
            ],
            verify=["sms"],
            activation_channels=["sms"],
        )

    @hookimpl
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy()

    @hookimpl
    def review_chain(self, kind: str, category: str, subtype: str) -> ReviewChain | None:
        if kind == "recognition":
            return ReviewChain(steps=[ReviewStep(name="recognition", label="认定审核", role="unit_admin",
                                                 reviewer="own_unit", opinion=OPINION, onsite_check=True)])
        return None


plugin = {cls}Plugin()
'''

TENANT = '''slug = "{name}"
name = "{title}"
plugin = "{name}"
hosts = ["{host}.localhost"]

[branding]
short_name = "{title}"
primary_color = "#1f4e79"
accent_color = "#c8102e"
logo_text = "学银"
footer = "{title}"

[seed]
org_units = "{name}/org_units.csv"
'''

UNITS = '''code,level,name,parent_code,host_institution
{code},center,{title}管理中心,,
{code}-SP01,service_point,{title}第一服务点,{code},
{code}-SP02,service_point,{title}第二服务点,{code},
'''

TEST = '''"""The conformance kit on this plugin: one test per hook contract."""

from core.conformance import PluginConformance

import creditbank_{name}


class Test{cls}(PluginConformance):
    plugin_name = "{name}"
    plugin = creditbank_{name}.plugin
'''


def check_name(name: str, installed: list[str]) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", name) or keyword.iskeyword(name):
        raise DomainError(f"插件名 {name!r} 无效：应为小写字母开头、由小写字母、数字和下划线组成的 Python 标识符")
    if name in installed:
        raise DomainError(f"插件 {name} 已安装，请换一个名字", 409)


def write_plugin(name: str, title: str, folder: Path, installed: list[str]) -> Path:
    """Write the package into ``folder/creditbank-NAME``; nothing is written if the name is
    invalid or taken, or the folder exists."""
    check_name(name, installed)
    root = folder / f"creditbank-{name}"
    if root.exists():
        raise DomainError(f"目录 {root} 已存在", 409)
    values = {"name": name, "title": title or name, "cls": "".join(p.capitalize() for p in name.split("_")),
              "code": name.upper().replace("_", "-")[:12], "host": name.replace("_", "-")}
    files = {
        "pyproject.toml": PYPROJECT,
        f"creditbank_{name}/__init__.py": PLUGIN,
        f"tenants/{name}.toml": TENANT,
        f"tenants/{name}/org_units.csv": UNITS,
        f"tests/test_{name}_conformance.py": TEST,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    return root
