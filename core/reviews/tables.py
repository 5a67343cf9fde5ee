from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.accounts.tables import Account
from core.storage.columns import StorageKey
from core.tenancy.tables import Tenant


class Application(Table, tablename="application"):
    """A learner's application (recognition, conversion, performance conversion, store review,
    certificate) moving through the review chain stored with it in ``chain`` when it was
    submitted. ``step_role`` / ``step_unit_id`` say who may decide the current step
    (``step_unit_id`` NULL: anyone with the role in the tenant); they drive the queues."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    learner_id = ForeignKey(Account, null=False)
    kind = Varchar(length=24)
    achievement_id = Integer(null=True, default=None)
    rule_id = Integer(null=True, default=None)
    target_entry_id = Integer(null=True, default=None)
    status = Varchar(length=16)  # submitted | in_review | approved | rejected | withdrawn
    chain = JSON(default={})
    current_step = Integer(default=0)
    step_role = Varchar(length=24, default="")
    step_unit_id = Integer(null=True, default=None)
    idempotency_key = Varchar(length=100, null=True, default=None)
    target_achievement_id = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class ReviewRecord(Table, tablename="review_record"):
    """One event of an application: submitted, a reviewer's decision, a withdrawal. Written once,
    never changed."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    application_id = ForeignKey(Application, null=False)
    step = Integer()
    step_name = Varchar(length=64)
    decision = Varchar(length=16)  # submit | approve | reject | withdraw
    opinion = Text(default="")
    actor_id = Integer()
    actor_name = Varchar(length=100, default="")
    unit_name = Varchar(length=200, default="")
    materials = JSON(default=[])
    created_at = Timestamptz()


class ReviewMaterial(Table, tablename="review_material"):
    """A file a reviewer attached at a step (e.g. the PDF of the originals checked on site)."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    application_id = ForeignKey(Application, null=False)
    step = Integer()
    filename = Varchar(length=255)
    content_type = Varchar(length=64)
    size = Integer()
    sha256 = Varchar(length=64)
    storage_key = StorageKey(length=300, unique=True)
    uploaded_by = Integer()
    created_at = Timestamptz()
