"""Settings, read from the environment when asked (never at import).

The embedded default needs no configuration: an SQLite file, an evidence folder and a secret
key under ``var/`` in the project's home (the checkout, or ``CREDITBANK_HOME``).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

PROJECT_HOME = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    pass


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    home: Path
    database_url: str
    storage_url: str
    secret_key: str
    tenants_dir: Path
    # PostgreSQL beyond one server (docs/scale.md): a pooler in front, a streaming replica.
    database_pooler: str = "none"  # none | pgbouncer (transaction pooling: no prepared statements)
    database_direct_url: str | None = None  # the server itself, for migrations and session work
    database_replica_url: str | None = None  # a hot standby that serves anonymous public reads
    database_replica_max_lag: float = 5.0  # seconds behind the primary before reads fall back
    redis_url: str | None = None
    smtp_url: str | None = None
    sms_url: str | None = None
    sender_lease_seconds: int = 60
    sender_retry_hours: int = 24
    sender: str = "inprocess"  # inprocess | off: whether each web worker runs a sender
    token_hours: int = 12
    max_upload_mb: int = 10
    # What an uploaded XLSX may unpack to (checked before it is parsed: zip bombs).
    xlsx_max_entries: int = 200
    xlsx_max_unpacked_mb: int = 100
    xlsx_max_part_mb: int = 50
    xlsx_max_ratio: int = 100
    # An import job whose heartbeat is older than this is taken for dead (its process died).
    job_stale_seconds: int = 120
    # Audit events stay online this many days (at least 180: Cybersecurity Law Art. 21), then
    # ``creditbank audit archive`` moves them to storage as signed files.
    audit_retention_days: int = 180
    # Where the platform is reached from outside: every absolute link (proofs, QR codes, SMS and
    # e-mail links) is built from it or from a tenant's own base_url, never from the Host header.
    base_url: str = "http://127.0.0.1:8000"
    allowed_hosts: tuple[str, ...] = ()  # besides the base URL's host and the tenants' hosts
    trusted_proxies: tuple[str, ...] = ()  # addresses/CIDRs whose X-Forwarded-For is believed

    @property
    def https(self) -> bool:
        """Served over TLS (as the base URL says): cookies are Secure, HSTS is sent."""
        return self.base_url.startswith("https://")

    @property
    def var_dir(self) -> Path:
        return self.home / "var"

    @property
    def database_kind(self) -> str:
        """``sqlite`` or ``postgres``."""
        return database_kind(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("CREDITBANK_HOME") or PROJECT_HOME)
        var = home / "var"
        database_url = env.get("CREDITBANK_DATABASE_URL") or f"sqlite:///{var / 'creditbank.sqlite3'}"
        database_kind(database_url)  # refuse an unknown scheme early, with a clear message
        return cls(
            home=home,
            database_url=database_url,
            storage_url=env.get("CREDITBANK_STORAGE_URL") or f"file://{var / 'evidence'}",
            secret_key=env.get("CREDITBANK_SECRET_KEY") or _stored_secret_key(var),
            tenants_dir=Path(env.get("CREDITBANK_TENANTS_DIR") or home / "tenants"),
            database_pooler=_pooler(env, database_url),
            database_direct_url=_postgres_url(env, "CREDITBANK_DATABASE_DIRECT_URL"),
            database_replica_url=_postgres_url(env, "CREDITBANK_DATABASE_REPLICA_URL"),
            database_replica_max_lag=_float(env, "CREDITBANK_DATABASE_REPLICA_MAX_LAG", 5.0),
            redis_url=env.get("CREDITBANK_REDIS_URL") or None,
            smtp_url=env.get("CREDITBANK_SMTP_URL") or None,
            sms_url=env.get("CREDITBANK_SMS_URL") or None,
            max_upload_mb=_int(env, "CREDITBANK_MAX_UPLOAD_MB", 10),
            sender_lease_seconds=_int(env, "CREDITBANK_SENDER_LEASE", 60),
            xlsx_max_entries=_int(env, "CREDITBANK_XLSX_MAX_ENTRIES", 200),
            xlsx_max_unpacked_mb=_int(env, "CREDITBANK_XLSX_MAX_UNPACKED_MB", 100),
            xlsx_max_part_mb=_int(env, "CREDITBANK_XLSX_MAX_PART_MB", 50),
            xlsx_max_ratio=_int(env, "CREDITBANK_XLSX_MAX_RATIO", 100),
            sender_retry_hours=_int(env, "CREDITBANK_SENDER_RETRY_HOURS", 24),
            sender=_sender_mode(env, database_url),
            job_stale_seconds=max(_int(env, "CREDITBANK_JOB_STALE_SECONDS", 120), 1),
            audit_retention_days=_retention(env),
            base_url=base_url_setting(env.get("CREDITBANK_BASE_URL") or "http://127.0.0.1:8000", "CREDITBANK_BASE_URL"),
            allowed_hosts=_hosts(env.get("CREDITBANK_ALLOWED_HOSTS") or ""),
            trusted_proxies=_networks(env.get("CREDITBANK_TRUSTED_PROXIES") or ""),
        )


def base_url_setting(value: str, name: str) -> str:
    """An absolute http(s) URL without query or fragment, returned without a trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(f"{name} 应为 http:// 或 https:// 开头的完整地址（不带查询参数）：{value!r}")
    return value.strip().rstrip("/")


