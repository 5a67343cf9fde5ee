"""Domain events: how a lower package tells the packages above it that something happened,
without importing them.

A tiny in-process hub. Handlers are registered per event type (``subscribe``) by the
composition root (``core.wiring.install``, called by ``create_app``, the CLI and the tests'
setup); a plugin may subscribe too, from its module (``core.events.subscribe(ProofIssued,
handler)``). ``await publish(tenant, event)`` runs every
handler of the event's type, in the order they were registered, in the caller's task and so in
the caller's transaction: an event is published inside the transaction of the change it reports,
and a handler that raises rolls the change back (a ``DomainError`` it raises reaches the client
as the caller's own would). No queue, no threads, no retries: what must survive a crash is
written by the handler in the same transaction (the notification outbox, the audit trail).

Every event carries what an audit trail needs — ``tenant_id``; ``actor`` (who, of which kind,
from which unit); ``action``; the target row (``target_table``, ``target_id``); ``result`` —
and, for the in-process handlers only, a few payload fields. The list of events, who raises
and who handles each, is in docs/architecture.md.

This module imports nothing of core: every layer may publish.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who caused an event: an account (``learner`` / ``staff``), the ``platform`` admin, or the
    ``system`` (a job, a sync). ``unit_id``: the account's unit, when it has one."""

    id: int | None
    kind: str
    unit_id: int | None = None


SYSTEM = Actor(id=None, kind="system")
ANONYMOUS = Actor(id=None, kind="anonymous")  # a request before login (registration, codes)


@dataclass(frozen=True, kw_only=True)
class Event:
    """The common shape: who did what to which row, with what result."""

    action: ClassVar[str] = ""
    target_table: ClassVar[str] = ""

    tenant_id: int
    actor: Actor
    target_id: int | None
    result: str = "ok"


# ---------------------------------------------------------------------------------------------
# The events (raised by → handled by: docs/architecture.md)


@dataclass(frozen=True, kw_only=True)
class OutcomeStored(Event):
    """A learning outcome was stored (achievements): by the learner, or for them at a service
    window (``actor`` is then the staff member). ``status`` is what storing gave it: ``applied``
    when its sub-type is reviewed on storing — reviews then opens that review — or when it was
    collected at a window whose province submits collected outcomes (``collected_unit``, the
    collecting unit ``{id, code, path}``): reviews opens the recognition through that unit, or,
    where the province reviews no such outcome, sets it back to ``unapplied``."""

    action: ClassVar[str] = "achievement.store"
    target_table: ClassVar[str] = "achievement"

    learner_id: int
    category: str
    subtype: str
    status: str
    collected_unit: dict | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class OutcomeDeleting(Event):
    """A learner is about to delete an outcome (achievements), inside the deletion's
    transaction. A handler that knows the outcome is still needed (an application or a proof
    rests on it: reviews) raises, and the outcome stays."""

    action: ClassVar[str] = "achievement.delete"
    target_table: ClassVar[str] = "achievement"

    row: dict = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class OutcomeVoided(Event):
    """A collected outcome was found wrong on the learner's dispute (achievements: the dispute
    upheld), in the decision's transaction; reviews withdraws every open application on it,
    each with a record naming ``actor_name``, ``unit_name`` and the ``opinion``."""

    action: ClassVar[str] = "achievement.void"
    target_table: ClassVar[str] = "achievement"

    actor_name: str
    unit_name: str
    opinion: str
    voided_at: datetime


@dataclass(frozen=True, kw_only=True)
class ApplicationDeciding(Event):
    """A reviewer's decision passed its checks and is about to be written (reviews), *before*
    its transaction: what a handler prepares here must not race inside it (certificates makes
    the tenant's first signing key when the decision will issue a proof). ``result``: the
    decision (``approve`` / ``reject`` / …); ``final``: whether it ends the chain."""

    action: ClassVar[str] = "application.decide"
    target_table: ClassVar[str] = "application"

    kind: str
    final: bool
    issues_proof: bool


