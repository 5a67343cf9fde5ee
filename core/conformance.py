"""The plugin conformance kit: checks that a province plugin keeps every hook's contract.

Two ways in:

* ``check_plugin(name, plugin)`` returns the problems found, each naming the hook and saying
  in plain words what is wrong (``creditbank plugin check`` prints them);
* ``PluginConformance`` is a pytest suite a plugin's own tests subclass::

      class TestMyProvince(PluginConformance):
          plugin_name = "my_province"
          plugin = my_province.plugin

  one test per hook, so a failure points at the hook to fix.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from collections.abc import Callable, Iterator

import jinja2
import msgspec

from core.notifications.events import EVENTS
from core.notifications.rendering import render_text
from core.plugins import PluginError, ProvinceHooks
from core.province import ROLES, ReviewChain

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class Problem(msgspec.Struct, frozen=True):
    hook: str
    message: str

    def __str__(self) -> str:
        return f"[{self.hook}] {self.message}"


Check = Callable[[ProvinceHooks], Iterator[Problem]]


def _duplicates(values) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def check_info(hooks: ProvinceHooks) -> Iterator[Problem]:
    info = hooks.info
    if info.name != hooks.name:
        yield Problem("province_info", f"name 为 {info.name!r}，应与入口点名称 {hooks.name!r} 一致")
    if not info.title.strip():
        yield Problem("province_info", "title 不能为空")
    if not info.version.strip():
        yield Problem("province_info", "version 不能为空")


def check_tenant_defaults(hooks: ProvinceHooks) -> Iterator[Problem]:
    defaults = hooks.tenant_defaults
    if not defaults.about.strip():
        yield Problem("tenant_defaults", "about（简介）不能为空")
    if not defaults.terms.strip():
        yield Problem("tenant_defaults", "terms（服务条款）不能为空")
    for i, item in enumerate(defaults.faq, 1):
        if not item.question.strip() or not item.answer.strip():
            yield Problem("tenant_defaults", f"第 {i} 条常见问题缺少问题或回答")


def check_taxonomy(hooks: ProvinceHooks) -> Iterator[Problem]:
    hook = "achievement_taxonomy"
    taxonomy = hooks.taxonomy
    if not taxonomy.categories:
        yield Problem(hook, "至少需要一个成果大类")
    for code in _duplicates(c.code for c in taxonomy.categories):
        yield Problem(hook, f"成果大类编码 {code!r} 重复")
    for cat in taxonomy.categories:
        if not CODE_RE.match(cat.code):
            yield Problem(hook, f"成果大类编码 {cat.code!r} 应为小写字母、数字和下划线")
        if not cat.label.strip():
            yield Problem(hook, f"成果大类 {cat.code} 缺少名称")
        if not cat.subtypes:
            yield Problem(hook, f"成果大类 {cat.code} 没有小类")
        for code in _duplicates(s.code for s in cat.subtypes):
            yield Problem(hook, f"成果大类 {cat.code} 中小类编码 {code!r} 重复")
        for sub in cat.subtypes:
            where = f"{cat.code}/{sub.code}"
            if not CODE_RE.match(sub.code):
                yield Problem(hook, f"小类编码 {where} 应为小写字母、数字和下划线")
            if not sub.label.strip():
                yield Problem(hook, f"小类 {where} 缺少名称")
            if not sub.fields:
                yield Problem(hook, f"小类 {where} 没有字段")
            for name in _duplicates(f.name for f in sub.fields):
                yield Problem(hook, f"小类 {where} 的字段名 {name!r} 重复")
            for field in sub.fields:
                if not CODE_RE.match(field.name):
                    yield Problem(hook, f"小类 {where} 的字段名 {field.name!r} 应为小写字母、数字和下划线")
                if not field.label.strip():
                    yield Problem(hook, f"小类 {where} 的字段 {field.name} 缺少标签")
                if field.type == "select" and not field.options:
                    yield Problem(hook, f"小类 {where} 的下拉字段 {field.name} 没有选项")
            for name in _duplicates(e.name for e in sub.evidence):
                yield Problem(hook, f"小类 {where} 的证明材料 {name!r} 重复")
            if sub.recognition == "catalog_auto" and not any(f.from_catalog for f in sub.fields):
                yield Problem(hook, f"小类 {where} 按名录自动认定，却没有来自名录的字段")
            if sub.review_days is not None and sub.review_days <= 0:
                yield Problem(hook, f"小类 {where} 的审核时限应为正数")


def check_org_levels(hooks: ProvinceHooks) -> Iterator[Problem]:
    levels = hooks.org_levels
    if not levels:
        yield Problem("org_levels", "至少需要一个组织层级")
        return
    for code in _duplicates(level.code for level in levels):
        yield Problem("org_levels", f"层级编码 {code!r} 重复")
    if min(level.rank for level in levels) != 0:
        yield Problem("org_levels", "最高层级的 rank 应为 0")
    for level in levels:
        if not CODE_RE.match(level.code):
            yield Problem("org_levels", f"层级编码 {level.code!r} 应为小写字母、数字和下划线")


def check_framework_levels(hooks: ProvinceHooks) -> Iterator[Problem]:
    numbers = [level.level for level in hooks.framework_levels]
    for number in _duplicates(numbers):
        yield Problem("framework_levels", f"资历框架等级 {number} 重复")
    if numbers != sorted(numbers):
        yield Problem("framework_levels", "资历框架等级应从低到高排列")


def check_accounts(hooks: ProvinceHooks) -> Iterator[Problem]:
    scheme = hooks.username_scheme
    try:
        re.compile(scheme.pattern)
    except re.error as exc:
        yield Problem("username_scheme", f"用户名规则不是有效的正则表达式：{exc}")
    try:
        scheme.imported.format(id_number="110101199003077777")
    except (KeyError, IndexError, ValueError) as exc:
        yield Problem("username_scheme", f"导入用户名模板只能使用 {{id_number}}：{exc}")
    if not scheme.login_by:
        yield Problem("username_scheme", "login_by 不能为空")

    policy = hooks.registration_policy
    levels = {level.code for level in hooks.org_levels}
    if policy.self_registration and not policy.fields:
        yield Problem("registration_policy", "开放自助注册却没有注册表单字段")
    for name in _duplicates(f.name for f in policy.fields):
        yield Problem("registration_policy", f"注册字段名 {name!r} 重复")
    if (policy.account_review or policy.activation_review) and policy.reviewer_level not in levels:
        yield Problem("registration_policy", f"账户审核层级 {policy.reviewer_level!r} 不在组织层级中")
    names = {f.name for f in policy.fields}
    if policy.self_registration and policy.verify and policy.verify_when == "before" and "code" not in names:
        yield Problem("registration_policy", "注册前需验证手机或邮箱，表单却没有 code（验证码）字段")
    for required in ("real_name", "id_number", "password"):
        if policy.self_registration and required not in names:
            yield Problem("registration_policy", f"注册表单缺少 {required} 字段")
    if not (policy.self_registration or policy.activation or policy.window_opening):
        yield Problem("registration_policy", "学习者没有任何开户方式（注册、激活、窗口开户都未开放）")

    pw = hooks.password_policy
    if not 1 <= pw.min_length <= pw.max_length:
        yield Problem("password_policy", "密码长度范围无效")
    if pw.min_length < 6:
        yield Problem("password_policy", "密码最短不得少于 6 位")
    if not 1 <= pw.min_classes <= 3:
        yield Problem("password_policy", "min_classes 应在 1 到 3 之间")


def _chains(hooks: ProvinceHooks) -> Iterator[tuple[str, str, ReviewChain | None]]:
    for kind, category, subtype, chain in hooks.chains:
        yield kind, f"{category}/{subtype}" if category else "", chain


def check_review_chains(hooks: ProvinceHooks) -> Iterator[Problem]:
    hook = "review_chain"
    levels = {level.code for level in hooks.org_levels}
    seen: set[str] = set()
    for kind, where, chain in _chains(hooks):
        if chain is None:
            continue
        label = f"{kind} {where}".strip()
        if not chain.steps:
            yield Problem(hook, f"{label}：审核链没有步骤")
        for name in _duplicates(step.name for step in chain.steps):
            yield Problem(hook, f"{label}：步骤名 {name!r} 重复")
        for step in chain.steps:
            key = f"{step.name}|{step.role}|{step.level}|{step.opinion}"
            if key in seen:
                continue  # the same step shared by many sub-types: report it once
            seen.add(key)
            if step.role not in ROLES:
                yield Problem(hook, f"{label}：步骤 {step.name} 的角色 {step.role!r} 不存在（可用：{'、'.join(ROLES)}）")
            if step.reviewer == "ancestor_level" and step.level not in levels:
                yield Problem(hook, f"{label}：步骤 {step.name} 的审核层级 {step.level!r} 不在组织层级中")
            if step.opinion is not None:
                try:
                    pattern = re.compile(step.opinion.pattern)
                except re.error as exc:
                    yield Problem(hook, f"{label}：步骤 {step.name} 的意见格式不是有效的正则表达式：{exc}")
                    continue
                if not pattern.fullmatch(step.opinion.example):
                    yield Problem(hook, f"{label}：步骤 {step.name} 的意见示例 {step.opinion.example!r} 不符合其格式")


def check_review_policy(hooks: ProvinceHooks) -> Iterator[Problem]:
    policy = hooks.review_policy
    for name in ("remind_within_days", "escalate_after_days", "appeal_days"):
        value = getattr(policy, name)
        if value is not None and value < 0:
            yield Problem("review_policy", f"{name} 不能为负数（工作日）")
    if policy.claim_minutes < 1:
        yield Problem("review_policy", "claim_minutes（认领保留的分钟数）至少为 1")
    for kind, where, chain in _chains(hooks):
        for step in chain.steps if chain else ():
            for code in _duplicates(r.code for r in step.refusal_reasons):
                yield Problem("review_policy", f"{kind} {where}：步骤 {step.name} 的不同意原因代码 {code!r} 重复".strip())


def check_notification_templates(hooks: ProvinceHooks) -> Iterator[Problem]:
    hook = "notification_templates"
    for (event, channel), template in hooks.notification_templates.items():
        if event not in EVENTS:
            yield Problem(hook, f"事件 {event!r} 不存在（可用：{'、'.join(EVENTS)}）")
            continue
        if channel == "email" and not template.subject.strip():
            yield Problem(hook, f"{event}/{channel}：邮件模板缺少主题")
        for part, text in (("subject", template.subject), ("body", template.body)):
            try:
                render_text("", text, EVENTS[event])  # as the platform renders it: within its bounds
            except jinja2.TemplateSyntaxError as exc:
                yield Problem(hook, f"{event}/{channel} 的 {part} 第 {exc.lineno} 行语法错误：{exc.message}")
            except jinja2.UndefinedError as exc:
                yield Problem(hook, f"{event}/{channel} 的 {part} 使用了不存在的变量：{exc.message}")
            except Exception as exc:
                yield Problem(hook, f"{event}/{channel} 的 {part} 无法渲染：{exc}")


def check_wording(hooks: ProvinceHooks) -> Iterator[Problem]:
    wording = hooks.wording
    for role, label in wording.role_labels.items():
        if role not in ROLES:
            yield Problem("wording", f"角色 {role!r} 不存在（可用：{'、'.join(ROLES)}）")
        elif not label.strip():
            yield Problem("wording", f"角色 {role} 的名称不能为空")
    if not wording.proof_issuer.strip():
        yield Problem("wording", "proof_issuer（出具证明的机构）不能为空")


def check_rule_defaults(hooks: ProvinceHooks) -> Iterator[Problem]:
    defaults = hooks.rule_defaults
    for name, value in (("program_credit_cap", defaults.program_credit_cap), ("year_credit_cap", defaults.year_credit_cap)):
        if value is not None and value < 0:
            yield Problem("rule_defaults", f"{name}（学分上限）不能为负数")
    if (defaults.program_credit_cap is not None and defaults.year_credit_cap is not None
            and defaults.year_credit_cap > defaults.program_credit_cap):
        yield Problem("rule_defaults", "year_credit_cap（每年学分上限）不能大于 program_credit_cap（专业学分上限）")


def check_send_sms(hooks: ProvinceHooks) -> Iterator[Problem]:
    # Never called here (it is the one hook that does I/O); the sender runs it in a worker
    # thread, where an ``async def`` would hand back a coroutine that never runs: a lost SMS
    # counted as sent.
    for impl in hooks.pm.hook.send_sms.get_hookimpls():
        if impl.plugin_name != hooks.name:
            continue
        if inspect.iscoroutinefunction(impl.function) or inspect.isasyncgenfunction(impl.function):
            yield Problem("send_sms", "必须是普通函数（在工作线程中调用），不能是 async def")
        elif inspect.isgeneratorfunction(impl.function):
            yield Problem("send_sms", "必须返回 True 或 None，不能是生成器")


CHECKS: dict[str, Check] = {
    "province_info": check_info,
    "tenant_defaults": check_tenant_defaults,
    "achievement_taxonomy": check_taxonomy,
    "org_levels": check_org_levels,
    "framework_levels": check_framework_levels,
    "accounts": check_accounts,
    "review_chain": check_review_chains,
    "review_policy": check_review_policy,
    "notification_templates": check_notification_templates,
    "wording": check_wording,
    "rule_defaults": check_rule_defaults,
    "send_sms": check_send_sms,
}
# The hooks each check covers: together, every hook in ``core/hookspecs.py`` (a meta-test
# in tests/plugins keeps it so when a hook is added).
COVERS: dict[str, tuple[str, ...]] = {
    "province_info": ("province_info",),
    "tenant_defaults": ("tenant_defaults",),
    "achievement_taxonomy": ("achievement_taxonomy",),
    "org_levels": ("org_levels",),
    "framework_levels": ("framework_levels",),
    "accounts": ("username_scheme", "registration_policy", "password_policy"),
    "review_chain": ("review_chain",),
    "review_policy": ("review_policy",),
    "notification_templates": ("notification_templates",),
    "wording": ("wording",),
    "rule_defaults": ("rule_defaults",),
    "send_sms": ("send_sms",),
}


def run_check(hooks: ProvinceHooks, name: str) -> list[Problem]:
    """One check; a hook that raises or returns the wrong shape becomes a problem too."""
    try:
        return list(CHECKS[name](hooks))
    except PluginError as exc:
        return [Problem(exc.hook or name, str(exc))]


def check_plugin(name: str, plugin: object) -> list[Problem]:
    """Every problem of ``plugin`` (registered as ``name``); empty when it conforms."""
    try:
        hooks = ProvinceHooks(name, plugin)
    except PluginError as exc:
        return [Problem("register", str(exc))]
    problems = [problem for check in CHECKS for problem in run_check(hooks, check)]
    return list(dict.fromkeys(problems))  # a hook that fails breaks several checks: say it once


class PluginConformance:
    """Subclass in a test module, set ``plugin_name`` and ``plugin``; pytest collects one test
    per hook contract."""

    plugin_name: str
    plugin: object

    def _assert(self, check: str) -> None:
        problems = run_check(ProvinceHooks(self.plugin_name, self.plugin), check)
        assert not problems, "\n".join(map(str, problems))

    def test_province_info(self) -> None:
        self._assert("province_info")

    def test_tenant_defaults(self) -> None:
        self._assert("tenant_defaults")

    def test_achievement_taxonomy(self) -> None:
        self._assert("achievement_taxonomy")

    def test_org_levels(self) -> None:
        self._assert("org_levels")

    def test_framework_levels(self) -> None:
        self._assert("framework_levels")

    def test_accounts(self) -> None:
        self._assert("accounts")

    def test_review_chains(self) -> None:
        self._assert("review_chain")

    def test_notification_templates(self) -> None:
        self._assert("notification_templates")

    def test_review_policy(self) -> None:
        self._assert("review_policy")

    def test_wording(self) -> None:
        self._assert("wording")

    def test_rule_defaults(self) -> None:
        self._assert("rule_defaults")

    def test_send_sms(self) -> None:
        self._assert("send_sms")
