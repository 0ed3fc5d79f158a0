"""Identity tables. Foreign keys say what they mean on delete (Piccolo defaults to CASCADE)."""

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Family(Table, tablename="accounts_family"):
    id: Serial
    created_at = Timestamptz()
    erased_at = Timestamptz(null=True, default=None)


class User(Table, tablename="accounts_user"):
    """Families log in with a mainland mobile number, staff with a username (`login`)."""

    id: Serial

    login = Varchar(length=64, unique=True)
    display_name = Varchar(length=64)
    password_hash = Varchar(length=255)
    # Space-separated role names; few and fixed, read with the user on every request.
    roles = Varchar(length=100)
    family = ForeignKey(Family, null=True, default=None, on_delete=OnDelete.set_null)
    active = Boolean(default=True)
    # Bumped when the user is disabled or logs out everywhere: older sessions stop matching.
    session_epoch = Integer(default=0)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    # Set when an admin created the account with a one-time password (or reset it): the
    # user must choose their own before anything else.
    must_change_password = Boolean(default=False)


class Guardian(Table, tablename="accounts_guardian"):
    id: Serial
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    name = Varchar(length=32)
    phone = Varchar(length=16, null=True, default=None)


class Child(Table, tablename="accounts_child"):
    id: Serial
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade)
    nickname = Varchar(length=32)
    birth_month = Date()  # always the first day of the month
    created_at = Timestamptz()


class Consent(Table, tablename="accounts_consent"):
    """A guardian's consent to process the children's data (PIPL Art. 31)."""

    id: Serial

    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, null=True, default=None, on_delete=OnDelete.set_null)
    policy_version = Varchar(length=32)
    scope = Varchar(length=64)
    accepted_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="accounts_api_token"):
    """A bearer token, stored as its SHA-256 hash."""

    id: Serial

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class LoginAttempt(Table, tablename="accounts_login_attempt"):
    """Failed and successful log-ins, counted by login and by client address (rate limit)."""

    id: Serial

    login = Varchar(length=64, index=True)
    client = Varchar(length=64, index=True)
    succeeded = Boolean(default=False)
    at = Timestamptz(index=True)


class AccessLog(Table, tablename="accounts_access_log"):
    """Every staff read of a family's personal data (lookup, family card, desk, roster, exports
    with names): who, when, which family, what and why. District admins read it; the family
    sees it in its export (PIPL Art. 45)."""

    id: Serial
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    what = Varchar(length=40)
    why = Varchar(length=200, default="")
    space_id = Integer(null=True, default=None)
    at = Timestamptz(index=True)


class SmsCode(Table, tablename="accounts_sms_code"):
    """A 6-digit code sent by SMS to log in, reset a password or register; only its keyed
    hash is stored. Counted by phone and by client address (rate limits)."""

    id: Serial

    phone = Varchar(length=16, index=True)
    purpose = Varchar(length=16)
    code_hash = Varchar(length=64)
    client = Varchar(length=64, index=True)
    created_at = Timestamptz(index=True)
    expires_at = Timestamptz()
    tries = Integer(default=0)
    used_at = Timestamptz(null=True, default=None)


class WeChatBinding(Table, tablename="accounts_wechat_binding"):
    """A family account's WeChat (official-account openid): log-in by WeChat, messages there."""

    id: Serial

    user = ForeignKey(User, null=False, unique=True, on_delete=OnDelete.cascade)
    openid = Varchar(length=64, unique=True)
    unionid = Varchar(length=64, null=True, default=None)
    bound_at = Timestamptz()


class NoticePreference(Table, tablename="accounts_notice_preference"):
    """How a family account wants its notices: SMS and WeChat on or off, kinds switched off
    for those (the inbox keeps everything), and the language notices are written in."""

    id: Serial

    user = ForeignKey(User, null=False, unique=True, on_delete=OnDelete.cascade)
    sms = Boolean(default=True)
    wechat = Boolean(default=True)
    opt_outs = JSONB(default="[]")
    locale = Varchar(length=8, default="zh-CN")
    updated_at = Timestamptz()
