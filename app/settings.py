"""One frozen settings object, read from the environment (and an optional `.env`).

A wrong value fails at start with a message naming the variable: `SettingsError`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.kernel.values import frozen
from app.notify.config import ConfigError, MessagingConfig
from app.notify.config import load as load_messaging

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STORYCORNER_VAR", ROOT / "var"))
LOCALES = ("zh-CN", "en")


class SettingsError(ValueError):
    """A configuration variable has a wrong value; the message names it."""


@frozen
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    base_url: str
    time_zone: str
    default_locale: str
    site_name: str
    web_workers: int
    db_pool_size: int
    secure_cookies: bool
    debug: bool
    booking_rate_per_account: int = 20
    booking_rate_per_client: int = 600
    qr_key_ids: tuple[int, ...] = (1,)
    qr_signing_key_id: int = 1
    qr_retired_key_ids: frozenset[int] = frozenset()
    lead_reader_levels: tuple[tuple[str, int, int], ...] = ()
    shutdown_drain: int = 5
    shutdown_grace: int = 20
    keep_scan_log_days: int = 180
    keep_login_attempts_days: int = 30
    keep_check_in_links_years: int = 3
    messaging: MessagingConfig = field(default_factory=MessagingConfig)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.split("://", 1)[1] if self.is_sqlite else ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _embedded_secret(var_dir: Path) -> str:
    """The embedded default keeps a generated key under var/ so restarts keep sessions valid."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _local_base_url(env: Mapping[str, str]) -> str:
    """Without BASE_URL, codes and links point where `serve` listens (HOST and PORT), so
    `PORT=8102 make run` prints posters that open on port 8102. A wildcard address is not
    one a phone can open: the loopback name stands in for it."""
    host = env.get("HOST") or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 (a comparison, not a bind)
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{env.get('PORT') or '8000'}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env: dict[str, str] = {**_read_dotenv(ROOT / ".env"), **(os.environ if environ is None else environ)}
    var_dir = Path(env.get("STORYCORNER_VAR", str(VAR_DIR)))

    database_url = env.get("DATABASE_URL") or f"sqlite://{var_dir / 'storycorner.sqlite3'}"
    scheme = urlsplit(database_url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise SettingsError(f"DATABASE_URL must start with sqlite:// or postgresql://, got {database_url!r}")
    embedded = scheme == "sqlite"

    redis_url = env.get("REDIS_URL") or None
    if redis_url is not None and urlsplit(redis_url).scheme not in {"redis", "rediss"}:
        raise SettingsError(f"REDIS_URL must start with redis:// or rediss://, got {redis_url!r}")

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if not embedded:
            raise SettingsError("SECRET_KEY is required when DATABASE_URL is not SQLite")
        secret_key = _embedded_secret(var_dir)
    elif len(secret_key) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters long")

    base_url = (env.get("BASE_URL") or _local_base_url(env)).rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SettingsError(f"BASE_URL must be an absolute http(s) URL, got {base_url!r}")

    time_zone = env.get("TIME_ZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIME_ZONE is not a known time zone: {time_zone!r}") from None

    default_locale = env.get("DEFAULT_LOCALE") or "zh-CN"
    if default_locale not in LOCALES:
        raise SettingsError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, got {default_locale!r}")

    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        base_url=base_url,
        time_zone=time_zone,
        default_locale=default_locale,
        site_name=env.get("SITE_NAME") or "故事角 StoryCorner",
        web_workers=_int(env, "WEB_WORKERS", 1 if embedded else 2, 1, 64),
        db_pool_size=_int(env, "DB_POOL_SIZE", 10, 1, 200),
        secure_cookies=_bool(env, "SECURE_COOKIES", parts.scheme == "https"),
        debug=_bool(env, "DEBUG", False),
        booking_rate_per_account=_int(env, "BOOKING_RATE_PER_ACCOUNT", 20, 1, 100_000),
        booking_rate_per_client=_int(env, "BOOKING_RATE_PER_CLIENT", 600, 1, 10_000_000),
        **_qr_keys(env),
        lead_reader_levels=_levels(env),
        shutdown_drain=_int(env, "SHUTDOWN_DRAIN", 5, 0, 120),
        shutdown_grace=_int(env, "SHUTDOWN_GRACE", 20, 1, 600),
        keep_scan_log_days=_int(env, "KEEP_SCAN_LOG_DAYS", 180, 1, 3650),
        keep_login_attempts_days=_int(env, "KEEP_LOGIN_ATTEMPTS_DAYS", 30, 1, 3650),
        keep_check_in_links_years=_int(env, "KEEP_CHECK_IN_LINKS_YEARS", 3, 1, 50),
        messaging=_messaging(env),
    )


def _messaging(env: Mapping[str, str]) -> MessagingConfig:
    try:
        return load_messaging(env)
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None


def _levels(env: Mapping[str, str]) -> tuple[tuple[str, int, int], ...]:
    """LEAD_READER_LEVELS: name:sessions:minutes, comma-separated, e.g. the default below."""
    raw = env.get("LEAD_READER_LEVELS") or "见习领读人:0:0,领读人:5:300,资深领读人:30:1800"
    try:
        levels = []
        for part in raw.split(","):
            name, sessions, minutes = part.strip().rsplit(":", 2)
            levels.append((name.strip(), int(sessions), int(minutes)))
        if not levels or any(not n or s < 0 or m < 0 for n, s, m in levels):
            raise ValueError
    except ValueError:
        raise SettingsError(
            f"LEAD_READER_LEVELS must look like 见习领读人:0:0,领读人:5:300 (name:sessions:minutes), got {raw!r}"
        ) from None
    return tuple(levels)


def _id_list(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    raw = env.get(name) or default
    try:
        ids = tuple(sorted({int(part) for part in raw.replace(" ", "").split(",") if part}))
    except ValueError:
        raise SettingsError(f"{name} must be comma-separated key ids (1-255), got {raw!r}") from None
    if any(not 1 <= i <= 255 for i in ids):
        raise SettingsError(f"{name} must be comma-separated key ids (1-255), got {raw!r}")
    return ids


def _qr_keys(env: Mapping[str, str]) -> dict[str, Any]:
    """QR token keys are derived from SECRET_KEY per key id. Rotate by adding an id to
    QR_KEY_IDS and signing with it; retire the old one later (its codes stop working)."""
    key_ids = _id_list(env, "QR_KEY_IDS", "1")
    signing = _int(env, "QR_SIGNING_KEY_ID", max(key_ids), 1, 255)
    retired = frozenset(_id_list(env, "QR_RETIRED_KEY_IDS", "")) if env.get("QR_RETIRED_KEY_IDS") else frozenset()
    if signing not in key_ids or signing in retired:
        raise SettingsError(f"QR_SIGNING_KEY_ID {signing} must be one of QR_KEY_IDS and not retired")
    return {"qr_key_ids": key_ids, "qr_signing_key_id": signing, "qr_retired_key_ids": retired}


_cached: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once."""
    global _cached
    if _cached is None:
        _cached = load_settings()
    return _cached


def reload_settings() -> Settings:
    """Read the settings again (the command line changed the environment they come from)."""
    global _cached
    _cached = load_settings()
    return _cached
