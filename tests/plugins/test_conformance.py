"""Every installed province plugin keeps the hook contracts; a broken one is caught, and the
kit says what is wrong."""

from __future__ import annotations

import inspect

import pytest

from core import hookspecs
from core.conformance import CHECKS, COVERS, PluginConformance, check_plugin
from core.hookspecs import hookimpl
from core.plugins import PluginRegistry
from core.province import (
    Category,
    Field,
    NotificationTemplate,
    OpinionFormat,
    OrgLevel,
    ProvinceInfo,
    ReviewChain,
    ReviewStep,
    Subtype,
    Taxonomy,
    Wording,
)
from plugins import gansu, guangdong, national_ouc, zhejiang


class TestGuangdong(PluginConformance):
    plugin_name, plugin = "guangdong", guangdong.plugin


class TestNationalOUC(PluginConformance):
    plugin_name, plugin = "national_ouc", national_ouc.plugin


class TestGansu(PluginConformance):
    plugin_name, plugin = "gansu", gansu.plugin


class TestZhejiang(PluginConformance):
    plugin_name, plugin = "zhejiang", zhejiang.plugin


def test_the_four_plugins_are_installed_through_entry_points():
    registry = PluginRegistry.discover()
    assert {"national_ouc", "guangdong", "zhejiang", "gansu"} <= set(registry.names())
    for name in ("national_ouc", "guangdong", "zhejiang", "gansu"):
        assert check_plugin(name, registry.hooks(name).plugin) == []


def test_gansu_subclasses_the_national_ouc_plugin():
    assert isinstance(gansu.plugin, type(national_ouc.plugin))


def test_every_hook_is_documented_and_checked_by_the_kit():
    specs = [name for name, obj in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(obj, "creditbank_spec")]
    assert specs, "no hookspecs found"
    for name in specs:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert len(doc.split()) >= 5, f"hook {name} needs a docstring that says when it is called and what it returns"
    assert {hook for hooks in COVERS.values() for hook in hooks} == set(specs)  # see test_hookspecs.py
    assert set(CHECKS) >= {"province_info", "achievement_taxonomy", "review_chain", "notification_templates", "accounts"}


_bad_opinion = OpinionFormat(name="bad", pattern=r"^意见：(同意|不同意)$", example="同意")


class BrokenPlugin:
    """A sample province with one mistake per hook."""

    @hookimpl
    def province_info(self):
        return ProvinceInfo(name="not_broken", title="", version="0.1")

    @hookimpl
    def achievement_taxonomy(self):
        course = Subtype(code="course", label="课程", fields=[
            Field(name="name", label="课程名称", from_catalog=True),
            Field(name="name", label="课程名称（重复）"),
            Field(name="level", label="层次", type="select"),
        ])
        return Taxonomy(categories=[Category(code="edu", label="学历教育", subtypes=[course])])

    @hookimpl
    def org_levels(self):
        return [OrgLevel(code="center", label="中心", rank=0), OrgLevel(code="center", label="服务点", rank=1)]

    @hookimpl
    def review_chain(self, kind, category, subtype):
        if kind == "recognition":
            return ReviewChain(steps=[ReviewStep(name="check", label="审核", role="dean", reviewer="ancestor_level",
                                                 level="county", opinion=_bad_opinion)])
        return None

    @hookimpl
    def notification_templates(self):
        return [NotificationTemplate(event="code.register", channel="sms", body="您的验证码是 {{ cod }}"),
                NotificationTemplate(event="code.reset", channel="email", body="{% if %}")]

    @hookimpl
    def tenant_defaults(self):
        raise KeyError("terms.md")

    @hookimpl
    def wording(self):
        return Wording(role_labels={"dean": "院长", "committee": " "}, proof_issuer="")

    @hookimpl
    async def send_sms(self, to, text, message_key):  # would never run in the sender's thread
        return True


def test_a_broken_plugin_fails_the_kit_with_messages_that_say_what_is_wrong():
    problems = [str(p) for p in check_plugin("broken", BrokenPlugin())]
    text = "\n".join(problems)
    expected = [
        "[province_info] name 为 'not_broken'，应与入口点名称 'broken' 一致",
        "[province_info] title 不能为空",
        "字段名 'name' 重复",
        "下拉字段 level 没有选项",
        "[org_levels] 层级编码 'center' 重复",
        "角色 'dean' 不存在",
        "审核层级 'county' 不在组织层级中",
        "意见示例 '同意' 不符合其格式",
        "code.register/sms 的 body 使用了不存在的变量",
        "code.reset/email：邮件模板缺少主题",
        "语法错误",
        "[tenant_defaults] 插件 broken 的钩子 tenant_defaults：执行出错：KeyError",
        "[wording] 角色 'dean' 不存在",
        "[wording] 角色 committee 的名称不能为空",
        "[wording] proof_issuer（出具证明的机构）不能为空",
        "[send_sms] 必须是普通函数",
    ]
    for fragment in expected:
        assert fragment in text, f"missing {fragment!r} in:\n{text}"


def test_a_misspelt_hook_is_refused_at_registration():
    class Misspelt:
        @hookimpl
        def achievment_taxonomy(self):
            return None

    problems = check_plugin("misspelt", Misspelt())
    assert problems and problems[0].hook == "register" and "achievment_taxonomy" in problems[0].message


class BrokenSuite(PluginConformance):
    plugin_name, plugin = "broken", BrokenPlugin()


@pytest.mark.parametrize("test", ["test_achievement_taxonomy", "test_review_chains", "test_tenant_defaults",
                                  "test_wording", "test_send_sms"])
def test_the_pytest_suite_fails_for_a_broken_plugin(test):
    with pytest.raises(AssertionError):
        getattr(BrokenSuite(), test)()
