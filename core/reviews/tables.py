from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.accounts.tables import Account
from core.storage.columns import StorageKey
from core.tenancy.tables import Tenant


class Application(Table, tablename="application"):
    """A learner's application (recognition, conversion, performance conversion, store review,
    certificate) moving through the review chain stored with it in ``chain`` when it was
    submitted. ``step_role`` / ``step_unit_id`` say who may decide the current step
    (``step_unit_id`` NULL: anyone with the role in the tenant); they drive the queues.
    ``step_started_at`` / ``step_due_at`` are set when the current step begins: the due date in
    working days (core.workdays), stored so reports and queues never infer it."""

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
    step_started_at = Timestamptz(null=True, default=None)
    step_due_at = Timestamptz(null=True, default=None)
    # Set once when the current step ran late past the province's escalation threshold: the
    # admins of this unit (the parent of the deciding unit) see it as escalated (督办).
    escalated_at = Timestamptz(null=True, default=None)
    escalated_unit_id = Integer(null=True, default=None)
    # A reviewer's hold on the current step (认领), lapsing after the province's claim_minutes;
    # cleared when the step is decided.
    claimed_by = Integer(null=True, default=None)
    claimed_by_name = Varchar(length=100, default="")
    claimed_at = Timestamptz(null=True, default=None)


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
    reason_code = Varchar(length=64, default="")  # a refusal's coded reason, from the step's refusal_reasons
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


class Appeal(Table, tablename="appeal"):
    """A learner's appeal (申诉) against a refusal, decided by the province's appeal reviewer:
    ``reviewer_role`` at ``reviewer_unit_id`` (None: anywhere in the tenant). Overturned, the
    application resumes at the refused ``step``."""

    id: Serial  # added by Piccolo; declared for the type checker
    tenant_id = ForeignKey(Tenant, null=False)
    application_id = ForeignKey(Application, null=False)
    learner_id = ForeignKey(Account, null=False)
    step = Integer()
    grounds = Text()
    status = Varchar(length=16)  # pending | upheld | overturned
    reviewer_role = Varchar(length=24)
    reviewer_unit_id = Integer(null=True, default=None)
    decided_by = Integer(null=True, default=None)
    decided_by_name = Varchar(length=100, default="")
    opinion = Text(default="")
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class AppealFile(Table, tablename="appeal_file"):
    """A file a learner attached to an appeal."""

    id: Serial  # added by Piccolo; declared for the type checker
    tenant_id = ForeignKey(Tenant, null=False)
    appeal_id = ForeignKey(Appeal, null=False)
    filename = Varchar(length=255)
    content_type = Varchar(length=64)
    size = Integer()
    sha256 = Varchar(length=64)
    storage_key = StorageKey(length=300, unique=True)
    created_at = Timestamptz()


class ProofRequestItem(Table, tablename="proof_request_item"):
    """An outcome a learner chose to have listed in the proof a certificate application asks
    for, in the order chosen. The table belongs to the certificates app (its migrations);
    the class lives here, beside the application it lists for, so that reviews reads it
    without importing certificates."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    application_id = ForeignKey(Application, null=False)
    achievement_id = Integer()
    position = Integer(default=0)
