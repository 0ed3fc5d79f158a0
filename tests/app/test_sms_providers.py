"""The SMS providers against fakes that check signatures as Tencent Cloud (TC3-HMAC-SHA256)
and Alibaba Cloud (V3, ACS3-HMAC-SHA256) document them and answer as they do."""

from __future__ import annotations

import pytest

from app.notify.sms.aliyun import AliyunProvider
from app.notify.sms.base import SmsMessage, Status
from app.notify.sms.console import ConsoleProvider, latest
from app.notify.sms.tencent import TencentProvider
from tests.fakes.aliyun import FakeAliyunSms
from tests.fakes.fixtures import aliyun_config, tencent_config
from tests.fakes.tencent import FakeTencentSms

PHONE = "13900001111"


def message(phone: str = PHONE, template: str = "1100001") -> SmsMessage:
    return SmsMessage(
        phone=phone,
        template=template,
        params=("123456", "5"),
        names=("code", "minutes"),
        text="【故事角】您的验证码是 123456，5 分钟内有效。",
    )


async def test_tencent_sends_a_signed_request(tencent_sms: FakeTencentSms) -> None:
    result = await TencentProvider(tencent_config(tencent_sms)).send(message())
    assert result.status is Status.SENT, result.error
    assert result.message_id.startswith("2433:")
    assert tencent_sms.refused_signatures == 0
    sent = tencent_sms.sent[-1]
    assert (sent.phone, sent.template, sent.params, sent.sign) == (PHONE, "1100001", ["123456", "5"], "故事角")
    request = tencent_sms.requests[-1]
    assert request.headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDfakeStoryCorner0001/")
    assert request.headers["x-tc-action"] == "SendSms"


@pytest.mark.parametrize(
    ("outcome", "status", "code"),
    [
        ("throttled", Status.RETRY, "LimitExceeded.PhoneNumberThirtySecondLimit"),
        ("invalid_number", Status.FAILED, "InvalidParameterValue.IncorrectPhoneNumber"),
        ("down", Status.RETRY, "ServerNetworkError"),
    ],
)
async def test_tencent_refusals(tencent_sms: FakeTencentSms, outcome: str, status: Status, code: str) -> None:
    tencent_sms.script(outcome)
    result = await TencentProvider(tencent_config(tencent_sms)).send(message())
    assert result.status is status
    assert result.error.startswith(code), result.error
    assert tencent_sms.sent == []


async def test_tencent_with_a_wrong_key_is_refused_by_the_signature_check(tencent_sms: FakeTencentSms) -> None:
    result = await TencentProvider(tencent_config(tencent_sms, secret_key="not-the-key")).send(message())
    assert result.status is Status.FAILED
    assert result.error.startswith("AuthFailure.SignatureFailure")
    assert tencent_sms.refused_signatures == 1


async def test_tencent_unreachable_is_tried_again(tencent_sms: FakeTencentSms) -> None:
    config = tencent_config(tencent_sms)
    tencent_sms.stop()
    result = await TencentProvider(config).send(message())
    assert result.status is Status.RETRY


async def test_aliyun_sends_a_signed_request(aliyun_sms: FakeAliyunSms) -> None:
    result = await AliyunProvider(aliyun_config(aliyun_sms)).send(message(template="SMS_1100001"))
    assert result.status is Status.SENT, result.error
    assert result.message_id.endswith("^0")
    sent = aliyun_sms.sent[-1]
    assert (sent.phone, sent.template, sent.params, sent.sign) == (
        PHONE,
        "SMS_1100001",
        {"code": "123456", "minutes": "5"},
        "故事角",
    )
    request = aliyun_sms.requests[-1]
    assert request.headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAIfakeStoryCorner01,")
    assert aliyun_sms.refused_signatures == 0


@pytest.mark.parametrize(
    ("outcome", "status", "code"),
    [
        ("throttled", Status.RETRY, "isv.BUSINESS_LIMIT_CONTROL"),
        ("invalid_number", Status.FAILED, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("down", Status.RETRY, "ServiceUnavailable"),
    ],
)
async def test_aliyun_refusals(aliyun_sms: FakeAliyunSms, outcome: str, status: Status, code: str) -> None:
    aliyun_sms.script(outcome)
    result = await AliyunProvider(aliyun_config(aliyun_sms)).send(message(template="SMS_1100001"))
    assert result.status is status
    assert result.error.startswith(code), result.error
    assert aliyun_sms.sent == []


async def test_aliyun_with_a_wrong_secret_is_refused_by_the_signature_check(aliyun_sms: FakeAliyunSms) -> None:
    result = await AliyunProvider(aliyun_config(aliyun_sms, secret_key="not-the-secret")).send(message())
    assert result.status is Status.FAILED
    assert result.error.startswith("SignatureDoesNotMatch")
    assert aliyun_sms.refused_signatures == 1


async def test_console_writes_the_message_for_staff() -> None:
    result = await ConsoleProvider().send(message())
    assert result.status is Status.SENT
    assert result.message_id.startswith("console-")
    assert [m.text for m in await latest()] == ["【故事角】您的验证码是 123456，5 分钟内有效。"]


def test_the_providers_share_how_they_read_an_answer_and_where_they_send() -> None:
    from app.notify.sms.base import Status, answered, endpoint

    ok = answered("OK", "fine", retry=("Throttling",), sent=("OK",), message_id="m1")
    assert (ok.status, ok.message_id, ok.error) == (Status.SENT, "m1", "")
    throttled = answered("Throttling.User", "slow down", retry=("Throttling",))
    assert (throttled.status, throttled.error) == (Status.RETRY, "Throttling.User: slow down")
    refused = answered("isv.MOBILE_NUMBER_ILLEGAL", "x" * 600, retry=("Throttling",), sent=("OK",))
    assert refused.status is Status.FAILED and len(refused.error) == 500
    assert endpoint("", "sms.tencentcloudapi.com") == ("https", "sms.tencentcloudapi.com")
    assert endpoint("http://127.0.0.1:9001", "sms.tencentcloudapi.com") == ("http", "127.0.0.1:9001")
