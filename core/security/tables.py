from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class AuthToken(Table, tablename="auth_token"):
    """A login: the bearer token (and portal session) is random; only its SHA-256 is stored.

    ``subject`` says whose login it is (``platform`` admin or tenant ``account``);
    ``tenant_id`` is set for tenant accounts, so a token never works in another tenant.
    """

    token_hash = Varchar(length=64, unique=True)
    subject = Varchar(length=16)
    subject_id = Integer()
    tenant_id = ForeignKey(Tenant, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
