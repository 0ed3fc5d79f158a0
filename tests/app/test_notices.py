"""Notices stored as a kind and its parameters, rendered in the reader's language: in the
inbox for whoever reads, on SMS for the recipient's language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.accounts.services import preferences
from app.accounts.tables import User
from app.kernel import notices, outbox
from app.kernel.db import write_transaction
from app.kernel.notices import NoticeKind, Urgency
from app.notify.delivery import deliver_pending, send_due
from app.notify.sms.console import latest
from tests.helpers import FrozenClock, register_family

# Words with an English translation in the catalogue (the welcome's title) and parameters.
KIND = NoticeKind(
    kind="test_reminder",
    label="测试提醒",
    title="欢迎加入故事角",
    body="{slot} · {starts_at} · {until_on}",
    link="/slots/{slot_id}",
    urgency=Urgency.NORMAL,
)
PARAMS = {"slot": "秋天的树叶", "starts_at": "2026-11-28T10:00:00+00:00", "until_on": "2026-12-01", "slot_id": 7}


@pytest.fixture(autouse=True)
def kind() -> Any:
    notices.register(KIND)
    yield
    notices._kinds.pop(KIND.kind, None)


def test_render_in_each_language() -> None:
    zh = notices.render(KIND.kind, PARAMS, "zh-CN", title="", body="", link="")
    en = notices.render(KIND.kind, PARAMS, "en", title="", body="", link="")
    assert (zh.title, zh.body, zh.link) == ("欢迎加入故事角", "秋天的树叶 · 11月28日 18:00 · 12月01日", "/slots/7")
    assert (en.title, en.body) == ("Welcome to StoryCorner", "秋天的树叶 · 28 Nov 18:00 · 01 Dec")


def test_an_older_notice_without_a_parameter_still_renders() -> None:
    shown = notices.render(KIND.kind, {"slot": "秋天的树叶"}, "zh-CN", title="", body="", link="")
    assert shown.body == "秋天的树叶 ·  · "


def test_stored_sentences_are_shown_as_written() -> None:
    shown = notices.render("welcome", None, "en", title="欢迎加入故事角", body="随便一句话", link="/x")
    assert (shown.title, shown.body, shown.link) == ("Welcome to StoryCorner", "随便一句话", "/x")


async def test_a_kind_without_words_cannot_be_written(clock: FrozenClock) -> None:
    with pytest.raises(LookupError):
        async with write_transaction():
            await outbox.notice(recipient_id=1, kind="no_such_kind", params={}, now=clock.now())


async def test_inbox_and_sms_in_the_readers_language(client: httpx.AsyncClient, clock: FrozenClock, queue: Any) -> None:
    fam = await register_family(client)
    await queue.drain()
    user = await User.select(User.id).where(User.login == fam["phone"]).first()
    await preferences.update(user["id"], locale="en", clock=clock)
    async with write_transaction():
        await outbox.notice(recipient_id=user["id"], kind=KIND.kind, params=PARAMS, now=clock.now())
    clock.set(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))  # 11:00 in Beijing: SMS allowed
    await deliver_pending(clock=clock)
    await send_due(clock=clock)
    [sms] = [m for m in await latest() if m.phone == fam["phone"]]
    assert sms.text == "Welcome to StoryCorner: 秋天的树叶 · 28 Nov 18:00 · 01 Dec"
    items = (await client.get("/api/v1/notifications", headers=fam["headers"])).json()["items"]
    assert items[0]["title"] == "欢迎加入故事角" and items[0]["link"] == "/slots/7"
    items = (await client.get("/api/v1/notifications", headers={**fam["headers"], "Accept-Language": "en"})).json()
    assert items["items"][0]["body"] == "秋天的树叶 · 28 Nov 18:00 · 01 Dec"
