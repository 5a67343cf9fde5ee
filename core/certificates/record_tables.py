"""Tables of the portable record (我的学习档案) and the trust registry: where each outcome
credential of an exported record sits in the tenant's status list, the outcomes a learner
imported from another credit bank, and which issuers each tenant accepts."""

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class OutcomeStatus(Table, tablename="outcome_status"):
    """An outcome's place in its tenant's Bitstring Status List, taken the first time it is
    exported in a record and kept for every later export, so every copy of its credential
    reads the same bit. The bit reads revoked when ``status`` is ``revoked`` or the outcome is
    no longer the learner's recognised outcome (deleted, rejected): the issuer no longer
    vouches for it."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    achievement_id = Integer()
    learner_id = Integer()
    status_list = Integer()
    status_index = Integer()
    status = Varchar(length=16, default="issued")  # issued | revoked
    revoked_reason = Text(default="")
    created_at = Timestamptz()


class ExternalOutcome(Table, tablename="external_outcome"):
    """An outcome a learner imported from another credit bank's signed record, verified on
    import: the achievement it became in this tenant, and where it came from — the issuer's
    DID (and the platform tenant, when it is one), the credential's id, its proof value and
    the credential exactly as received (encrypted, ``enc:…``, when it names the person by a
    hash of their ID number: ``record_import.kept_credential``)."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    learner_id = Integer()
    achievement_id = Integer()
    issuer_did = Varchar(length=300)
    issuer_name = Varchar(length=200, default="")
    source_tenant_id = Integer(null=True, default=None)
    credential_id = Varchar(length=300)
    record_id = Varchar(length=300, default="")
    proof_value = Varchar(length=200, default="")
    credential = Text()
    imported_at = Timestamptz()


class TrustEntry(Table, tablename="trust_entry"):
    """An issuer whose records ``tenant_id`` accepts (the trust registry the national console
    keeps): another tenant of the platform (``source_tenant_id``; its DID follows its base URL)
    or an outside Open Badges 3.0 issuer named by its ``did:web`` DID."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    kind = Varchar(length=16)  # tenant | outside
    source_tenant_id = Integer(null=True, default=None)
    issuer_did = Varchar(length=300, default="")
    name = Varchar(length=200, default="")
    added_by = Integer(null=True, default=None)
    created_at = Timestamptz()
