"""Tencent Cloud SMS, API 3.0 `SendSms` (version 2021-01-11), as documented: every request
signed with TC3-HMAC-SHA256 (the signature recomputed here from the request as received:
canonical request, credential scope `Date/sms/tc3_request`, the derived signing key), the
timestamp within 5 minutes, the date of the scope the timestamp's UTC date. Answers like the
service: `Response.SendStatusSet` per number, or `Response.Error` for a refused request."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.fakes.base import Answer, FakeServer, Request

SECRET_ID = "AKIDfakeStoryCorner0001"
SECRET_KEY = "fake-tencent-secret-key-0001"
SDK_APP_ID = "1400000001"
_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)
PHONE = re.compile(r"^\+861[3-9][0-9]{9}$")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(request: Request, secret_key: str, date: str, service: str, signed_headers: str) -> str:
    """The signature of API 3.0's "signature v3" for this request as received."""
    # Each signed header as `name:value\n`, name and value in lower case, trimmed.
    canonical_headers = "".join(
        f"{name}:{request.headers.get(name, '').strip().lower()}\n" for name in signed_headers.split(";")
    )
    canonical_request = "\n".join(
        [
            request.method,
            request.path or "/",
            request.raw_query if request.method == "GET" else "",
            canonical_headers,
            signed_headers,
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    timestamp = request.headers.get("x-tc-timestamp", "")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Sent:
    phone: str
    template: str
    params: list[str]
    sign: str


class FakeTencentSms(FakeServer):
    """Outcomes to script: ok, throttled, invalid_number, down."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self.refused_signatures = 0

    def _error(self, code: str, message: str) -> Answer:
        return Answer(body={"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}})

    def _authenticate(self, request: Request) -> Answer | None:
        match = _AUTH.match(request.headers.get("authorization", ""))
        if not match:
            return self._error("AuthFailure.InvalidAuthorization", "Authorization is invalid")
        secret_id, date, service, signed_headers, signature = match.groups()
        if secret_id != SECRET_ID:
            return self._error("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        timestamp = int(request.headers.get("x-tc-timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            return self._error("AuthFailure.SignatureExpire", "Signature expired")
        if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != date or service != "sms":
            return self._error("AuthFailure.InvalidAuthorization", "Credential scope does not match")
        if not {"content-type", "host"} <= set(signed_headers.split(";")):
            return self._error("AuthFailure.InvalidAuthorization", "content-type and host must be signed")
        if not hmac.compare_digest(signature, tc3_signature(request, SECRET_KEY, date, service, signed_headers)):
            self.refused_signatures += 1
            return self._error("AuthFailure.SignatureFailure", "The provided credentials could not be validated")
        if request.headers.get("x-tc-action") != "SendSms" or request.headers.get("x-tc-version") != "2021-01-11":
            return self._error("InvalidAction", "The action or version is not supported")
        return None

    def handle(self, request: Request) -> Answer:
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        outcome = self.next_outcome()
        if outcome == "down":
            return Answer(status=502, body={"message": "bad gateway"})
        data: dict[str, Any] = request.json()
        if data.get("SmsSdkAppId") != SDK_APP_ID:
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify fail")
        phones = data.get("PhoneNumberSet") or []
        if outcome == "invalid_number" or not all(PHONE.match(p) for p in phones):
            return self._error("InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number")
        statuses = []
        for phone in phones:
            if outcome == "throttled":
                code, message = "LimitExceeded.PhoneNumberThirtySecondLimit", "the number is limited for 30 seconds"
            else:
                code, message = "Ok", "send success"
                self.sent.append(
                    Sent(phone[3:], data["TemplateId"], list(data.get("TemplateParamSet") or []), data["SignName"])
                )
            serial = f"2433:{uuid.uuid4().int % 10**20}"
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": code,
                    "Message": message,
                    "IsoCode": "CN",
                }
            )
        return Answer(body={"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}})
