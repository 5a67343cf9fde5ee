from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class Notification(Table, tablename="notification"):
    """The outbox: a message written in the same transaction as the change that causes it,
    delivered later by a sender. ``dedupe_key`` makes a retried change write it once."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    event = Varchar(length=64)
    channel = Varchar(length=8)  # sms | email
    recipient = Varchar(length=254)
    subject = Varchar(length=300, default="")
    body = Text()
    dedupe_key = Varchar(length=200, unique=True)
    status = Varchar(length=16, default="queued")  # queued | sending | sent | failed
    attempts = Integer(default=0)
    last_error = Varchar(length=500, default="")
    delivered_via = Varchar(length=16, default="")  # log | smtp | sms gateway name
    created_at = Timestamptz()
    next_attempt_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None)  # a sender's lease while it delivers
    claim_token = Varchar(length=32, default="")  # whose lease: a sender records outcomes only under its own
    requeued_at = Timestamptz(null=True, default=None)  # staff put it back; the retry window starts again
    # The account the message is for (none for a code to a phone or address not yet an
    # account's): the delivery log shows it to admins whose subtree holds that account's unit.
    account_id = Integer(null=True, default=None)


class TemplateOverride(Table, tablename="notification_template"):
    """A tenant admin's own text for one event and channel, replacing the plugin's."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    event = Varchar(length=64)
    channel = Varchar(length=8)
    subject = Varchar(length=300, default="")
    body = Text()
    updated_by = Integer()
    updated_at = Timestamptz()
