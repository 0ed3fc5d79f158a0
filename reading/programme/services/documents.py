"""The programme's printable pictures: certificates (PNG or PDF, with a QR code to their
public verification page) and a family's yearly reading summary (1080 × 1920, to share in
WeChat)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.accounts.tables import Child
from app.kernel.clock import local_zone
from app.kernel.errors import Forbidden
from app.kernel.lazy import lazy
from qr.services import tokens
from qr.tokens import Purpose
from reading.programme.services import readinglog
from reading.programme.services.certificates import CertificateView

if TYPE_CHECKING:
    from qr import documents, posters
else:
    documents = lazy("qr.documents")
    posters = lazy("qr.posters")


async def certificate_doc(certificate: CertificateView, base_url: str, now: datetime) -> documents.CertificateDoc:
    token = await tokens.issue(Purpose.certificate, certificate.id, now=now)
    lead = certificate.for_lead_reader
    body = (
        f"在东城区家庭亲子阅读项目中带领亲子共读，累计 {certificate.hours} 小时"
        if lead
        else f"在东城区家庭亲子阅读项目中参加志愿服务，累计 {certificate.hours} 小时"
    )
    return documents.CertificateDoc(
        title="家庭领读人证书" if lead else "志愿服务证书",
        holder=certificate.display_name,
        body=body,
        level=certificate.level,
        issued_on=certificate.issued_at.astimezone(local_zone()).strftime("%Y年%m月%d日"),  # as its page says
        serial=certificate.serial,
        issuer="东城区妇联 · 东城区教委",
        url=f"{base_url}/q/{token}",
        revoked=certificate.revoked,
    )


async def certificate_file(certificate: CertificateView, base_url: str, now: datetime, fmt: str) -> bytes:
    """The certificate as a PNG picture, or (`fmt` "pdf") a one-page PDF."""
    image = documents.certificate_image(await certificate_doc(certificate, base_url, now))
    return posters.to_pdf([image]) if fmt == "pdf" else posters.to_png(image)


async def summary_doc(family_id: int, year: int, base_url: str) -> documents.SummaryDoc:
    """The family's year in one shareable picture; also behind the reading-log page's link."""
    figures = await readinglog.year_summary(family_id, year)
    nicknames = [r["nickname"] for r in await Child.select(Child.nickname).where(Child.family == family_id)]
    # A nickname the shipped font cannot draw (a character outside GB 2312, an emoji) is left
    # out rather than printed as boxes.
    names = "、".join(n for n in nicknames if documents.drawable(n))
    return documents.SummaryDoc(
        headline=f"今年共读 {figures.books} 本绘本",
        lines=tuple(
            line for line in (f"一起读书 {figures.days} 天", f"最长连续 {figures.longest_streak} 天", names) if line
        ),
        url=base_url + "/",
        footer=f"{year} · 东城区家庭亲子阅读 · 故事角",
    )


async def summary_png(family_id: int | None, year: int, base_url: str) -> bytes:
    if family_id is None:
        raise Forbidden()  # a staff account has no reading log
    return posters.to_png(documents.summary_image(await summary_doc(family_id, year, base_url)))
