from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
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
