from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from core.hierarchy.tables import OrgUnit
from core.storage.columns import StorageKey
from core.tenancy.tables import Tenant


class Account(Table, tablename="account"):
    """A learner's or a staff member's account in one tenant.

    The ID number is never stored in the clear: ``id_number_enc`` (AES-GCM) can be read back
    only through the audited full-number request, ``id_number_hash`` (a keyed HMAC, unique
    per tenant) finds the account, ``id_number_masked`` is what every page shows. A username
    that is or contains an ID number (``S`` + ID, or the bare number) is stored masked, with its
    keyed hash in ``username_hash`` for login (``core.accounts.usernames``).
    ``unit_id`` is the learner's service point, or the unit a staff member works at.
    An imported, invited or window-opened account has no password until it is activated.
    """

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    kind = Varchar(length=16)  # learner | staff
    username = Varchar(length=128)
    username_hash = Varchar(length=64, null=True, default=None)
    status = Varchar(length=24)
    real_name = Varchar(length=100)
    id_number_hash = Varchar(length=64, null=True, default=None)
    id_number_enc = Varchar(length=200, null=True, default=None)
    id_number_masked = Varchar(length=32, default="")
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    gender = Varchar(length=8, default="")
    ethnicity = Varchar(length=32, default="")
    nationality = Varchar(length=64, default="")
    birth_date = Date(null=True, default=None)
    address = Varchar(length=300, default="")
    region = Varchar(length=100, default="")
    profile = JSON(default={})  # further registration fields a plugin asks for
    unit_id = ForeignKey(OrgUnit, null=True)
    password_hash = Varchar(length=200, null=True, default=None)
    source = Varchar(length=16)  # import | register | window | invite | cli
    opened_by = Integer(null=True, default=None)  # staff account that opened it at a window
    id_scan_key = StorageKey(length=300, null=True, default=None)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    activated_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()


class StaffRole(Table, tablename="staff_role"):
    """A role a staff account holds over one unit and everything below it."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    account_id = ForeignKey(Account, null=False)
    role = Varchar(length=24)  # tenant_admin | unit_admin | committee
    unit_id = ForeignKey(OrgUnit, null=False)
    granted_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class VerificationCode(Table, tablename="verification_code"):
    """A one-time code sent by SMS or e-mail. Only its hash is kept; it lives 10 minutes and
    five wrong tries burn it."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    purpose = Varchar(length=16)  # activation | register | reset | invite
    channel = Varchar(length=8)  # sms | email
    target = Varchar(length=254)  # the phone number or e-mail address it was sent to
    account_id = Integer(null=True, default=None)
    code_hash = Varchar(length=64)
    attempts = Integer(default=0)
    client = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class AccountReview(Table, tablename="account_review"):
    """A staff decision on a new or activated account (plugins with account review)."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    account_id = ForeignKey(Account, null=False)
    reviewer_id = Integer()
    decision = Varchar(length=16)  # approve | reject
    opinion = Varchar(length=500, default="")
    created_at = Timestamptz()


class AuditEntry(Table, tablename="audit_entry"):
    """Who looked at or changed something sensitive, e.g. a full ID number. ``subject_id`` is
    the account ``target`` names (``account:{id}``), for scoping the log to a subtree."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=True)
    actor_id = Integer(null=True, default=None)
    action = Varchar(length=64)
    target = Varchar(length=128, default="")
    subject_id = Integer(null=True, default=None)
    detail = Varchar(length=500, default="")
    client = Varchar(length=64, default="")
    created_at = Timestamptz()
    # Who and what, for 等保 (core.audit): actor kind learner | staff | platform | system, the
    # role and unit code they acted in; the target row as table + id; done | refused (and why,
    # in ``detail``); ``changes``, a masked summary of what changed (never an ID number or secret).
    actor_kind = Varchar(length=16, default="")
    actor_role = Varchar(length=32, default="")
    actor_unit = Varchar(length=64, default="")
    target_table = Varchar(length=32, default="")
    target_id = Integer(null=True, default=None)
    result = Varchar(length=16, default="done")
    changes = Varchar(length=1000, default="")
    # The tenant's hash chain (core.audit.chain): chain = tenant id (0: the platform's own),
    # chain_seq its position, prev_hash the hash of the event before it, entry_hash its own.
    chain = Integer(default=0)
    chain_seq = Integer(null=True, default=None)
    prev_hash = Varchar(length=64, default="")
    entry_hash = Varchar(length=64, default="")


class ImportJob(Table, tablename="import_job"):
    """An import of learners (or catalog entries, rules) from a CSV or XLSX file."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    kind = Varchar(length=16)
    filename = Varchar(length=255, default="")
    status = Varchar(length=16, default="pending")  # pending | running | done | failed
    total = Integer(default=0)
    done = Integer(default=0)
    failed = Integer(default=0)
    created = Integer(default=0)
    errors = JSON(default=[])  # [{row, message}], the first 1,000
    message = Varchar(length=500, default="")
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    # Refreshed while the job runs; a pending or running job whose heartbeat is older than
    # ``Settings.job_stale_seconds`` lost its process and is failed (core.imports.jobs).
    heartbeat_at = Timestamptz(null=True, default=None)


class ClosureRequest(Table, tablename="closure_request"):
    """A learner's request to close their account (注销, PIPL Art. 47), decided by an admin
    whose units cover the learner (core.privacy.closure). At most one pending per learner
    (a partial unique index). On approval the account is closed and anonymised; the row stays
    as the bank's record of the request (its reason and the decision)."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    account_id = Integer()
    status = Varchar(length=16, default="pending")  # pending | approved | refused
    reason = Varchar(length=500, default="")
    opinion = Varchar(length=500, default="")
    decided_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
