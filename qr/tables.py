"""QR tables: the current version of each token subject. Bumping it revokes older tokens."""

from piccolo.columns import Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class TokenSubject(Table, tablename="qr_token_subject"):
    """(purpose, subject) is unique by migration; `version` is what tokens must carry."""

    id: Serial

    purpose = Varchar(length=16)
    subject = Varchar(length=64)
    version = Integer(default=1)
    updated_at = Timestamptz()


class Scan(Table, tablename="qr_scan"):
    """Every scan or check-in attempt with its outcome, failed ones too (audit, statistics).
    `subject` is empty when the token could not be read; no token text is kept. Where the
    scan happened (`space_id`, `corner_id`) and for whom (`family_id`) are plain ids given by
    the check-in target, so the log can be read per space without qr knowing spaces."""

    id: Serial
    purpose = Varchar(length=16, default="")
    subject = Varchar(length=64, default="")
    user_id = Integer(null=True, default=None)
    outcome = Varchar(length=40)
    at = Timestamptz(index=True)
    space_id = Integer(null=True, default=None)
    corner_id = Integer(null=True, default=None)
    family_id = Integer(null=True, default=None)
