"""Finding province plugins and calling their hooks.

Plugins register in the entry-point group ``creditbank.plugins``; the entry point's name is
the plugin name a tenant refers to, its value is the plugin object. Nothing is discovered at
import: ``PluginRegistry.discover()`` is called by ``create_app`` and the CLI.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import msgspec
import pluggy

from core import hookspecs
from core.defaults import CoreDefaults
from core.province import (
    APPLICATION_KINDS,
    ROLE_LABELS,
    DeliveryError,
    FrameworkLevel,
    NotificationTemplate,
    OrgLevel,
    PasswordPolicy,
    ProvinceInfo,
    RegistrationPolicy,
    ReviewChain,
    ReviewPolicy,
    RuleDefaults,
    Taxonomy,
    TenantDefaults,
    UsernameScheme,
    Wording,
)

ENTRY_POINT_GROUP = "creditbank.plugins"


class PluginError(Exception):
    """A plugin is missing, fails to load, raises in a hook or returns the wrong shape."""

    def __init__(self, plugin: str, message: str, hook: str | None = None) -> None:
        self.plugin = plugin
        self.hook = hook
        where = f"插件 {plugin}" + (f" 的钩子 {hook}" if hook else "")
        super().__init__(f"{where}：{message}")


def build_plugin_manager(plugin: object, name: str) -> pluggy.PluginManager:
    """A plugin manager holding core's defaults and one province plugin, checked for
    misspelt hooks."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(CoreDefaults(), name="core.defaults")
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise PluginError(name, f"注册失败：{exc}") from exc
    return pm


class ProvinceHooks:
    """The one typed way core calls a province's hooks.

    Each method calls one hook, converts the result into the declared type (so a plugin that
    returns dicts or the wrong shape is caught here, with its name and the hook's), and caches
    the hooks that take no arguments: plugin data does not change while the process runs.
    """

    def __init__(self, name: str, plugin: object) -> None:
        self.name = name
        self.plugin = plugin
        self.pm = build_plugin_manager(plugin, name)

    def _call(self, hook: str, result_type: Any, **kwargs: Any) -> Any:
        try:
            value = getattr(self.pm.hook, hook)(**kwargs)
        except PluginError:
            raise
        except Exception as exc:  # a plugin bug must name the plugin and hook
            raise PluginError(self.name, f"执行出错：{type(exc).__name__}: {exc}", hook) from exc
        try:
            return msgspec.convert(value, result_type, from_attributes=True)
        except msgspec.ValidationError as exc:
            raise PluginError(self.name, f"返回值不符合约定：{exc}", hook) from exc

    @functools.cached_property
    def info(self) -> ProvinceInfo:
        info = self._call("province_info", ProvinceInfo | None)
        if info is None:
            raise PluginError(self.name, "未实现（每个省份插件都必须实现）", "province_info")
        return info

    @functools.cached_property
    def tenant_defaults(self) -> TenantDefaults:
        return self._call("tenant_defaults", TenantDefaults)

    @functools.cached_property
    def taxonomy(self) -> Taxonomy:
        value = self._call("achievement_taxonomy", Taxonomy | None)
        if value is None:
            raise PluginError(self.name, "未实现（每个省份插件都必须提供成果分类）", "achievement_taxonomy")
        return value

    @functools.cached_property
    def org_levels(self) -> list[OrgLevel]:
        return self._call("org_levels", list[OrgLevel])

    @functools.cached_property
    def framework_levels(self) -> list[FrameworkLevel]:
        return self._call("framework_levels", list[FrameworkLevel])

    @functools.cached_property
    def username_scheme(self) -> UsernameScheme:
        return self._call("username_scheme", UsernameScheme)

    @functools.cached_property
    def registration_policy(self) -> RegistrationPolicy:
        return self._call("registration_policy", RegistrationPolicy)

    @functools.cached_property
    def password_policy(self) -> PasswordPolicy:
        return self._call("password_policy", PasswordPolicy)

    @functools.cached_property
    def review_policy(self) -> ReviewPolicy:
        return self._call("review_policy", ReviewPolicy)

    @functools.cached_property
    def rule_defaults(self) -> RuleDefaults:
        return self._call("rule_defaults", RuleDefaults)

    @functools.cached_property
    def wording(self) -> Wording:
        """The province's words, every role labelled (core's label where it gives none)."""
        value = self._call("wording", Wording)
        return msgspec.structs.replace(value, role_labels={**ROLE_LABELS, **value.role_labels})

    def review_chain(self, kind: str, category: str = "", subtype: str = "") -> ReviewChain | None:
        return self._call(
            "review_chain", ReviewChain | None, kind=kind, category=category, subtype=subtype
        )

    @functools.cached_property
    def chains(self) -> list[tuple[str, str, str, ReviewChain | None]]:
        """Every chain the province defines, as ``(kind, category, subtype, chain)``: each kind
        for each sub-type of the taxonomy, and the certificate chain (for none). Plugin data
        does not change while the process runs, so it is asked once."""
        pairs = [(c.code, s.code) for c in self.taxonomy.categories for s in c.subtypes]
        return [(kind, category, subtype, self.review_chain(kind, category, subtype))
                for kind in APPLICATION_KINDS
                for category, subtype in (pairs if kind != "certificate" else [("", "")])]

    @functools.cached_property
    def notification_templates(self) -> dict[tuple[str, str], NotificationTemplate]:
        """(event, channel) → template; the province's template beats core's default."""
        # Province first: pluggy calls the last registered plugin first.
        results = self._call("notification_templates", list[list[NotificationTemplate]])
        merged: dict[tuple[str, str], NotificationTemplate] = {}
        for batch in results:
            for template in batch:
                merged.setdefault((template.event, template.channel), template)
        return merged

    @functools.cached_property
    def has_sms_gateway(self) -> bool:
        """Whether the province ships its own SMS gateway (implements ``send_sms``)."""
        return any(impl.plugin_name == self.name for impl in self.pm.hook.send_sms.get_hookimpls())

    async def send_sms(self, to: str, text: str, message_key: str) -> None:
        """Hand an SMS to the province's gateway in a worker thread; its ``DeliveryError``
        propagates, anything else becomes a retryable ``DeliveryError`` naming the plugin."""
        import anyio.to_thread

        try:
            await anyio.to_thread.run_sync(lambda: self.pm.hook.send_sms(to=to, text=text, message_key=message_key))
        except DeliveryError:
            raise
        except Exception as exc:
            raise DeliveryError(f"插件 {self.name} 的短信网关出错：{type(exc).__name__}: {exc}") from exc

    def org_level(self, code: str) -> OrgLevel | None:
        return next((level for level in self.org_levels if level.code == code), None)

    def load_all(self) -> None:
        """Call every argument-free hook once, so a broken plugin fails when its tenant is
        loaded rather than in the middle of a learner's request."""
        for name in ("info", "tenant_defaults", "taxonomy", "org_levels", "framework_levels",
                     "username_scheme", "registration_policy", "password_policy", "wording", "rule_defaults"):
            getattr(self, name)


