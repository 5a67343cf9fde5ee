from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class AuthToken(Table, tablename="auth_token"):
    """A login: the bearer token (and portal session) is random; only its SHA-256 is stored.

    ``subject`` says whose login it is (``platform`` admin or tenant ``account``);
    ``tenant_id`` is set for tenant accounts, so a token never works in another tenant.
    """

    id: Serial  # added by Piccolo; declared for the type checker

    token_hash = Varchar(length=64, unique=True)
    subject = Varchar(length=16)
    subject_id = Integer()
    tenant_id = ForeignKey(Tenant, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class IdempotentRequest(Table, tablename="idempotent_request"):
    """A POST sent with an ``Idempotency-Key``, and the response it got, so a retry (or a
    concurrent duplicate) gets that response instead of doing the work again.

    ``request_key`` is the SHA-256 of who sent it (account, or client address when anonymous)
    and the key; ``fingerprint`` the SHA-256 of the method, path and body, so one key cannot
    be reused for another request. ``status`` is ``running`` while the first request works.
    """

    id: Serial  # added by Piccolo; declared for the type checker

    request_key = Varchar(length=64, unique=True)
    tenant_id = Integer(null=True, default=None)
    fingerprint = Varchar(length=64)
    status = Varchar(length=16)  # running | done
    response_status = Integer(null=True, default=None)
    response_type = Varchar(length=100, default="")
    response_body = Text(default="")
    created_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)


class KeyCheck(Table, tablename="key_check"):
    """The fingerprint of the secret key the data was written under (one row, written at the
    first start): a start with another key is refused instead of breaking logins by ID number,
    reveals and proofs. The fingerprint is an HMAC under a key derived from the secret, so it
    tells nothing about the secret."""

    id: Serial  # added by Piccolo; declared for the type checker

    fingerprint = Varchar(length=64)
    created_at = Timestamptz()
