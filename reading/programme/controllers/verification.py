"""A certificate's code opened from `/q/<token>`: the public verification page. It shows the
holder's display name, level and date only; a revoked certificate says so. Registered by
`app/runtime.py` (`qr.openers`)."""

from __future__ import annotations

from litestar.response import Template

from app.kernel.values import frozen
from qr.openers import Visit
from qr.tokens import Purpose
from reading.programme.services import certificates


@frozen
class CertificateOpener:
    purpose: Purpose = Purpose.certificate
    public: bool = True  # anyone may verify a certificate

    async def open(self, visit: Visit) -> Template:
        certificate = await certificates.get(visit.claims.subject)
        return Template("programme/certificate.html", context={"certificate": certificate})


OPENER = CertificateOpener()
