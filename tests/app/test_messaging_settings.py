"""Messaging settings (docs/messaging.md): the console provider by default, WeChat off when
unset, and a wrong value stopping the start with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings

TENCENT = {
    "SMS_PROVIDER": "tencent",
    "SMS_SECRET_ID": "AKID1",
    "SMS_SECRET_KEY": "secret",
    "SMS_SDK_APP_ID": "1400000001",
    "SMS_SIGN_NAME": "故事角",
    "SMS_TEMPLATES": "code=1100001, waitlist_offer=1100002",
}


@pytest.fixture
def base(tmp_path: Path) -> dict[str, str]:
    return {"STORYCORNER_VAR": str(tmp_path / "var"), "SECRET_KEY": "k" * 40}


def test_defaults(base: dict[str, str]) -> None:
    messaging = load_settings(base).messaging
    assert messaging.sms.provider == "console"
    assert not messaging.wechat.enabled


def test_a_provider_with_its_keys_and_templates(base: dict[str, str]) -> None:
    sms = load_settings({**base, **TENCENT}).messaging.sms
    assert (sms.provider, sms.sdk_app_id, sms.sign_name) == ("tencent", "1400000001", "故事角")
    assert dict(sms.templates) == {"code": "1100001", "waitlist_offer": "1100002"}
    wechat = load_settings({**base, "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s"}).messaging.wechat
    assert wechat.enabled and wechat.api_url == "https://api.weixin.qq.com"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SMS_PROVIDER": "pigeon"}, "SMS_PROVIDER"),
        ({**TENCENT, "SMS_SDK_APP_ID": ""}, "SMS_SDK_APP_ID"),
        ({**TENCENT, "SMS_TEMPLATES": "waitlist_offer=1"}, "SMS_TEMPLATES"),
        ({**TENCENT, "SMS_TEMPLATES": "code"}, "SMS_TEMPLATES"),
        ({"SMS_PROVIDER": "aliyun", "SMS_SECRET_ID": "LTAI", "SMS_TEMPLATES": "code=SMS_1"}, "SMS_SECRET_KEY"),
        ({"SMS_ENDPOINT": "sms.example"}, "SMS_ENDPOINT"),
        ({"WECHAT_APP_ID": "wx1"}, "WECHAT_APP_SECRET"),
        ({"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_API_URL": "ftp://x"}, "WECHAT_API_URL"),
    ],
)
def test_wrong_values_name_the_variable(base: dict[str, str], env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**base, **env})
    assert variable in str(caught.value)
