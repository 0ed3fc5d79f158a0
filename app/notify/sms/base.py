"""What every SMS provider takes and answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from app.kernel.values import frozen
from app.notify.config import SmsConfig


class Status(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # the provider refused for now (throttled, down): try again later
    FAILED = "failed"  # it never will (invalid number, user refused): the inbox keeps it
    UNKNOWN = "unknown"  # no answer after sending: never sent again (at most once)


@frozen
class SendResult:
    status: Status
    message_id: str = ""
    error: str = ""


@frozen
class SmsMessage:
    phone: str  # 11-digit mainland number
    template: str  # the provider's template id ("" for the console)
    params: tuple[str, ...]  # the template's variables, in order (Tencent)
    names: tuple[str, ...]  # their names (Alibaba's TemplateParam keys)
    text: str  # the whole message in words (the console shows it)
    kind: str = ""


class SmsProvider(Protocol):
    name: str

    async def send(self, message: SmsMessage) -> SendResult: ...


class CloudProvider:
    """A provider in the cloud (Alibaba, Tencent), reached with the configured keys, sign and
    endpoint; each builds its own SDK client from them."""

    def __init__(self, config: SmsConfig) -> None:
        self.config = config


def classify(code: str, *, retry: tuple[str, ...], sent: tuple[str, ...] = ()) -> Status:
    """A provider's answer code as a status: `sent` codes, codes starting with one of `retry`,
    everything else a definite failure."""
    if code in sent:
        return Status.SENT
    return Status.RETRY if code.startswith(retry) else Status.FAILED


def answered(
    code: str, message: object, *, retry: tuple[str, ...], sent: tuple[str, ...] = (), message_id: str = ""
) -> SendResult:
    """A provider's answer (or refusal) with its code and message, as every provider reports
    it: the status by `classify`, the error (its code and message) unless it was sent."""
    error = "" if code in sent else f"{code}: {message}"[:500]
    return SendResult(classify(code, retry=retry, sent=sent), message_id=message_id, error=error)


def endpoint(configured: str, default_host: str) -> tuple[str, str]:
    """The scheme and host to send to: the configured endpoint (a fake provider in tests), else
    the provider's own host over HTTPS."""
    url = urlsplit(configured) if configured else None
    return (url.scheme, url.netloc) if url else ("https", default_host)