@dataclass(frozen=True, kw_only=True)
class ApplicationDecided(Event):
    """A reviewer's decision was written (reviews), in its transaction, after the outcome it
    changes (recognized, the converted outcome added) and the learner's notification.
    ``application`` is the row as read before the decision, ``chain`` its resolved chain; a
    final approval that ``issues_proof`` has certificates issue the proof."""

    action: ClassVar[str] = "application.decided"
    target_table: ClassVar[str] = "application"

    kind: str
    final: bool
    issues_proof: bool
    site: str
    decided_at: datetime
    application: dict = field(repr=False)
    chain: Any = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class ProofIssued(Event):
    """A proof was issued for an approved application (certificates), in the decision's
    transaction; reviews tells the learner (the ``proof.issued`` notification). The target is
    the application's ``proof`` row (named by ``proof_code``)."""

    action: ClassVar[str] = "proof.issue"
    target_table: ClassVar[str] = "proof"

    application_id: int
    learner_id: int
    proof_code: str
    verify_url: str


@dataclass(frozen=True, kw_only=True)
class NotificationRequested(Event):
    """Any package asks for a message to the outbox (notifications writes it, in the caller's
    transaction, from the province's template for ``event``). ``target_*`` names the account
    told, when there is one."""

    action: ClassVar[str] = "notification.enqueue"
    target_table: ClassVar[str] = "account"

    event: str
    channel: str
    recipient: str
    dedupe_key: str
    context: dict = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class CountedRows(Event):
    """Rows the unit report counts (``table``: ``account``, ``achievement`` or ``application``)
    were written or are about to change, inside the change's transaction: ``sign`` +1 after an
    insert or an update (count them as they are now), -1 before an update or a delete (take
    back what they counted). reports keeps its per-unit, per-day counters from it; an update
    publishes both. ``ids``: the rows' ids, one event for a whole batch. The target is the
    counters (``target_id`` None); ``table`` and ``ids`` name the rows counted."""

    action: ClassVar[str] = "report.count"
    target_table: ClassVar[str] = "unit_counter"

    table: str
    ids: tuple[int, ...]
    sign: int = 1


async def counted(tenant_id: int, table: str, ids: list[int] | tuple[int, ...], sign: int = 1,
                  tenant: Any = None) -> None:
    """Publish a ``CountedRows`` (by the system: a count follows a change, it makes none)."""
    if ids:
        await publish(tenant, CountedRows(tenant_id=tenant_id, actor=SYSTEM, target_id=None, table=table,
                                          ids=tuple(ids), sign=sign))


# ---------------------------------------------------------------------------------------------
# The hub

E = TypeVar("E", bound=Event)
Handler = Callable[[Any, Any], Awaitable[None]]  # (tenant: TenantContext, event) -> None

_handlers: dict[type[Event], list[Handler]] = {}


def subscribe(event_type: type[E], handler: Callable[[Any, E], Awaitable[None]]) -> None:
    """Run ``handler(tenant, event)`` for every published ``event_type`` (after the handlers
    registered before it). Registering the same handler twice is a no-op."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type[Event], handler: Handler) -> None:
    if handler in _handlers.get(event_type, []):
        _handlers[event_type].remove(handler)


def handlers(event_type: type[Event]) -> list[Handler]:
    return list(_handlers.get(event_type, []))


async def publish(tenant: Any, event: Event) -> None:
    """Run the handlers of ``type(event)`` one after the other, in the caller's transaction.
    ``tenant`` is the ``TenantContext`` the event happened in (handlers need its hooks), or
    None where the raiser works by ``tenant_id`` alone (``event.tenant_id`` is always set)."""
    for handler in _handlers.get(type(event), []):
        await handler(tenant, event)


async def notify(tenant: Any, actor: Actor, *, event: str, channel: str, recipient: str, context: dict,
                 dedupe_key: str, account_id: int | None = None) -> None:
    """Publish a ``NotificationRequested``: one message to the outbox, for ``account_id`` when
    it is an account's (a second request with the same ``dedupe_key`` is a no-op)."""
    await publish(tenant, NotificationRequested(
        tenant_id=tenant.id, actor=actor, target_id=account_id, event=event, channel=channel, recipient=recipient,
        context=context, dedupe_key=dedupe_key))
