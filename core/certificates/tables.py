from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.accounts.tables import Account
from core.reviews.tables import Application
from core.tenancy.tables import Tenant


class ProofKey(Table, tablename="proof_key"):
    """A tenant's Ed25519 signing key. ``public_multibase`` (``z6Mk…``) is also the key's id:
    the fragment of a proof's ``verificationMethod``. The private key is kept AES-GCM
    encrypted under a key derived from the platform's secret (``core.certificates.keys``).
    At most one key per tenant is ``active`` (it signs); ``retired`` keys only verify the
    proofs they signed, so rotation never invalidates an issued proof."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    public_multibase = Varchar(length=64)
    private_key_enc = Varchar(length=200)
    status = Varchar(length=16, default="active")  # active | retired
    created_by = Integer(null=True, default=None)  # the admin who rotated it in; NULL: made on first need
    created_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)


class Proof(Table, tablename="proof"):
    """An issued learning-outcome proof (学习成果认证证明). ``credential`` is the signed
    Verifiable Credential exactly as issued — the one source of what the proof says; the
    PDF is drawn from it on request. ``code`` is the public verification code."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    code = Varchar(length=24)
    learner_id = ForeignKey(Account, null=False)
    application_id = ForeignKey(Application, null=False)
    kind = Varchar(length=16)  # certificate | conversion
    key_id = ForeignKey(ProofKey, null=False)
    credential = Text()
    unit_name = Varchar(length=200, default="")
    summary = Varchar(length=300, default="")
    status = Varchar(length=16, default="issued")  # issued | revoked
    revoked_reason = Text(default="")
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = Integer(null=True, default=None)
    issued_at = Timestamptz()
    # Its place in the tenant's Bitstring Status List (``core.certificates.status``); NULL for
    # proofs issued before status lists, whose status only this platform's record tells.
    status_list = Integer(null=True, default=None)
    status_index = Integer(null=True, default=None)
