"""Alibaba Cloud SMS, `SendSms` of dysmsapi 2017-05-25 (RPC style), as its V3 request
signature documents it: `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,
SignedHeaders=<names>,Signature=<hex>`, every common header present (host, x-acs-*) signed,
`x-acs-content-sha256` the body's hash, `x-acs-date` within 15 minutes, the nonce never
seen before; the signature recomputed here from the canonical request (method, `/`, the query
sorted and RFC 3986-encoded, the signed headers, the payload hash). Answers like the service:
`{"Code": "OK", "BizId": ...}`, a business refusal with HTTP 200, a bad signature with 400."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from tests.fakes.base import Answer, FakeServer, Request

ACCESS_KEY_ID = "LTAIfakeStoryCorner01"
ACCESS_KEY_SECRET = "fake-aliyun-access-key-secret-01"
_AUTH = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$")
PHONE = re.compile(r"^1[3-9][0-9]{9}$")


def _encode(value: str) -> str:
    """RFC 3986: A-Z a-z 0-9 - _ . ~ as they are, everything else %XX (a space is %20)."""
    return quote(value, safe="-_.~")


def canonical_query(raw_query: str) -> str:
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


def acs3_signature(request: Request, secret: str, signed_headers: str) -> str:
    names = signed_headers.split(";")
    canonical_headers = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in names)
    canonical_request = "\n".join(
        [
            request.method,
            request.path or "/",
            canonical_query(request.raw_query),
            canonical_headers,
            signed_headers,
            request.headers.get("x-acs-content-sha256", ""),
        ]
    )
    to_sign = f"ACS3-HMAC-SHA256\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Sent:
    phone: str
    template: str
    params: dict[str, str]
    sign: str


class FakeAliyunSms(FakeServer):
    """Outcomes to script: ok, throttled, invalid_number, down."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []
        self.nonces: set[str] = set()
        self.refused_signatures = 0

    def _refuse(self, status: int, code: str, message: str) -> Answer:
        body = {
            "RequestId": str(uuid.uuid4()).upper(),
            "HostId": "dysmsapi.aliyuncs.com",
            "Code": code,
            "Message": message,
        }
        return Answer(status=status, body=body)

    def _authenticate(self, request: Request) -> Answer | None:
        match = _AUTH.match(request.headers.get("authorization", ""))
        if not match:
            return self._refuse(
                400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        key_id, signed_headers, signature = match.groups()
        if key_id != ACCESS_KEY_ID:
            return self._refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        names = set(signed_headers.split(";"))
        common = {n for n in request.headers if n.startswith("x-acs-")} | {"host"}
        if not common <= names:
            return self._refuse(400, "IncompleteSignature", f"Headers not signed: {sorted(common - names)}")
        if request.headers.get("x-acs-content-sha256") != hashlib.sha256(request.body).hexdigest():
            return self._refuse(400, "SignatureDoesNotMatch", "The payload hash does not match.")
        sent_at = datetime.strptime(request.headers.get("x-acs-date", "1970-01-01T00:00:00Z"), "%Y-%m-%dT%H:%M:%SZ")
        if abs(datetime.now(UTC) - sent_at.replace(tzinfo=UTC)) > timedelta(minutes=15):
            return self._refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        nonce = request.headers.get("x-acs-signature-nonce", "")
        if not nonce or nonce in self.nonces:
            return self._refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(nonce)
        if not hmac.compare_digest(signature, acs3_signature(request, ACCESS_KEY_SECRET, signed_headers)):
            self.refused_signatures += 1
            return self._refuse(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        if request.headers.get("x-acs-action") != "SendSms" or request.headers.get("x-acs-version") != "2017-05-25":
            return self._refuse(400, "InvalidAction.NotFound", "Specified api is not found.")
        return None

    def handle(self, request: Request) -> Answer:
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        outcome = self.next_outcome()
        if outcome == "down":
            return self._refuse(
                503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."
            )
        query = request.query
        request_id = str(uuid.uuid4()).upper()
        if outcome == "invalid_number" or not PHONE.match(query.get("PhoneNumbers", "")):
            return Answer(body={"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id})
        if outcome == "throttled":
            return Answer(
                body={
                    "Code": "isv.BUSINESS_LIMIT_CONTROL",
                    "Message": "触发分钟级流控Permits:1",
                    "RequestId": request_id,
                }
            )
        params = json.loads(query.get("TemplateParam") or "{}")
        self.sent.append(Sent(query["PhoneNumbers"], query["TemplateCode"], params, query["SignName"]))
        biz_id = f"{uuid.uuid4().int % 10**15}^0"
        return Answer(body={"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id})
