"""The family card: a QR code for borrowing, to print or to show on the phone; opened from
`/q/<token>`, staff see whose it is (for lending) and the family sees its own card. The
opener is registered by `app/runtime.py` (`qr.openers`)."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.response import Template

from app.accounts.errors import FamilyNotFound
from app.accounts.roles import FAMILIES
from app.accounts.services.families import get_family
from app.kernel.i18n import gettext
from app.kernel.values import frozen
from app.kernel.web import ActorDep, ClockDep, Pages
from qr.openers import Visit
from qr.services import tokens
from qr.tokens import Purpose


@frozen
class FamilyOpener:
    purpose: Purpose = Purpose.family
    public: bool = False

    async def open(self, visit: Visit) -> Template:
        scanner = visit.scanner
        assert scanner is not None
        if not scanner.is_staff and scanner.family_id != visit.claims.subject:
            raise FamilyNotFound()
        family = await get_family(visit.claims.subject, clock=visit.clock)
        return Template("family_card.html", context={"family": family, "staff": scanner.is_staff})


OPENER = FamilyOpener()


class FamilyCardPage(Pages):
    @get("/family/card.png", opt=FAMILIES, media_type="image/png")
    async def card(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """The family card: a QR code for borrowing, to print or to show on the phone."""
        from qr import posters  # Pillow, qrcode and python-barcode: imported by the first image drawn

        assert actor.family_id is not None
        family = await get_family(actor.family_id, clock=clock)
        token = await tokens.issue(Purpose.family, actor.family_id, now=clock.now())
        names = "、".join(c.nickname for c in family.children)
        card = posters.Card(
            title=gettext("故事角家庭借阅卡"),
            subtitle=family.guardians[0].name if family.guardians else "",
            url=tokens.url(state.settings.base_url, token),
            lines=(names,) if names else (),
        )
        return Response(posters.to_png(posters.card_image(card)), media_type="image/png")
