"""Translations shared by every layer: Simplified Chinese is the source language (the
msgids); English comes from `app/translations/en/LC_MESSAGES/messages.po`, read once at
start (no compiled files to forget). The locale of the current request lives in a context
variable that the web wiring sets."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

current_locale: ContextVar[str] = ContextVar("current_locale", default="zh-CN")


@cache
def catalogue(locale: str) -> dict[str, str]:
    if locale == "zh-CN":
        return {}
    path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


def gettext(message: str) -> str:
    return catalogue(current_locale.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


_ = gettext


def N_(message: str) -> str:
    """Mark a msgid for extraction (Babel knows `N_` by default) without translating it now."""
    return message
