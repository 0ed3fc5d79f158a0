"""Backups and restores of the whole database (`python -m app backup` / `restore`), and the
start-up check that the QR keys still verify the codes already printed.

- SQLite: an online backup through SQLite's backup API (consistent while the service runs),
  checked with `PRAGMA integrity_check`.
- PostgreSQL: `pg_dump --format=custom`, checked by listing it with `pg_restore --list`;
  restored with `pg_restore` into an empty database.
Either way the restored database is then migrated, so a backup from an older release
comes up to date.

The QR codes on every poster, label and card are signed with keys derived from SECRET_KEY
(and the QR key settings). A restore with another SECRET_KEY would silently turn every printed
code into "invalid": so each key's fingerprint (an HMAC of a fixed text, which reveals nothing
of the key) is kept in the database, and `serve` and `worker` refuse to start when the
configured keys do not match it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from piccolo.query.mixins import OnConflictAction

from app.kernel.values import frozen
from app.settings import Settings
from app.tables import KeyValue
from qr.tokens import Keyring

FINGERPRINT_TEXT = b"storycorner: the key that signs printed QR codes"


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why."""


@frozen
class Done:
    path: Path
    size: int


def default_path(settings: Settings, var_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if settings.is_sqlite else "pgdump"
    return var_dir / "backups" / f"storycorner-{stamp}.{suffix}"


def backup(settings: Settings, target: Path) -> Done:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name")
    if settings.is_sqlite:
        _sqlite_backup(Path(settings.sqlite_path), target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _pg_url(settings)])
        _run(["pg_restore", "--list", str(target)])  # readable to the end
    return Done(target, target.stat().st_size)


def restore(settings: Settings, source: Path) -> None:
    """Into an empty database only: a restore never merges into live data."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if settings.is_sqlite:
        target = Path(settings.sqlite_path)
        if target.exists() and _sqlite_has_tables(target):
            raise BackupError(f"{target} is not empty; move it away first (the service must be stopped)")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_backup(source, target)
    else:
        url = _pg_url(settings)
        tables = _run(
            ["psql", "--no-psqlrc", "-At", "-c", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", url]
        )
        if tables.strip() != "0":
            raise BackupError("the database is not empty; restore into a new, empty database")
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", url, str(source)])


def _sqlite_backup(source: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed SQLite's integrity check: {verdict}")
    os.replace(partial, target)


def _sqlite_has_tables(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def _pg_url(settings: Settings) -> str:
    return settings.database_url.replace("postgres://", "postgresql://", 1)


def _run(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{argv[0]} is not installed (PostgreSQL's client programs are needed)")
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 (our own argv)
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def key_fingerprints(keyring: Keyring) -> dict[str, str]:
    return {
        f"qr:key:{kid}": hmac.new(key, FINGERPRINT_TEXT, hashlib.sha256).hexdigest()[:32]
        for kid, key in keyring.keys.items()
    }


async def check_qr_keys(keyring: Keyring) -> str | None:
    """None when the configured keys are the ones the stored codes were signed with (keys seen
    for the first time are recorded); otherwise what is wrong, for an operator."""
    wanted = key_fingerprints(keyring)
    rows = await KeyValue.select(KeyValue.key, KeyValue.value).where(KeyValue.key.is_in(list(wanted)))
    stored = {r["key"]: bytes(r["value"]).decode() for r in rows}
    changed = sorted(k.rsplit(":", 1)[1] for k, v in stored.items() if wanted[k] != v)
    if changed:
        return (
            f"the QR key(s) {', '.join(changed)} differ from the ones this database's printed codes were "
            "signed with: SECRET_KEY (or QR_KEY_IDS) is not the one this database was used with. Start with "
            "the original SECRET_KEY; every poster, label and card would stop working otherwise."
        )
    for key, value in wanted.items():
        if key not in stored:  # two processes starting at once record the same value
            await KeyValue.insert(KeyValue(key=key, value=value.encode(), expires_at=None)).on_conflict(
                action=OnConflictAction.do_nothing
            )
    return None
