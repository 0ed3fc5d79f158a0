"""Certificates: A4 landscape PNG and PDF in Chinese whose QR code decodes (zxing-cpp) to the
public verification URL, which shows the right holder (display name, level, date only); a
revoked certificate shows revoked."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pypdfium2
from fontTools.ttLib import TTFont
from PIL import Image

from qr.documents import A4_LANDSCAPE
from qr.images import BOLD, REGULAR
from reading.programme.services import certificates
from reading.programme.services.documents import certificate_doc
from reading.programme.tables import Certificate
from tests.helpers import FrozenClock, register_family
from tests.reading.programme.helpers import (
    attend_training,
    browser,
    make_lead_reader,
    problem,
    qr_text,
    session_body,
    set_status,
    volunteer,
)

BASE = "http://testserver"


def pdf_first_page(pdf: bytes) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        assert width > height, "an A4 landscape page"
        assert abs(width - 841.9) < 2 and abs(height - 595.3) < 2
        return page.render(scale=150 / 72).to_pil()
    finally:
        document.close()


async def verification(client: httpx.AsyncClient, url: str) -> httpx.Response:
    assert url.startswith(f"{BASE}/q/"), url
    return await client.get(url.removeprefix(BASE))


async def test_volunteer_certificate_verifies_and_revoked_shows_revoked(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    vol = await volunteer(client, "vol_cert", (library["a"],))
    me = (await client.get("/api/v1/users/me", headers=vol)).json()
    for minutes, key in ((90, "cert-one-1"), (100, "cert-two-2")):
        body = session_body(library["a"], clock, minutes=minutes, client_key=key)
        assert (await client.post("/api/v1/reading-sessions", json=body, headers=vol)).status_code == 201
    r = await client.get(f"/api/v1/users/{me['id']}/certificate.png", headers=vol)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    assert image.size == A4_LANDSCAPE
    url = qr_text(r.content)
    page = await verification(client, url)  # anyone may verify: no login
    assert page.status_code == 200
    assert "vol_cert" in page.text and "志愿者" in page.text and "这是一张有效的证书。" in page.text
    row = await Certificate.select().where(Certificate.user == me["id"]).first()
    assert row is not None and row["hours"] == 3 and re.fullmatch(r"VO-2026-\d{6}", row["serial"])
    assert row["serial"] in page.text

    # Only the volunteer (or a district admin) gets it.
    other = await volunteer(client, "vol_cert_other", (library["a"],))
    assert (await client.get(f"/api/v1/users/{me['id']}/certificate.png", headers=other)).status_code == 404
    assert (await client.get(f"/api/v1/users/{me['id']}/certificate.png", headers=library["admin"])).status_code == 200

    # Revoked: only a district admin may; the same QR code now says revoked.
    assert (
        await client.post(f"/api/v1/certificates/{row['id']}/revoke", headers=library["librarian"])
    ).status_code == 403
    r = await client.post(f"/api/v1/certificates/{row['id']}/revoke", headers=library["admin"])
    assert r.status_code == 200 and r.json() == {"id": row["id"], "serial": row["serial"], "revoked": True}
    page = await verification(client, url)
    assert page.status_code == 200
    assert "这张证书已被撤销，不再有效。" in page.text and "这是一张有效的证书。" not in page.text
    assert problem(await client.post("/api/v1/certificates/999999/revoke", headers=library["admin"])) == (
        404,
        "certificate_not_found",
    )
    # The volunteer's page downloads a new, valid certificate.
    async with browser(app, "vol_cert") as b:
        r = await b.get("/staff/my-certificate.png")
        assert r.status_code == 200
        fresh = await verification(client, qr_text(r.content))
        assert "这是一张有效的证书。" in fresh.text and row["serial"] not in fresh.text


async def test_lead_reader_certificate_pdf_and_revoking_it_from_the_admin_page(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    lead = await make_lead_reader(client, library)
    await attend_training(client, library, clock, lead)
    assert (await set_status(client, lead["lead_id"], "active", library["librarian"])).status_code == 200
    async with browser(app, lead["phone"], lead["password"]) as fam:
        r = await fam.get("/lead-reader/certificate.pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        url = qr_text(_png(pdf_first_page(r.content)))
        png = await fam.get("/lead-reader/certificate.png")
        assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).size == A4_LANDSCAPE
        assert "attachment" in png.headers["content-disposition"]
    async with browser(app, (other := await register_family(client))["phone"], other["password"]) as stranger:
        assert (await stranger.get("/lead-reader/certificate.png")).status_code == 404  # not a lead reader
    page = await verification(client, url)
    assert page.status_code == 200
    assert "王妈妈" in page.text and "见习领读人" in page.text and "2026-11-28" in page.text
    assert lead["phone"] not in page.text  # the display name, level and date only
    assert "这是一张有效的证书。" in page.text

    row = await Certificate.select().where(Certificate.kind == "lead_reader").first()
    assert row is not None
    async with browser(app, "readadmin") as admin:
        listing = await admin.get("/staff/lead-readers")
        assert listing.status_code == 200 and row["serial"] in listing.text
        r = await admin.post(
            f"/staff/lead-readers/certificates/{row['id']}/revoke", data={"_csrf_token": admin.cookies["csrftoken"]}
        )
        assert r.status_code == 303
        assert "证书已撤销" in (await admin.get(r.headers["location"])).text
    async with browser(app, "libr") as librarian:
        await librarian.get("/staff/lead-readers")
        r = await librarian.post(
            f"/staff/lead-readers/certificates/{row['id']}/revoke",
            data={"_csrf_token": librarian.cookies["csrftoken"]},
        )
        assert r.status_code == 403
    page = await verification(client, url)
    assert "这张证书已被撤销，不再有效。" in page.text and "王妈妈" in page.text
    # A token that is not ours: a clear page, not a certificate.
    assert (await client.get("/q/not-a-certificate-token")).status_code == 400


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def test_a_certificate_issued_at_any_moment_gets_a_serial(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    """The serial is written in two steps (a placeholder, then one from the id); the
    placeholder must fit the column too, whatever the clock's microseconds (PostgreSQL
    refuses a value longer than varchar(20))."""
    clock.set(datetime(2026, 11, 28, 2, 0, 0, 987_654, tzinfo=UTC))
    leads = [await make_lead_reader(client, library) for _ in range(2)]
    for lead in leads:
        r = await client.get(f"/api/v1/lead-readers/{lead['lead_id']}/certificate.png", headers=lead["headers"])
        assert r.status_code == 200, r.text
        clock.advance(microseconds=1)
    serials = [r["serial"] for r in await Certificate.select(Certificate.serial).order_by(Certificate.id)]
    assert len(serials) == 2 and all(re.fullmatch(r"LR-2026-\d{6}", s) for s in serials)
    assert len(set(serials)) == 2
    # The same level and hours: the same certificate again, not a new serial.
    r = await client.get(f"/api/v1/lead-readers/{leads[0]['lead_id']}/certificate.png", headers=leads[0]["headers"])
    assert r.status_code == 200 and await Certificate.count() == 2


async def test_the_certificate_text_is_in_the_shipped_font(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    lead = await make_lead_reader(client, library)
    r = await client.get(f"/api/v1/lead-readers/{lead['lead_id']}/certificate.png", headers=lead["headers"])
    assert r.status_code == 200
    row = await Certificate.select(Certificate.id).first()
    assert row is not None
    issued = replace(await certificates.get(row["id"]), revoked_at=clock.now() - timedelta(seconds=1))
    doc = await certificate_doc(issued, app.state.settings.base_url, clock.now())
    texts = [doc.title, doc.holder, doc.body, doc.level, doc.issuer, doc.issued_on, f"证书编号 {doc.serial}"]
    texts += ["扫码验证 Scan to verify", "已撤销 REVOKED"]
    for path in (REGULAR, BOLD):
        cmap = TTFont(str(path)).getBestCmap()
        missing = {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not missing, f"{path.name} lacks {missing}"


async def test_a_certificate_and_its_page_show_the_same_local_date_across_midnight(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    """Issued at 00:30 in Beijing on 5 December (16:30 UTC on the 4th): the picture, its serial
    and its verification page all say the 5th (the picture said the UTC date, 12-04)."""
    clock.set(datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    lead = await make_lead_reader(client, library)
    r = await client.get(f"/api/v1/lead-readers/{lead['lead_id']}/certificate.png", headers=lead["headers"])
    assert r.status_code == 200, r.text
    row = await Certificate.select(Certificate.id).first()
    assert row is not None
    doc = await certificate_doc(await certificates.get(row["id"]), app.state.settings.base_url, clock.now())
    assert doc.issued_on == "2026年12月05日"
    page = await verification(client, qr_text(r.content))
    assert page.status_code == 200 and "2026-12-05" in page.text and "2026-12-04" not in page.text

    # New Year's Eve, 00:30 on 1 January in Beijing: the serial carries the new year.
    clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    other = await make_lead_reader(client, library)
    r = await client.get(f"/api/v1/lead-readers/{other['lead_id']}/certificate.png", headers=other["headers"])
    assert r.status_code == 200, r.text
    newest = await Certificate.select(Certificate.serial).order_by(Certificate.id, ascending=False).first()
    assert newest is not None and newest["serial"].startswith("LR-2027-")
