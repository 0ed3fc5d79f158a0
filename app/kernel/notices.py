"""Notice kinds: what a notice says, rendered when it is delivered, in the reader's language.

A domain writes `outbox.notice(kind, params)` in its transaction: the kind and its parameters
are stored, not a sentence. The words come from the kind registered here (`register`), each
domain contributing its own kinds (`NoticeKind` with gettext msgids that name parameters as
`{title}`); the inbox renders them for whoever reads, SMS and WeChat for the recipient's
language. A parameter whose name ends in `_at` holds an ISO time and is shown as local time,
one ending in `_on` an ISO date.

The kind also says how urgent it is (which outside channels it may take) and whether a
family may switch it off for SMS and WeChat (the inbox always keeps it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.kernel.clock import local_zone
from app.kernel.i18n import catalogue
from app.kernel.values import frozen


class Urgency(StrEnum):
    """LOW: the inbox only. NORMAL: the inbox and one outside channel (WeChat, else SMS).
    URGENT: the inbox and every outside channel, quiet hours or not (a waitlist offer that
    expires in minutes)."""

    LOW = "low"
    NORMAL = "normal"
    URGENT = "urgent"


@frozen
class NoticeKind:
    kind: str
    label: str  # msgid: what the family's preferences call it
    title: str = ""  # msgid with {param} placeholders; empty: the stored (older) text is shown
    body: str = ""
    link: str = ""
    urgency: Urgency = Urgency.NORMAL
    optional: bool = True  # a family may switch it off for SMS and WeChat
    sms_params: tuple[str, ...] = ("title",)  # the SMS template's variables, in order


@frozen
class Rendered:
    title: str
    body: str
    link: str


_kinds: dict[str, NoticeKind] = {}


def register(*kinds: NoticeKind) -> None:
    """Add or replace kinds (a domain's own registration replaces a placeholder)."""
    for kind in kinds:
        _kinds[kind.kind] = kind


def get(kind: str) -> NoticeKind | None:
    return _kinds.get(kind)


def registered() -> list[NoticeKind]:
    return sorted(_kinds.values(), key=lambda k: k.kind)


def translate(msgid: str, locale: str) -> str:
    return catalogue(locale).get(msgid, msgid) if msgid else msgid


MOMENT = {"zh-CN": "%m月%d日 %H:%M", "en": "%d %b %H:%M"}
DAY = {"zh-CN": "%m月%d日", "en": "%d %b"}


def _shown(name: str, value: Any, locale: str) -> str:
    if name.endswith("_at") and isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value).astimezone(local_zone())
            return moment.strftime(MOMENT.get(locale, MOMENT["zh-CN"]))
    if name.endswith("_on") and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value).strftime(DAY.get(locale, DAY["zh-CN"]))
    return str(value)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""  # a kind's words never fail on a parameter an older notice lacks


def shown(params: Mapping[str, Any], locale: str) -> dict[str, str]:
    """The parameters as the reader sees them (times local, in the locale's format)."""
    return {name: _shown(name, value, locale) for name, value in params.items()}


def fill(msgid: str, params: Mapping[str, Any], locale: str) -> str:
    return translate(msgid, locale).format_map(_Params(shown(params, locale)))


def render(kind: str, params: Mapping[str, Any] | None, locale: str, *, title: str, body: str, link: str) -> Rendered:
    """A notice in `locale`: from its kind's words when it was stored as a kind and parameters
    (`params` not None) and the kind is known; otherwise the stored text, translated when the
    catalogue has it (fixed texts do)."""
    entry = _kinds.get(kind)
    if params is not None and entry is not None and entry.title:
        return Rendered(
            title=fill(entry.title, params, locale),
            body=fill(entry.body, params, locale),
            link=fill(entry.link, params, locale) if entry.link else link,
        )
    return Rendered(title=translate(title, locale), body=translate(body, locale), link=link)
