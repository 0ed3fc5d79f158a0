"""Asking for an SMS code: issued by the identity domain (limits, hashing), sent here, in the
asker's language, through the configured provider. A code that could not be sent is taken
back (it does not count against the limits) and the asker told to try again (503)."""

from __future__ import annotations

from app.accounts.errors import SmsUnavailable
from app.accounts.services import sms_codes
from app.kernel.clock import Clock
from app.kernel.notices import fill
from app.notify.channels import CODE_TEXT, sms
from app.notify.sms.base import SendResult, SmsMessage, Status
from app.notify.tables import DeliveryAttempt

MINUTES = str(int(sms_codes.CODE_TTL.total_seconds() // 60))


async def request_code(phone: str, purpose: str, *, client: str, locale: str, clock: Clock) -> None:
    provider, templates = sms()
    issued = await sms_codes.issue(phone, purpose, client=client, clock=clock)
    if not issued.deliver:
        return  # nobody can use it: nothing is sent, and the answer is the same
    if provider is None:
        await sms_codes.withdraw(issued)
        raise SmsUnavailable()
    message = SmsMessage(
        phone=issued.phone,
        template=templates.get("code", ""),
        params=(issued.code, MINUTES),
        names=("code", "minutes"),
        text=fill(CODE_TEXT, {"code": issued.code, "minutes": MINUTES}, locale),
        kind="code",
    )
    try:
        result = await provider.send(message)
    except Exception as exc:  # a provider's bug is an unsent code, not a 500
        result = SendResult(Status.RETRY, error=repr(exc)[:500])
    await DeliveryAttempt.insert(
        DeliveryAttempt(
            channel="sms",
            provider=provider.name,
            kind=f"code_{purpose}",
            provider_message_id=result.message_id,
            status=result.status.value,
            error=result.error,
            at=clock.now(),
        )
    )
    if result.status is not Status.SENT:
        await sms_codes.withdraw(issued)
        raise SmsUnavailable()
