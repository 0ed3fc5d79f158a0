"""Certificates of lead readers and volunteers (PNG or PDF, with a QR code to the public
verification page), and their revocation by a district admin."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, FAMILIES, STAFF
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, download, see_other
from reading.programme.controllers.lead_readers import lead_readers_page
from reading.programme.schemas import RevokedOut
from reading.programme.services import certificates, documents
from reading.programme.services.certificates import CertificateView

PNG, PDF = "image/png", "application/pdf"
MEDIA = {"png": PNG, "pdf": PDF}


async def _file(certificate: CertificateView, state: State, clock: Clock, fmt: str) -> bytes:
    return await documents.certificate_file(certificate, state.settings.base_url, clock.now(), fmt)


async def _lead_reader(lead_reader_id: int, actor: Actor, clock: Clock, state: State, fmt: str) -> Response[bytes]:
    issued = await certificates.issue_for_lead_reader(lead_reader_id, actor=actor, now=clock.now())
    return Response(await _file(issued, state, clock, fmt), media_type=MEDIA[fmt])


async def _mine(actor: Actor, clock: Clock, state: State, fmt: str) -> Response[bytes]:
    """My lead-reader certificate, to save."""
    issued = await certificates.issue_mine(actor=actor, now=clock.now())
    return download(await _file(issued, state, clock, fmt), f"certificate-{issued.serial}.{fmt}", MEDIA[fmt])


class CertificatesController(Controller):
    path = "/api/v1"
    tags = ("reading programme",)

    @get("/lead-readers/{lead_reader_id:int}/certificate.png", media_type=PNG)
    async def certificate_png(
        self, lead_reader_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        return await _lead_reader(lead_reader_id, actor, clock, state, "png")

    @get("/lead-readers/{lead_reader_id:int}/certificate.pdf", media_type=PDF)
    async def certificate_pdf(
        self, lead_reader_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        return await _lead_reader(lead_reader_id, actor, clock, state, "pdf")

    @get("/users/{user_id:int}/certificate.png", media_type=PNG)
    async def volunteer_certificate(
        self, user_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        """A volunteer's certificate (themselves, or a district admin)."""
        issued = await certificates.issue_for_volunteer(user_id, actor=actor, now=clock.now())
        return Response(await _file(issued, state, clock, "png"), media_type=PNG)

    @post("/certificates/{certificate_id:int}/revoke", opt=ADMINS, status_code=200)
    async def revoke(self, certificate_id: FromPath[int], clock: ClockDep) -> RevokedOut:
        revoked = await certificates.revoke(certificate_id, now=clock.now())
        return RevokedOut(id=revoked.id, serial=revoked.serial, revoked=revoked.revoked)


class CertificatePages(Pages):
    @get("/lead-reader/certificate.png", opt=FAMILIES, media_type=PNG)
    async def certificate_png(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        return await _mine(actor, clock, state, "png")

    @get("/lead-reader/certificate.pdf", opt=FAMILIES, media_type=PDF)
    async def certificate_pdf(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        return await _mine(actor, clock, state, "pdf")

    @get("/staff/my-certificate.png", opt=STAFF, media_type=PNG)
    async def my_certificate(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """My volunteer certificate (hours from the sessions I ran or led)."""
        issued = await certificates.issue_for_volunteer(actor.user_id, actor=actor, now=clock.now())
        return Response(await _file(issued, state, clock, "png"), media_type=PNG)

    @post("/staff/lead-readers/certificates/{certificate_id:int}/revoke", opt=ADMINS, status_code=200)
    async def revoke(self, certificate_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        """Revoke a certificate: its verification page then says so."""
        try:
            await certificates.revoke(certificate_id, now=clock.now())
        except DomainError as exc:
            return await lead_readers_page(actor, refused=exc)
        return see_other("/staff/lead-readers?note=revoked#certificates")
