"""Tencent Cloud SMS (API 3.0 `SendSms`, TC3-HMAC-SHA256), through the official SDK's async
client (httpx). The SDK is imported at the first message, so a web process that never sends
one does not carry it (about 7 MB)."""

from __future__ import annotations

from typing import Any

import httpx

from app.notify.sms.base import CloudProvider, SendResult, SmsMessage, Status, answered, endpoint

# Codes worth trying again later: throttling (per number, per account), the provider's own
# trouble. Everything else (an invalid number, a template not approved, a bad key) is final.
RETRY = ("LimitExceeded", "RequestLimitExceeded", "InternalError", "ServerNetworkError", "ClientNetworkError")


class TencentProvider(CloudProvider):
    name = "tencent"

    def _client(self) -> Any:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client_async import SmsClient

        scheme, host = endpoint(self.config.endpoint, "sms.tencentcloudapi.com")
        http = HttpProfile(
            protocol=scheme,
            endpoint=host,
            reqTimeout=int(self.config.timeout),
        )
        profile = ClientProfile(httpProfile=http)
        # The region breaker would switch to a backup endpoint after failures; the endpoint is
        # the one configured, always.
        profile.disable_region_breaker = True
        return SmsClient(
            credential.Credential(self.config.secret_id, self.config.secret_key), self.config.region, profile
        )

    async def send(self, message: SmsMessage) -> SendResult:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{message.phone}"]
        request.SmsSdkAppId = self.config.sdk_app_id
        request.SignName = self.config.sign_name
        request.TemplateId = message.template
        request.TemplateParamSet = list(message.params)
        client = self._client()
        try:
            response = await client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            return answered(code, exc.get_message(), retry=RETRY)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                return SendResult(Status.RETRY, error=f"connect timeout: {exc}"[:500])
            return SendResult(Status.UNKNOWN, error=f"no answer: {exc!r}"[:500])  # it may have gone out
        except httpx.TransportError as exc:
            return SendResult(Status.RETRY, error=f"unreachable: {exc!r}"[:500])
        finally:
            await client.close()
        statuses = response.SendStatusSet or []
        if not statuses:
            return SendResult(Status.RETRY, error="no send status in the answer")
        status = statuses[0]
        code = str(status.Code or "")
        return answered(code, status.Message, retry=RETRY, sent=("Ok",), message_id=str(status.SerialNo or ""))
