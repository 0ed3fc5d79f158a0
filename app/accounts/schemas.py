"""Request and response shapes of the accounts API (msgspec validates them at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from app.accounts.people import NAME_PATTERN

Name = Annotated[str, Meta(min_length=1, max_length=32, pattern=NAME_PATTERN)]
Password = Annotated[str, Meta(min_length=8, max_length=128)]
BirthMonth = Annotated[str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2021-05"])]
Phone = Annotated[str, Meta(min_length=11, max_length=20, examples=["13800138000"])]
Login = Annotated[str, Meta(min_length=3, max_length=64)]
Role = Annotated[str, Meta(pattern=r"^(family|volunteer|librarian|district_admin)$")]
SmsCodeValue = Annotated[str, Meta(pattern=r"^[0-9]{6}$", examples=["123456"])]
Purpose = Annotated[str, Meta(pattern=r"^(login|reset|register)$")]


class ConsentIn(Struct, forbid_unknown_fields=True):
    policy_version: Annotated[str, Meta(min_length=1, max_length=32)]
    accepted: bool


class ChildIn(Struct, forbid_unknown_fields=True):
    nickname: Name
    birth_month: BirthMonth


class SecondGuardianIn(Struct, forbid_unknown_fields=True):
    name: Name
    phone: Phone | None = None


class FamilyRegistration(Struct, forbid_unknown_fields=True):
    """`password`, or `sms_code` (from `POST /auth/sms-codes` with purpose `register`)."""

    phone: Phone
    guardian_name: Name
    password: Password | None = None
    sms_code: SmsCodeValue | None = None
    consent: ConsentIn | None = None
    children: Annotated[list[ChildIn], Meta(max_length=8)] = msgspec.field(default_factory=list)
    second_guardian: SecondGuardianIn | None = None


class ChildOut(Struct):
    id: int
    nickname: str
    birth_month: str
    age_band: str


class GuardianOut(Struct):
    id: int
    name: str
    phone: str | None


class FamilyOut(Struct):
    id: int
    guardians: list[GuardianOut]
    children: list[ChildOut]


class ChildUpdate(Struct, forbid_unknown_fields=True):
    nickname: Name | None = None
    birth_month: BirthMonth | None = None


class TokenRequest(Struct, forbid_unknown_fields=True):
    """`login` and `password`, or `phone` and `sms_code` (from `POST /auth/sms-codes`)."""

    login: Login | None = None
    password: Annotated[str, Meta(min_length=1, max_length=128)] | None = None
    phone: Phone | None = None
    sms_code: SmsCodeValue | None = None


class SmsCodeRequest(Struct, forbid_unknown_fields=True):
    phone: Phone
    purpose: Purpose = "login"


class PasswordReset(Struct, forbid_unknown_fields=True):
    phone: Phone
    sms_code: SmsCodeValue
    new_password: Annotated[str, Meta(min_length=1, max_length=128)]


class TokenUser(Struct):
    id: int
    roles: list[str]
    family_id: int | None


class TokenOut(Struct):
    token: str
    expires_at: str
    user: TokenUser


class ConsentPolicyOut(Struct):
    version: str
    text: str
    responsible_person: str


class StaffIn(Struct, forbid_unknown_fields=True):
    """A new staff account. Without `password` it gets a one-time password, answered once in
    `one_time_password` and to be changed at the first log-in."""

    login: Login
    display_name: Name
    roles: Annotated[list[Role], Meta(min_length=1, max_length=3)]
    password: Password | None = None
    space_ids: list[int] = msgspec.field(default_factory=list)


class UserOut(Struct):
    id: int
    login: str
    display_name: str
    roles: list[str]
    active: bool
    family_id: int | None = None
    space_ids: list[int] = msgspec.field(default_factory=list)


class StaffOut(UserOut):
    """A staff account as district admins manage it; `one_time_password` only in the answer
    that created or reset it (it is never stored in clear, nor shown again). Both are left
    out when a password was given at creation."""

    must_change_password: bool | msgspec.UnsetType = msgspec.UNSET
    one_time_password: str | msgspec.UnsetType = msgspec.UNSET


class StaffPage(Struct):
    items: list[StaffOut]
    next_cursor: str | None = None


class StaffUpdate(Struct, forbid_unknown_fields=True):
    """Assign and unassign spaces, disable (`active: false`) or re-enable, or give a new
    one-time password (`reset_password: true`)."""

    add_space_ids: Annotated[list[int], Meta(max_length=500)] = msgspec.field(default_factory=list)
    remove_space_ids: Annotated[list[int], Meta(max_length=500)] = msgspec.field(default_factory=list)
    active: bool | None = None
    reset_password: bool = False


class OwnPasswordIn(Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, Meta(min_length=1, max_length=128)]
    new_password: Password


class AccessEntryOut(Struct):
    """One staff read of a family's personal data."""

    id: int
    user_id: int | None
    user_name: str
    family_id: int
    what: str
    why: str
    space_id: int | None
    at: datetime


class AccessLogPage(Struct):
    items: list[AccessEntryOut]
    next_cursor: str | None = None


class ChannelOut(Struct):
    name: str  # inbox, sms, wechat
    enabled: bool  # the family's choice (the inbox is always on)
    available: bool  # configured on this service and reachable for this family
    address: str | None = None  # the phone, masked; WeChat: none


class NoticeKindOut(Struct):
    kind: str
    label: str
    urgency: str
    opted_out: bool
    optional: bool


class WeChatOut(Struct):
    configured: bool
    bound: bool
    bound_at: str | None = None


class ChannelsOut(Struct):
    channels: list[ChannelOut]
    kinds: list[NoticeKindOut]
    wechat: WeChatOut
    locale: str


class ChannelsPatch(Struct, forbid_unknown_fields=True):
    """Switch SMS or WeChat on or off, set the kinds switched off for them, the language."""

    sms: bool | None = None
    wechat: bool | None = None
    opt_outs: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=50)] | None = None
    locale: Annotated[str, Meta(pattern=r"^(zh-CN|en)$")] | None = None
