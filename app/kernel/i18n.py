"""Translations shared by every layer: Simplified Chinese is the source language (the
msgids). Each package owns the English of its own strings in
`<package>/translations/en/LC_MESSAGES/messages.po` (app, spaces, reading/lending,
reading/programme, qr); the catalogues are read once and merged (no compiled files to
forget). The locale of the current request lives in a context variable that the web wiring
sets."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# Every package with strings of its own; a msgid found in several is the same translation.
CATALOGUE_PACKAGES = ("app", "spaces", "reading/lending", "reading/programme", "qr", "app/stats")


def catalogue_path(package: str, locale: str) -> Path:
    return ROOT / package / "translations" / locale / "LC_MESSAGES" / "messages.po"


current_locale: ContextVar[str] = ContextVar("current_locale", default="zh-CN")


@cache
def catalogue(locale: str) -> dict[str, str]:
    if locale == "zh-CN":
        return {}
    merged: dict[str, str] = {}
    for package in CATALOGUE_PACKAGES:
        path = catalogue_path(package, locale)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
                merged.setdefault(str(message.id), str(message.string))
    return merged


def gettext(message: str) -> str:
    return catalogue(current_locale.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


_ = gettext


def N_(message: str) -> str:
    """Mark a msgid for extraction (Babel knows `N_` by default) without translating it now."""
    return message