class PluginRegistry:
    """The installed province plugins by name, each wrapped in ``ProvinceHooks`` on demand."""

    def __init__(self, plugins: dict[str, object] | None = None) -> None:
        self._objects: dict[str, object] = dict(plugins or {})
        self._load_errors: dict[str, str] = {}
        self._hooks: dict[str, ProvinceHooks] = {}

    @classmethod
    def discover(cls, extra: dict[str, object] | None = None) -> PluginRegistry:
        """Load every entry point of ``creditbank.plugins``; ``extra`` adds plugins by hand
        (tests, embedded use). A plugin that fails to import is remembered with its error."""
        registry = cls()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                registry._objects[ep.name] = ep.load()
            except Exception as exc:
                registry._load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
        registry._objects.update(extra or {})
        return registry

    def names(self) -> list[str]:
        return sorted(self._objects)

    def __contains__(self, name: str) -> bool:
        return name in self._objects

    def add(self, name: str, plugin: object) -> None:
        self._objects[name] = plugin
        self._hooks.pop(name, None)

    def hooks(self, name: str) -> ProvinceHooks:
        """The hooks of plugin ``name``; raises ``PluginError`` if it is not installed."""
        if name in self._hooks:
            return self._hooks[name]
        if name in self._load_errors:
            raise PluginError(name, f"加载失败：{self._load_errors[name]}")
        if name not in self._objects:
            installed = "、".join(self.names()) or "无"
            raise PluginError(name, f"未安装（已安装的插件：{installed}）")
        hooks = ProvinceHooks(name, self._objects[name])
        self._hooks[name] = hooks
        return hooks

    def describe(self) -> Iterable[dict[str, str]]:
        """Installed plugins as ``{name, title, version}``; broken ones say why."""
        for name in self.names():
            try:
                info = self.hooks(name).info
                yield {"name": name, "title": info.title, "version": info.version, "error": ""}
            except PluginError as exc:
                yield {"name": name, "title": "", "version": "", "error": str(exc)}
        for name, error in sorted(self._load_errors.items()):
            if name not in self._objects:
                yield {"name": name, "title": "", "version": "", "error": error}

