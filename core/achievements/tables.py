from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.accounts.tables import Account
from core.storage.columns import StorageKey
from core.tenancy.tables import Tenant


class Achievement(Table, tablename="achievement"):
    """A learner's learning outcome. ``fields`` holds the sub-type's values (catalog fields
    filled from ``catalog_entry_id`` where one was picked). ``certificate_no`` is copied out of
    the fields so that one certificate claimed by two learners can be found."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    learner_id = ForeignKey(Account, null=False)
    category = Varchar(length=32)
    subtype = Varchar(length=64)
    catalog_entry_id = Integer(null=True, default=None)
    name = Varchar(length=200)
    institution = Varchar(length=200, default="")
    fields = JSON(default={})
    obtained_at = Date(null=True, default=None)
    status = Varchar(length=16)  # catalog | unapplied | applied | recognized | rejected
    source = Varchar(length=16, default="self")  # self | converted
    certificate_no = Varchar(length=100, default="")
    review_due_at = Timestamptz(null=True, default=None)
    rule_id = Integer(null=True, default=None)
    application_id = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # Entered at a service window (信息采集) by staff of ``collected_by_unit_id`` for the learner,
    # singly or in a bulk import; ``collected_key`` (a hash of learner, sub-type and values)
    # is unique per tenant, so a file imported twice adds nothing twice. NULL: the learner's own.
    collected_by_unit_id = Integer(null=True, default=None)
    collected_by_staff_id = Integer(null=True, default=None)
    collected_key = Varchar(length=64, null=True, default=None)


class Evidence(Table, tablename="evidence"):
    """A file supporting an achievement; the bytes live in storage under ``storage_key``."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    achievement_id = ForeignKey(Achievement, null=False)
    item = Varchar(length=64, default="")  # which evidence of the sub-type it is (table 3)
    filename = Varchar(length=255)
    content_type = Varchar(length=64)
    size = Integer()
    sha256 = Varchar(length=64)
    storage_key = StorageKey(length=300, unique=True)
    uploaded_by = Integer()
    created_at = Timestamptz()


class AchievementDispute(Table, tablename="achievement_dispute"):
    """A learner's objection (异议) to an outcome collected for them at a service window, decided
    by the admins of the collecting unit ``unit_id``: ``upheld`` voids the outcome, ``dismissed``
    keeps it. One pending dispute per outcome."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    achievement_id = ForeignKey(Achievement, null=False)
    learner_id = ForeignKey(Account, null=False)
    unit_id = Integer()
    grounds = Text()
    status = Varchar(length=16, default="pending")  # pending | upheld | dismissed
    decided_by = Integer(null=True, default=None)
    decided_by_name = Varchar(length=100, default="")
    opinion = Text(default="")
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
