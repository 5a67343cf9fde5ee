"""The composition root's event wiring: which package handles which domain event.

Lower packages publish (``core.events``); the handlers live in the packages above them; this
module, above every package, registers them. ``install()`` is idempotent and is called by
``create_app``, by the CLI before any command and by the tests' setup, so that a service run
from anywhere reacts the same way. The table of events is in docs/architecture.md.
"""

from __future__ import annotations

from core import events
from core.accounts import audit
from core.certificates import issuing
from core.notifications import service as notifications
from core.reports import counters
from core.reviews import reactions


def install() -> None:
    """Register core's handlers, each once, in this order."""
    events.subscribe(events.OutcomeStored, reactions.on_outcome_stored)
    events.subscribe(events.OutcomeDeleting, reactions.on_outcome_deleting)
    events.subscribe(events.OutcomeVoided, reactions.on_outcome_voided)
    events.subscribe(events.ApplicationDeciding, issuing.on_application_deciding)
    events.subscribe(events.ApplicationDecided, issuing.on_application_decided)
    events.subscribe(events.ProofIssued, reactions.on_proof_issued)
    events.subscribe(events.NotificationRequested, notifications.on_notification_requested)
    # the unit report's counters, after reviews may have refused the deletion
    events.subscribe(events.OutcomeStored, counters.on_outcome_stored)
    events.subscribe(events.OutcomeDeleting, counters.on_outcome_deleting)
    events.subscribe(events.CountedRows, counters.on_counted_rows)
    for event_type in audit.AUDITED_EVENTS:  # last: after a handler that may refuse the change
        events.subscribe(event_type, audit.on_domain_event)
