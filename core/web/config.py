"""Template configuration of the portal (CSRF: ``core.web.csrf``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from core.web.security import NONCE_KEY

CORE = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Pages show times as the learners live them; stored times are UTC.
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def template_dirs() -> list[Path]:
    """Every domain's ``templates/`` folder; a domain keeps its templates in a sub-folder named
    after it (``accounts/activate.html``) so names never collide."""
    return sorted(p for p in CORE.glob("*/templates") if p.is_dir())


def _local(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TIME)
        return value.strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters["localtime"] = _local
    env.filters["localdate"] = lambda v: _local(v, "%Y-%m-%d")
    # <style nonce="{{ csp_nonce() }}">: the only inline content the CSP lets through.
    env.globals["csp_nonce"] = pass_context(lambda ctx: ctx["request"].scope.get(NONCE_KEY, ""))
    env.trim_blocks = True
    env.lstrip_blocks = True


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=template_dirs(), engine=JinjaTemplateEngine, engine_callback=_configure)
