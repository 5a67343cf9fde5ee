"""Template and CSRF configuration of the portal."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from core.settings import Settings

CORE = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
CSRF_COOKIE = "cb_csrf"
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
    env.trim_blocks = True
    env.lstrip_blocks = True


def template_config() -> TemplateConfig:
    return TemplateConfig(directory=template_dirs(), engine=JinjaTemplateEngine, engine_callback=_configure)


def csrf_config(settings: Settings) -> CSRFConfig:
    """Double-submit cookie on every portal form. The JSON API is left out: it authenticates
    with bearer tokens, and the session cookie is SameSite=Lax, so no other site can post it."""
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["/api/", "^/schema", "^/healthz", "^/static/"],
    )
