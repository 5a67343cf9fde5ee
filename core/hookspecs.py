"""The contract between core and province plugins.

A province plugin is an object whose methods are marked with ``hookimpl`` and named after the
hooks below. Core builds one plugin manager per province plugin (``core/plugins.py``): core's
own defaults (``core/defaults.py``) are registered first and the province plugin last, so the
province's answer wins for every ``firstresult`` hook and the defaults fill in what it leaves
out. A plugin that builds on another (Gansu on the national OUC) subclasses it.

Hooks are pure: they return data (``core/province.py``) and never touch the database, storage
or network. Core calls them through ``core.plugins.ProvinceHooks``, which checks every value.
"""

from __future__ import annotations

import pluggy

from core.province import (
    FrameworkLevel,
    NotificationTemplate,
    OrgLevel,
    PasswordPolicy,
    ProvinceInfo,
    RegistrationPolicy,
    ReviewChain,
    ReviewPolicy,
    RuleDefaults,
    Taxonomy,
    TenantDefaults,
    UsernameScheme,
    Wording,
)

PROJECT = "creditbank"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(firstresult=True)
def province_info() -> ProvinceInfo:
    """Name, title and version of the province plugin, listed to platform administrators.

    Called when plugins are discovered. First result wins; every plugin must implement it.
    """


@hookspec(firstresult=True)
def tenant_defaults() -> TenantDefaults:
    """About text, terms of service, FAQ and contact details a new tenant starts with.

    Called when a tenant is loaded. First result wins. The tenant file's ``contact`` section,
    where present, replaces the contact details returned here; a tenant created on the platform
    never shows them (it starts with none, set on the console).
    """


@hookspec(firstresult=True)
def achievement_taxonomy() -> Taxonomy:
    """The achievement taxonomy: categories → sub-types → fields and evidence.

    Called when a tenant is loaded and whenever an achievement is added or checked. First
    result wins. Category and sub-type codes are stable identifiers stored with every
    achievement: never rename one that is in use. A field of type ``unit`` holds the code of
    one of the tenant's units (pages offer the unit picker; core checks the unit exists).
    """


@hookspec(firstresult=True)
def org_levels() -> list[OrgLevel]:
    """The levels of the organisation tree, top first (rank 0).

    Called when units are created or seeded: a unit's level must be one of these, and ranked
    below its parent's (levels may be skipped). First result wins.
    """


@hookspec(firstresult=True)
def framework_levels() -> list[FrameworkLevel]:
    """The tenant's qualifications framework levels (资历框架), lowest first; empty if it has none.

    Called when a tenant is loaded; shown on the framework page and with catalog entries. First
    result wins.
    """


@hookspec(firstresult=True)
def username_scheme() -> UsernameScheme:
    """How usernames of imported and self-registered learners are formed, and what a learner
    may log in with. Called when a tenant is loaded and on import, registration and login.
    First result wins."""


@hookspec(firstresult=True)
def registration_policy() -> RegistrationPolicy:
    """How learners get accounts: activation of imported accounts, self-registration (its
    form and checks), account review, opening at a service window. Called when a tenant is
    loaded; every account-opening page and endpoint follows it. First result wins."""


@hookspec(firstresult=True)
def password_policy() -> PasswordPolicy:
    """Length and character classes a password needs. Called when a tenant is loaded; every
    password set (registration, activation, reset, change) is checked against it. First result
    wins."""


@hookspec(firstresult=True)
def review_chain(kind: str, category: str, subtype: str) -> ReviewChain | None:
    """The review chain for an application.

    ``kind`` is ``recognition``, ``conversion``, ``performance_conversion``, ``certificate`` or
    ``store_review``; ``category``/``subtype`` are the achievement's taxonomy codes (empty for
    a certificate). Called when an application is submitted; the chain is stored with it, so
    later plugin changes do not alter applications in flight. First result wins; ``None``
    means this province does not accept that kind of application for that sub-type.

    The final approval of a ``certificate`` chain — or of a ``conversion`` chain whose
    ``outcome`` is ``issue_proof`` — issues the signed 学习成果认证证明 in the same
    transaction; the last step's unit is named on it as the issuing unit.
    """


@hookspec(firstresult=True)
def review_policy() -> ReviewPolicy:
    """When reviewers get their daily digest of items coming due, and when a late item is
    escalated to the parent unit's admins (working days; ``core.province.ReviewPolicy``).

    Called by the daily reminder run (``creditbank reviews remind``). First result wins; core's
    default reminds two working days ahead and escalates after three overdue.
    """


@hookspec(firstresult=True)
def rule_defaults() -> RuleDefaults:
    """Credit caps per target programme and per year, and whether a source outcome is used once
    per programme, for conversion rules that do not set them (``core.province.RuleDefaults``).

    Called when rules are matched to a learner's outcomes, explained, or previewed before a
    change. First result wins; core's default sets no limit, so rules mean what they say.
    """


@hookspec
def notification_templates() -> list[NotificationTemplate]:
    """Templates (jinja2) for the events the platform raises, per channel.

    Called when notifications are rendered. All results are collected; for one event and
    channel the province's template wins over core's default (it is registered later).
    """


@hookspec(firstresult=True)
def wording() -> Wording:
    """What the province calls core's staff roles and the body that issues proofs.

    Called when a tenant is loaded; the words appear on staff, audit and proof pages. First
    result wins; a role missing from ``role_labels`` keeps core's neutral label.
    """


@hookspec(firstresult=True)
def send_sms(to: str, text: str, message_key: str) -> bool | None:
    """Deliver one SMS through the province's own gateway; the one hook that does I/O.

    Called by the notification sender, in a worker thread, for tenants of this province when
    no ``CREDITBANK_SMS_URL`` gateway is configured. Return True once the gateway accepted the
    message; raise ``core.province.DeliveryError`` (``permanent=True`` for a
    number that can never be reached) to have it retried or failed; return None (or do not
    implement it) to leave SMS to core. ``message_key`` is stable across retries: pass it to
    the gateway so it can drop duplicates. First result wins.
    """
