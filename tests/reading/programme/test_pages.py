"""The reading-programme pages, as a browser uses them (session cookie, CSRF): a family
applies and manages itself as a lead reader, librarians and admins decide and move lead
readers with kind refusals, volunteer hours with a CSV export, and every page in English."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx

from reading.programme.rules import TRAINING_THEME
from reading.programme.tables import LeadReader, LeadReaderApplication
from tests.helpers import FrozenClock, bearer, family_body, login, register_family, staff_headers
from tests.reading.programme.helpers import (
    attend_training,
    browser,
    hidden_value,
    make_lead_reader,
    session_body,
    volunteer,
)
from tests.spaces.conftest import make_slot
from tests.web.test_i18n import ascii_space, visible_chinese


def csrf(b: httpx.AsyncClient) -> str:
    return str(b.cookies["csrftoken"])


async def test_a_family_applies_on_the_page_and_a_librarian_decides(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    fam = await register_family(client)
    await staff_headers(client, "lib_pages_b", roles=("librarian",), spaces=(library["b"],))
    await volunteer(client, "vol_pages", (library["a"],))
    async with (
        browser(app, fam["phone"], fam["password"]) as family,
        browser(app, "libr") as librarian,
        browser(app, "readadmin") as admin,
        browser(app, "lib_pages_b") as other_librarian,
        browser(app, "vol_pages") as vol,
    ):
        home = await family.get("/family")  # where a family finds the programme
        assert 'href="/reading-log"' in home.text and 'href="/lead-reader"' in home.text
        page = await family.get("/lead-reader")
        assert page.status_code == 200 and 'href="/lead-reader/apply"' in page.text
        form = await family.get("/lead-reader/apply")
        assert "吉祥十平米阅读空间" in form.text and "福祥十平米阅读空间" in form.text
        r = await family.post(
            "/lead-reader/apply", data={"_csrf_token": csrf(family), "motivation": "我喜欢讲故事", "availability": ""}
        )
        assert r.status_code == 400 and "请选择 1 到 10 个想去带读的空间" in r.text and "我喜欢讲故事" in r.text
        r = await family.post(
            "/lead-reader/apply", data={"_csrf_token": csrf(family), "space_id": [str(library["a"])], "motivation": " "}
        )
        assert r.status_code == 400 and "请写一写您想成为领读人的原因" in r.text
        data = {
            "_csrf_token": csrf(family),
            "motivation": "我喜欢讲故事",
            "availability": "周六上午",
            "space_id": [str(library["a"])],
        }
        r = await family.post("/lead-reader/apply", data=data)
        assert r.status_code == 303 and r.headers["location"] == "/lead-reader?note=applied"
        page = await family.get(r.headers["location"])
        assert "申请已提交！" in page.text and "正在等待馆员审核" in page.text and "吉祥十平米阅读空间" in page.text
        r = await family.post("/lead-reader/apply", data=data)
        assert r.status_code == 409 and "您已经有一份待处理的申请" in r.text

        schedule = await vol.get("/staff")  # where staff find it
        assert 'href="/staff/sessions/new"' in schedule.text and 'href="/staff/lead-readers"' not in schedule.text
        assert 'href="/staff/lead-readers"' in (await librarian.get("/staff")).text
        # Volunteers do not decide; a librarian of another space does not see it.
        assert (await vol.get("/staff/lead-readers")).status_code == 403
        assert "我喜欢讲故事" not in (await other_librarian.get("/staff/lead-readers")).text
        application = await LeadReaderApplication.select().first()
        assert application is not None
        r = await other_librarian.post(
            f"/staff/lead-readers/applications/{application['id']}/decision",
            data={"_csrf_token": csrf(other_librarian), "approve": "1"},
        )
        assert r.status_code == 403 and "只有区管理员或申请所选空间的馆员可以审批" in r.text

        listing = await librarian.get("/staff/lead-readers")
        assert "我喜欢讲故事" in listing.text and "周六上午" in listing.text
        r = await librarian.post(
            f"/staff/lead-readers/applications/{application['id']}/decision",
            data={"_csrf_token": csrf(librarian), "approve": "1", "note": "欢迎！"},
        )
        assert r.status_code == 303
        assert "已通过申请" in (await librarian.get(r.headers["location"])).text
        # The admin's page was open before: a second decision is refused kindly, with the news.
        await admin.get("/staff/lead-readers")
        r = await admin.post(
            f"/staff/lead-readers/applications/{application['id']}/decision",
            data={"_csrf_token": csrf(admin), "approve": "0", "note": ""},
        )
        assert r.status_code == 409 and "这份申请已经有人处理过了" in r.text
        assert "没有待审核的申请。" in r.text

        # The trainee: training first, shown kindly.
        lead = await LeadReader.select().first()
        assert lead is not None
        page = await family.get("/lead-reader")
        assert "见习中" in page.text and "见习领读人" in page.text and "已参加培训：0 次" in page.text
        assert "/lead-reader/certificate.png" in page.text and "暂停带读" not in page.text
        r = await librarian.post(
            f"/staff/lead-readers/{lead['id']}/status", data={"_csrf_token": csrf(librarian), "status": "active"}
        )
        assert r.status_code == 409 and "见习领读人要先参加一次领读人培训活动" in r.text
        r = await other_librarian.post(
            f"/staff/lead-readers/{lead['id']}/status",
            data={"_csrf_token": csrf(other_librarian), "status": "active"},
        )
        assert r.status_code == 403 and "只有区管理员或领读人所选空间的馆员可以变更领读人状态" in r.text
        await attend_training(client, library, clock, fam)
        r = await librarian.post(
            f"/staff/lead-readers/{lead['id']}/status", data={"_csrf_token": csrf(librarian), "status": "active"}
        )
        assert r.status_code == 303 and "领读人已转为带读中" in (await librarian.get(r.headers["location"])).text

        # The lead reader pauses, resumes and retires on their own page; retired is final.
        for status, note in (("paused", "已暂停带读"), ("active", "欢迎回来"), ("retired", "您已退出家庭领读人")):
            r = await family.post("/lead-reader/status", data={"_csrf_token": csrf(family), "status": status})
            assert r.status_code == 303, r.text
            assert note in (await family.get(r.headers["location"])).text
        r = await family.post("/lead-reader/status", data={"_csrf_token": csrf(family), "status": "active"})
        assert r.status_code == 409 and "已退出的领读人不能再恢复" in r.text
        r = await admin.post(
            f"/staff/lead-readers/{lead['id']}/status", data={"_csrf_token": csrf(admin), "status": "active"}
        )
        assert r.status_code == 409
        assert (await family.get("/staff/lead-readers")).status_code == 403


async def test_hours_page_and_csv_export(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    # A guardian whose name looks like a spreadsheet formula leads a session.
    body = family_body(children=1)
    body["guardian_name"] = "=HYPERLINK(1)"
    r = await client.post("/api/v1/families", json=body)
    assert r.status_code == 201
    fam = {"headers": bearer(await login(client, body["phone"], body["password"])), "family": r.json()}
    lead = await make_lead_reader(client, library, fam)
    vol = await volunteer(client, "vol_hours_page", (library["a"], library["b"]))
    for space, minutes, key in ((library["a"], 90, "page-h-1"), (library["b"], 30, "page-h-2")):
        body = session_body(space, clock, minutes=minutes, client_key=key, lead_reader_ids=[lead["lead_id"]])
        assert (await client.post("/api/v1/reading-sessions", json=body, headers=vol)).status_code == 201
    async with browser(app, "vol_hours_page") as b:
        page = await b.get("/staff/volunteer-hours")
        assert page.status_code == 200
        assert "vol_hours_page" in page.text and "=HYPERLINK(1)" in page.text
        assert "<td>1.5</td>" in page.text and "<td>0.5</td>" in page.text and "<strong>2</strong>" in page.text
        one = await b.get(f"/staff/volunteer-hours?space={library['b']}")
        assert "<td>0.5</td>" in one.text and "<td>1.5</td>" not in one.text
        exported = await b.get("/staff/volunteer-hours.csv")
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert "attachment" in exported.headers["content-disposition"]
        text = exported.content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
        assert {(r["name"], r["space_id"], r["minutes"]) for r in rows} == {
            ("vol_hours_page", str(library["a"]), "90"),
            ("vol_hours_page", str(library["b"]), "30"),
            ("'=HYPERLINK(1)", str(library["a"]), "90"),  # never a formula in a spreadsheet
            ("'=HYPERLINK(1)", str(library["b"]), "30"),
        }
        assert (await b.get(f"/staff/volunteer-hours.csv?space={library['a']}")).text.count("\n") == 3
    async with browser(app) as anonymous:
        r = await anonymous.get("/staff/volunteer-hours.csv", follow_redirects=False)
        assert r.status_code in (302, 303, 401)


async def test_the_new_session_form_offers_todays_activities(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    today_slot = await make_slot(
        client,
        {"id": library["a"], "admin": library["admin"]},
        clock,
        starts_at=clock.now() + timedelta(hours=2),
        title="绘本＋文化：过年啦",
        theme="culture",
    )
    await make_slot(client, {"id": library["b"], "admin": library["admin"]}, clock, title="明天的活动")
    await volunteer(client, "vol_today", (library["a"],))
    async with browser(app, "vol_today") as b:
        page = await b.get("/staff/sessions/new")
        assert "绘本＋文化：过年啦" in page.text and f"/staff/sessions/new?slot_id={today_slot['id']}" in page.text
        assert "明天的活动" not in page.text
        # One space: no picker, the space is fixed.
        assert f'name="space_id" value="{library["a"]}"' in page.text and 'data-draft-key="space-' in page.text
        roster = await b.get(f"/staff/slots/{today_slot['id']}")
        assert f'href="/staff/sessions/new?slot_id={today_slot["id"]}"' in roster.text
        filled = await b.get(f"/staff/sessions/new?slot_id={today_slot['id']}")
        assert 'data-draft-key="slot-' in filled.text and 'value="culture"' in filled.text
        assert hidden_value(filled.text, "slot_id") == str(today_slot["id"])
        # The slot of a space the volunteer does not serve: refused.
        other = await make_slot(
            client, {"id": library["b"], "admin": library["admin"]}, clock, starts_at=clock.now() + timedelta(hours=1)
        )
        assert (await b.get(f"/staff/sessions/new?slot_id={other['id']}")).status_code == 403
        listing = await b.get("/staff/sessions")
        assert listing.status_code == 200 and "这天还没有阅读活动记录。" in listing.text


async def test_the_programme_pages_in_english(client: httpx.AsyncClient, clock: FrozenClock, app: Any) -> None:
    """Every fixed text of the new pages is translated (names typed by people stay as typed)."""
    space_id = await ascii_space()
    admin = await staff_headers(client, "en_admin")
    await staff_headers(client, "en_librarian", roles=("librarian",), spaces=(space_id,))
    vol = await staff_headers(client, "en_volunteer", roles=("volunteer",), spaces=(space_id,))
    r = await client.post("/api/v1/books", json={"isbn": "9780140328721", "title": "Matilda"}, headers=admin)
    assert r.status_code == 201
    book_id = r.json()["id"]
    body = family_body(children=1)
    body["guardian_name"] = "Anna"
    body["children"][0]["nickname"] = "Bo"
    r = await client.post("/api/v1/families", json=body)
    fam = {"headers": bearer(await login(client, body["phone"], body["password"])), "family": r.json()}
    application = (
        await client.post(
            "/api/v1/lead-readers/applications",
            json={"motivation": "I love stories", "preferred_space_ids": [space_id]},
            headers=fam["headers"],
        )
    ).json()["id"]
    # A second family's application stays open for the admin's list.
    other = family_body(children=1)
    other["guardian_name"] = "Ben"
    other["children"][0]["nickname"] = "Li"
    await client.post("/api/v1/families", json=other)
    other_headers = bearer(await login(client, other["phone"], other["password"]))
    await client.post(
        "/api/v1/lead-readers/applications",
        json={"motivation": "Reading together", "availability": "Sundays", "preferred_space_ids": [space_id]},
        headers=other_headers,
    )
    lead_id = (
        await client.post(
            f"/api/v1/lead-readers/applications/{application}/decision", json={"approve": True}, headers=admin
        )
    ).json()["lead_reader_id"]
    started = (clock.now() - timedelta(hours=1)).isoformat()
    r = await client.post(
        "/api/v1/reading-sessions",
        json={
            "space_id": space_id,
            "started_at": started,
            "minutes": 45,
            "adults": 3,
            "children": 4,
            "lead_reader_ids": [lead_id],
            "book_ids": [book_id],
            "isbns": ["9780064430173"],
            "theme": "reading",
            "notes": "Rainy day",
        },
        headers=vol,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/families/me/reading-log",
        json={"book_id": book_id, "child_ids": [fam["family"]["children"][0]["id"]], "read_on": "2026-11-27"},
        headers=fam["headers"],
    )
    assert r.status_code == 201
    await client.get(f"/api/v1/lead-readers/{lead_id}/certificate.png", headers=fam["headers"])
    training = await make_slot(client, {"id": space_id, "admin": admin}, clock, title="Training", theme=TRAINING_THEME)

    day = (clock.now()).date().isoformat()
    pages = {
        (body["phone"], body["password"]): ["/lead-reader", "/lead-reader/apply", "/reading-log", "/reading-log?q=Mat"],
        (other["phone"], other["password"]): ["/lead-reader"],
        ("en_volunteer", "staff-pass-1"): [
            "/staff/sessions/new",
            f"/staff/sessions/new?slot_id={training['id']}",
            f"/staff/sessions?day={day}",
            "/staff/volunteer-hours",
        ],
        ("en_admin", "staff-pass-1"): ["/staff/lead-readers", f"/staff/sessions?space={space_id}&day={day}"],
        ("en_librarian", "staff-pass-1"): ["/staff/lead-readers"],
    }
    for (who, password), paths in pages.items():
        async with browser(app, who, password) as b:
            await b.get("/?lang=en")
            for path in paths:
                r = await b.get(path)
                assert r.status_code == 200, (who, path, r.status_code)
                assert '<html lang="en">' in r.text
                assert not visible_chinese(r.text), (path, visible_chinese(r.text))
    # Refusals in English too.
    async with browser(app, "en_admin") as b:
        await b.get("/staff/lead-readers?lang=en")
        r = await b.post(
            f"/staff/lead-readers/applications/{application}/decision", data={"_csrf_token": csrf(b), "approve": "1"}
        )
        assert r.status_code == 409 and not visible_chinese(r.text), visible_chinese(r.text)
        r = await b.post(f"/staff/lead-readers/{lead_id}/status", data={"_csrf_token": csrf(b), "status": "active"})
        assert r.status_code == 409 and not visible_chinese(r.text), visible_chinese(r.text)
    async with browser(app, "en_volunteer") as b:
        await b.get("/staff/sessions/new?lang=en")
        r = await b.post(
            "/staff/sessions",
            data={
                "_csrf_token": csrf(b),
                "space_id": str(space_id),
                "started_at": "2026-11-28T09:00",
                "minutes": "45",
                "adults": "-1",
                "children": "2",
                "action": "save",
                "client_key": "english-key-1",
            },
        )
        assert r.status_code == 400 and not visible_chinese(r.text), visible_chinese(r.text)
