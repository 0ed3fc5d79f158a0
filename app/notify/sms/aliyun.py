"""Alibaba Cloud SMS (`SendSms` of dysmsapi 2017-05-25), through the official SDK (V3
signature, ACS3-HMAC-SHA256) and its aiohttp client. Imported at the first message: it
costs a process about 16 MB, which only a process that sends SMS should pay."""

from __future__ import annotations

import json
from typing import Any

from app.notify.sms.base import CloudProvider, SendResult, SmsMessage, Status, answered, endpoint

# Throttling (isv.BUSINESS_LIMIT_CONTROL per number, Throttling per account) and the
# provider's own trouble are tried again; an illegal number, a bad template or key are final.
RETRY = ("isv.BUSINESS_LIMIT_CONTROL", "Throttling", "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR")


class AliyunProvider(CloudProvider):
    name = "aliyun"

    def _client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        scheme, host = endpoint(self.config.endpoint, "dysmsapi.aliyuncs.com")
        timeout_ms = int(self.config.timeout * 1000)
        return Client(
            Config(
                access_key_id=self.config.secret_id,
                access_key_secret=self.config.secret_key,
                endpoint=host,
                protocol=scheme,
                read_timeout=timeout_ms,
                connect_timeout=timeout_ms,
            )
        )

    async def send(self, message: SmsMessage) -> SendResult:
        from alibabacloud_dysmsapi20170525 import models

        request = models.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=self.config.sign_name,
            template_code=message.template,
            template_param=json.dumps(dict(zip(message.names, message.params, strict=True)), ensure_ascii=False),
        )
        try:
            response = await self._client().send_sms_async(request)
        except Exception as exc:  # the SDK raises its own kinds, with a `code` when the provider answered
            code = str(getattr(exc, "code", "") or "")
            if not code:
                return SendResult(Status.RETRY, error=f"unreachable: {exc!r}"[:500])
            return answered(code, getattr(exc, "message", exc), retry=RETRY)
        body = response.body
        return answered(
            str(body.code or ""), body.message, retry=RETRY, sent=("OK",), message_id=str(body.biz_id or "")
        )
