"""One list of activity themes (issue 15, item 17), on both engines: the staff form offers the
five 绘本＋ themes and the lead-reader training (so a training, which activates a trainee, can
be created from the pages) and stores the code; the API stores a theme named by any of its
words as the same code, on creating and on editing, and keeps other text as it is."""

from __future__ import annotations

from typing import Any

import httpx

from reading.programme.rules import TRAINING_THEME
from tests.helpers import FrozenClock
from tests.spaces.conftest import make_slot
from tests.spaces.test_booking_pages import Browsers, browsers, staff_browser
from tests.web.forms import submit

__all__ = ["browsers"]  # the fixture, imported to be used here


async def test_the_staff_form_creates_a_lead_reader_training(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    lib = await staff_browser(browsers, "theme-lib", spaces=(space["id"],))
    new = f"/staff/spaces/{space['id']}/slots/new"
    page = await lib.get(new)
    assert f'<option value="{TRAINING_THEME}">家庭领读人培训</option>' in page.text
    for code in ("culture", "reading", "science", "safety", "volunteer"):
        assert f'<option value="{code}"' in page.text
    form = {
        "kind": "activity",
        "title": "家庭领读人培训：怎样带读一本绘本",
        "theme": TRAINING_THEME,
        "day": "2026-12-05",
        "starts": "10:00",
        "ends": "11:30",
        "capacity": "20",
        "repeat_weeks": "1",
    }
    r = await submit(lib, f"/staff/spaces/{space['id']}/slots", form, page=new)
    assert r.status_code == 303, r.text
    found = (
        await client.get(
            f"/api/v1/spaces/{space['id']}/slots",
            params={"from": "2026-12-05T00:00:00+08:00", "to": "2026-12-06T00:00:00+08:00"},
        )
    ).json()["items"]
    assert [s["theme"] for s in found if s["kind"] == "activity"] == [TRAINING_THEME]
    slot_page = await client.get(f"/slots/{found[0]['id']}")
    assert "家庭领读人培训" in slot_page.text


async def test_the_api_stores_a_theme_by_its_code(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    science = await make_slot(client, space, clock, theme="绘本＋科普")
    training = await make_slot(client, space, clock, theme="领读人培训", title="培训")
    free = await make_slot(client, space, clock, theme="自然", title="自然")
    assert (science["theme"], training["theme"], free["theme"]) == ("science", TRAINING_THEME, "自然")
    r = await client.patch(f"/api/v1/slots/{free['id']}", json={"theme": "安全教育"}, headers=space["admin"])
    assert r.status_code == 200, r.text
    assert r.json()["theme"] == "safety"