def _hosts(value: str) -> tuple[str, ...]:
    return tuple(h.strip().lower() for h in value.split(",") if h.strip())


def _networks(value: str) -> tuple[str, ...]:
    """The trusted proxies as normalised networks (a bare address is a /32 or /128)."""
    networks = []
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(f"CREDITBANK_TRUSTED_PROXIES 中的 {item!r} 不是 IP 地址或网段（如 10.0.0.0/8）") from None
    return tuple(networks)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} 应为整数：{value!r}") from None


def _retention(env: Mapping[str, str]) -> int:
    days = _int(env, "CREDITBANK_AUDIT_RETENTION_DAYS", 180)
    if days < 180:
        raise SettingsError(f"CREDITBANK_AUDIT_RETENTION_DAYS 至少为 180（网络安全法要求日志留存不少于六个月），收到 {days}")
    return days


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0:
        raise SettingsError(f"{name} 应为非负数（秒）：{value!r}")
    return number


def _postgres_url(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name) or None
    if value and database_kind(value, name) != "postgres":
        raise SettingsError(f"{name} 应为 postgresql://… 地址：{value!r}")
    return value


def _pooler(env: Mapping[str, str], database_url: str) -> str:
    """``pgbouncer``: the database URL names a PgBouncer in transaction mode. Migrations (and
    the few things that need a session of their own) then go to ``CREDITBANK_DATABASE_DIRECT_URL``,
    which must be given: through the pooler they would run on whichever server connection is free."""
    value = (env.get("CREDITBANK_DATABASE_POOLER") or "none").strip().lower()
    if value not in ("none", "pgbouncer"):
        raise SettingsError(f"CREDITBANK_DATABASE_POOLER 应为 none 或 pgbouncer：{value!r}")
    if value == "pgbouncer":
        if database_kind(database_url) != "postgres":
            raise SettingsError("CREDITBANK_DATABASE_POOLER=pgbouncer 需要 PostgreSQL（CREDITBANK_DATABASE_URL=postgresql://…）")
        if not env.get("CREDITBANK_DATABASE_DIRECT_URL"):
            raise SettingsError("CREDITBANK_DATABASE_POOLER=pgbouncer 时须设置 CREDITBANK_DATABASE_DIRECT_URL"
                                "（直连 PostgreSQL 的地址，供迁移等需要独占会话的工作使用）")
    return value


def _sender_mode(env: Mapping[str, str], database_url: str) -> str:
    """On the embedded default (SQLite) the web process sends; on PostgreSQL production runs
    separate ``creditbank sender`` processes, so web workers do not (one setting, one place)."""
    value = (env.get("CREDITBANK_SENDER") or "").strip().lower()
    if not value:
        return "inprocess" if database_kind(database_url) == "sqlite" else "off"
    if value not in ("inprocess", "off"):
        raise SettingsError(f"CREDITBANK_SENDER 应为 inprocess 或 off：{value!r}")
    return value


def database_kind(url: str, name: str = "CREDITBANK_DATABASE_URL") -> str:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgres", "postgresql"):
        return "postgres"
    raise SettingsError(
        f"{name} 不受支持：{url!r}（应为 sqlite:///路径 或 postgresql://…）"
    )


def _stored_secret_key(var: Path) -> str:
    """The key kept in ``var/secret_key``, generated on first start."""
    path = var / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key
