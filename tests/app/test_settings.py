"""Settings are read once from the environment; a wrong value fails at start with a message
naming the variable."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 40
PG = "postgresql://storycorner@db.example:5432/storycorner"


@pytest.fixture
def base(tmp_path: Path) -> dict[str, str]:
    """A minimal valid environment that writes nothing outside tmp_path."""
    return {"STORYCORNER_VAR": str(tmp_path / "var"), "SECRET_KEY": KEY}


def fails(env: dict[str, str], variable: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert variable in message, message
    return message


def test_embedded_defaults(base: dict[str, str], tmp_path: Path) -> None:
    settings = load_settings(base)
    assert settings.is_sqlite
    assert settings.database_url == f"sqlite://{tmp_path / 'var' / 'storycorner.sqlite3'}"
    assert settings.sqlite_path == str(tmp_path / "var" / "storycorner.sqlite3")
    assert settings.redis_url is None
    assert settings.secret_key == KEY
    assert settings.time_zone == "Asia/Shanghai"
    assert settings.tz.key == "Asia/Shanghai"
    assert settings.default_locale == "zh-CN"
    assert settings.web_workers == 1
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.secure_cookies is False
    assert settings.debug is False


def test_production_values(base: dict[str, str]) -> None:
    settings = load_settings(
        {
            **base,
            "DATABASE_URL": PG,
            "REDIS_URL": "rediss://cache.example:6380/0",
            "BASE_URL": "https://story.example/",
            "TIME_ZONE": "Asia/Urumqi",
            "DEFAULT_LOCALE": "en",
            "DB_POOL_SIZE": "25",
            "DEBUG": "no",
        }
    )
    assert not settings.is_sqlite
    assert settings.sqlite_path == ""
    assert settings.database_url == PG
    assert settings.redis_url == "rediss://cache.example:6380/0"
    assert settings.base_url == "https://story.example"  # no trailing slash
    assert settings.secure_cookies is True  # https by default means secure cookies
    assert settings.web_workers == 2  # more than one process by default on PostgreSQL
    assert settings.db_pool_size == 25
    assert settings.default_locale == "en"
    assert settings.tz.key == "Asia/Urumqi"
    assert load_settings({**base, "DATABASE_URL": "postgres://u@h/db"}).database_url == "postgres://u@h/db"


def test_settings_are_frozen(base: dict[str, str]) -> None:
    settings = load_settings(base)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.debug = True  # type: ignore[misc]


@pytest.mark.parametrize("url", ["mysql://u@h/db", "http://db.example/x", "storycorner.sqlite3", "mongodb://x"])
def test_database_url_scheme(base: dict[str, str], url: str) -> None:
    message = fails({**base, "DATABASE_URL": url}, "DATABASE_URL")
    assert url in message


@pytest.mark.parametrize("url", ["http://cache.example:6379", "localhost:6379", "memcached://x"])
def test_redis_url_scheme(base: dict[str, str], url: str) -> None:
    fails({**base, "REDIS_URL": url}, "REDIS_URL")


def test_secret_key_required_with_postgres(tmp_path: Path) -> None:
    fails({"STORYCORNER_VAR": str(tmp_path), "DATABASE_URL": PG}, "SECRET_KEY")
    fails({"STORYCORNER_VAR": str(tmp_path), "DATABASE_URL": PG, "SECRET_KEY": ""}, "SECRET_KEY")
    assert not (tmp_path / "secret_key").exists()  # no silent fallback to a generated key


def test_secret_key_length(base: dict[str, str]) -> None:
    message = fails({**base, "SECRET_KEY": "s" * 31}, "SECRET_KEY")
    assert "s" * 31 not in message  # the secret is not echoed into logs
    fails({**base, "DATABASE_URL": PG, "SECRET_KEY": "short"}, "SECRET_KEY")
    assert load_settings({**base, "SECRET_KEY": "s" * 32}).secret_key == "s" * 32


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Beijing", "../../etc/passwd", "UTC+8"])
def test_time_zone_unknown(base: dict[str, str], zone: str) -> None:
    fails({**base, "TIME_ZONE": zone}, "TIME_ZONE")


@pytest.mark.parametrize("value", ["two", "1.5", "0", "65", "-1"])
def test_web_workers_not_a_number_or_out_of_range(base: dict[str, str], value: str) -> None:
    message = fails({**base, "WEB_WORKERS": value}, "WEB_WORKERS")
    assert value in message


def test_web_workers_in_range(base: dict[str, str]) -> None:
    assert load_settings({**base, "WEB_WORKERS": "1"}).web_workers == 1
    assert load_settings({**base, "WEB_WORKERS": "64"}).web_workers == 64
    assert load_settings({**base, "WEB_WORKERS": ""}).web_workers == 1  # empty means default


def test_db_pool_size(base: dict[str, str]) -> None:
    fails({**base, "DB_POOL_SIZE": "lots"}, "DB_POOL_SIZE")
    fails({**base, "DB_POOL_SIZE": "0"}, "DB_POOL_SIZE")


@pytest.mark.parametrize("locale", ["fr", "zh", "zh_CN", "EN", "en-US"])
def test_default_locale(base: dict[str, str], locale: str) -> None:
    fails({**base, "DEFAULT_LOCALE": locale}, "DEFAULT_LOCALE")


@pytest.mark.parametrize("url", ["ftp://story.example", "story.example", "https://", "/relative"])
def test_base_url(base: dict[str, str], url: str) -> None:
    fails({**base, "BASE_URL": url}, "BASE_URL")


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8102", "http://127.0.0.1:8102"),
        ("0.0.0.0", "8102", "http://127.0.0.1:8102"),
        ("192.168.1.20", None, "http://192.168.1.20:8000"),
        ("::1", "9000", "http://[::1]:9000"),
    ],
)
def test_base_url_follows_host_and_port_when_unset(
    base: dict[str, str], host: str, port: str | None, expected: str
) -> None:
    env = {**base, "HOST": host, **({"PORT": port} if port else {})}
    assert load_settings(env).base_url == expected
    assert load_settings({**env, "BASE_URL": "https://reading.example.cn/"}).base_url == "https://reading.example.cn"


def test_booleans(base: dict[str, str]) -> None:
    fails({**base, "SECURE_COOKIES": "maybe"}, "SECURE_COOKIES")
    fails({**base, "DEBUG": "2"}, "DEBUG")
    assert load_settings({**base, "DEBUG": "Yes"}).debug is True
    assert load_settings({**base, "BASE_URL": "https://x.example", "SECURE_COOKIES": "off"}).secure_cookies is False


def test_embedded_secret_key_is_generated_once(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {"STORYCORNER_VAR": str(var)}
    first = load_settings(env)
    key_file = var / "secret_key"
    assert key_file.exists()
    assert key_file.read_text().strip() == first.secret_key
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Stable across loads (restarts keep sessions and signed tokens valid).
    assert load_settings(env).secret_key == first.secret_key
    assert load_settings(dict(env)).secret_key == first.secret_key
    # Another installation gets another key.
    other = load_settings({"STORYCORNER_VAR": str(tmp_path / "elsewhere")})
    assert other.secret_key != first.secret_key
    # An explicit SECRET_KEY wins over the stored one.
    assert load_settings({**env, "SECRET_KEY": KEY}).secret_key == KEY


def run_app(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://x"), ("TIME_ZONE", "Nowhere/Special")],
)
def test_cli_refuses_to_start_with_a_bad_setting(tmp_path: Path, variable: str, value: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STORYCORNER_VAR": str(tmp_path), variable: value}
    done = run_app(env, "migrate")
    assert done.returncode != 0
    assert variable in done.stderr
    assert value in done.stderr
    assert "Traceback" not in done.stderr
    assert "migrations: up to date" not in done.stdout
