"""What a province plugin describes: the plain data its hooks return.

Plugins are pure data providers (see ``core/hookspecs.py``). Every hook returns one of the
msgspec Structs below; core checks the value with ``msgspec.convert`` before using it, so a
plugin that returns the wrong shape fails loudly with the hook's name in the message.
"""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

# Roles a review step or a staff account can hold. Core owns this list: a plugin maps its
# review steps onto these roles, it does not invent new ones.
ROLES = ("tenant_admin", "unit_admin", "committee")
# What core calls them where a province says nothing (no province's own words: those come
# from the ``wording`` hook).
ROLE_LABELS = {"tenant_admin": "管理中心管理员", "unit_admin": "单位管理员", "committee": "评审委员会成员"}

# ``unit``: the code of one of the tenant's organisation units (a service point, an acceptance
# point...), chosen on pages with the unit picker and checked to exist when stored.
FieldType = Literal[
    "text", "textarea", "date", "integer", "number", "select", "email", "phone", "password", "id_number", "unit"
]
FileType = Literal["jpg", "png", "gif", "pdf"]


class Struct(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base for plugin data: unknown fields are a plugin bug, so they are refused."""


class ProvinceInfo(Struct):
    """Who the plugin is. ``name`` is the entry-point name tenants refer to."""

    name: str
    title: str
    version: str
    description: str = ""


class Field(Struct):
    """One field of an achievement sub-type (table 2 of the Guangdong manual).

    ``from_catalog`` fields are filled from the chosen catalog (名录) entry; the others are
    typed in by the learner (certificate number, date obtained, score...).
    """

    name: str
    label: str
    type: FieldType = "text"
    required: bool = True
    from_catalog: bool = False
    options: list[str] = []
    help: str = ""


class Evidence(Struct):
    """One piece of supporting material a sub-type asks for (table 3)."""

    name: str
    label: str
    required: bool = True
    file_types: list[FileType] = msgspec.field(default_factory=lambda: ["jpg", "png", "gif"])


# How an achievement of a sub-type gets recognized:
#   catalog_auto    a catalog match is recognized on entry (名录成果); a hand-typed one waits
#                   for the learner to apply;
#   apply           stored as unapplied; the learner applies for recognition (业绩类);
#   review_on_store every stored outcome goes to review at once (national OUC, 10 working days).
Recognition = Literal["catalog_auto", "apply", "review_on_store"]
# How it can be converted: by a published rule, by picking the target from the catalog with
# no rule (Guangdong 业绩类), or not at all.
Conversion = Literal["rule", "catalog_pick", "none"]


class Subtype(Struct):
    code: str
    label: str
    fields: list[Field]
    evidence: list[Evidence] = []
    recognition: Recognition = "catalog_auto"
    conversion: Conversion = "rule"
    review_days: int | None = None
    description: str = ""


class Category(Struct):
    code: str
    label: str
    subtypes: list[Subtype]
    description: str = ""


class Taxonomy(Struct):
    """Categories (成果大类) → sub-types (成果小类) → fields and evidence."""

    categories: list[Category]

    def subtype(self, category: str, subtype: str) -> Subtype | None:
        for cat in self.categories:
            if cat.code == category:
                for sub in cat.subtypes:
                    if sub.code == subtype:
                        return sub
        return None

    def labels(self, category: str, subtype: str) -> tuple[str, str]:
        """The category's and the sub-type's labels; a code the taxonomy lacks stands for itself
        (an outcome stored under a sub-type the province has since dropped)."""
        for cat in self.categories:
            if cat.code == category:
                return cat.label, next((s.label for s in cat.subtypes if s.code == subtype), subtype)
        return category, subtype

    def picks_targets(self) -> bool:
        """Whether any sub-type converts by the learner picking a target from the catalog
        (业绩类成果转换申请): where none does, the province offers no such application."""
        return any(sub.conversion == "catalog_pick" for cat in self.categories for sub in cat.subtypes)


class OrgLevel(Struct):
    """A level of the organisation tree; ``rank`` 0 is the top, children rank higher.

    Peers share a rank (Gansu's 分校, 直属工作站 and 开放教育学院 all sit under the provincial
    school); a unit's parent must rank strictly above it.
    """

    code: str
    label: str
    rank: int
    description: str = ""


class FrameworkLevel(Struct):
    """A level of the tenant's qualifications framework (资历框架)."""

    level: int
    name: str
    description: str = ""


LoginIdentifier = Literal["username", "id_number", "email", "phone"]


class UsernameScheme(Struct):
    """How usernames are formed.

    ``imported`` is a template for learners imported by the bank, filled with
    ``{id_number}`` (``"S{id_number}"`` for the national OUC). ``self_registered`` says whether
    a self-registered learner chooses a username (matching ``pattern``) or uses their e-mail.
    A username holding an ID number is never stored whole: core keeps it masked, with a keyed
    hash to log in by (``core.accounts.usernames``), and shows it masked everywhere.
    """

    imported: str = "{id_number}"
    self_registered: Literal["chosen", "email", "id_number"] = "chosen"
    pattern: str = r"^[A-Za-z0-9]{4,32}$"
    pattern_message: str = "用户名只能由英文字母与数字组成，长度 4–32 位"
    # Said to an imported learner once activated: what their username is (empty: nothing said).
    imported_hint: str = ""
    login_by: list[LoginIdentifier] = msgspec.field(default_factory=lambda: ["username"])


# The kinds of application a learner makes, in the order their work flows (a stored outcome is
# reviewed, recognised, converted, then proven): what ``review_chain`` is asked for.
ApplicationKind = Literal["store_review", "recognition", "conversion", "performance_conversion", "certificate"]
APPLICATION_KINDS: tuple[str, ...] = get_args(ApplicationKind)

Channel = Literal["sms", "email"]


class RegistrationPolicy(Struct):
    """How learners get an account in this province.

    ``fields`` are the self-registration form (empty when self-registration is off). Core
    knows these field names and stores them in the account: ``username, real_name, password,
    password_confirm, id_number, phone, email, code, gender, ethnicity, nationality,
    birth_date, region, address, unit_code``; any other field is kept in the account's profile.
    ``verify`` lists the channels a new learner must prove: ``before`` (a ``code`` sent ahead
    and typed into the form, Guangdong's SMS) or ``after`` (a code sent on registering and
    confirmed with ``/auth/verify``, the national OUC's e-mail check).
    ``account_review`` means a new or activated account waits for staff review
    (``reviewer_level``: which org level's admins review it).
    """

    self_registration: bool = True
    terms_required: bool = True
    fields: list[Field] = []
    verify: list[Channel] = []
    verify_when: Literal["before", "after"] = "before"
    id_scan_required: bool = False
    region_required: bool = False
    account_review: bool = False
    reviewer_level: str | None = None
    review_days: int | None = None
    activation: bool = True
    activation_channels: list[Channel] = msgspec.field(default_factory=lambda: ["sms", "email"])
    activation_review: bool = False
    window_opening: bool = False


class PasswordPolicy(Struct):
    min_length: int = 8
    max_length: int = 64
    min_classes: int = 2  # of: letters, digits, symbols
    strength_meter: bool = True
    description: str = "密码由 8–64 位字母、数字或特殊符号组成，至少包含两类"


class ReviewPolicy(Struct):
    """How reviewers are reminded and late reviews escalated, in working days.

    Every day each reviewer gets one digest of the items they may decide that are due within
    ``remind_within_days`` working days (overdue ones included); an item overdue by
    ``escalate_after_days`` working days is escalated once to the admins of the parent unit
    of the unit that must decide it (the tenant's admins for a step at the top of the tree or
    any step of the whole tenant). ``escalate_after_days`` None: never escalate. A reviewer
    who takes an item (认领) holds it for ``claim_minutes``, so two do not work one item. A
    learner may appeal a refusal within ``appeal_days`` working days; the appeal is decided by
    ``appeal_reviewer`` (the admins of the refusing unit's parent, or the committee), and
    overturning it resumes the chain at the refused step. ``collected_recognition``: what
    happens to an outcome staff collect for a learner at a service window (信息采集) when its
    sub-type is not recognized on entry — ``submit``: it goes to recognition at once, the
    collecting unit routing the chain (the window took the originals); ``learner``: it waits,
    unapplied, for the learner to apply.
    """

    remind_within_days: int = 2
    escalate_after_days: int | None = 3
    claim_minutes: int = 120  # a reviewer's claim on an item lapses after this long undecided
    appeal_days: int | None = 10  # working days after a refusal to appeal it (申诉); None: no appeals
    appeal_reviewer: Literal["parent", "committee"] = "parent"  # the deciding unit's parent's admins, or the committee
    collected_recognition: Literal["submit", "learner"] = "learner"


class OpinionFormat(Struct):
    """The shape a reviewer's opinion must take, e.g. ``教学点：X 审核人：X 意见：同意``."""

    name: str
    pattern: str  # a Python regular expression the whole opinion must match
    example: str
    description: str = ""


class RefusalReason(Struct):
    """A coded reason for refusing at a step (like TES's deny reasons), counted in reports."""

    code: str
    label: str


class ReviewStep(Struct):
    """One step of a review chain.

    The reviewer is found from the unit the application is made at (the learner's own unit
    unless they name another): ``own_unit`` (that unit), ``parent`` (its parent unit — the
    上级机构复审), ``ancestor_level`` (the nearest ancestor — or the unit itself — at ``level``),
    or ``tenant`` (anyone with ``role`` in the tenant).
    """

    name: str
    label: str
    role: str
    reviewer: Literal["own_unit", "parent", "ancestor_level", "tenant"] = "tenant"
    level: str | None = None
    opinion: OpinionFormat | None = None
    materials: Literal["none", "optional", "required"] = "optional"
    materials_label: str = "审核材料"  # e.g. 转换初审材料
    materials_file_types: list[FileType] = msgspec.field(default_factory=lambda: ["pdf"])
    onsite_check: bool = False
    days: int | None = None  # working days the step should take
    # Coded reasons a reviewer picks from when refusing at this step (one is then required).
    refusal_reasons: list[RefusalReason] = msgspec.field(default_factory=list)


class ReviewChain(Struct):
    """The steps of a review, in order. ``outcome`` says what a final approval of a conversion
    does: add the target to the learner's account (Guangdong), or approve it so that a proof
    is issued for the learner to take to the target institution (national OUC)."""

    steps: list[ReviewStep]
    outcome: Literal["add_target", "issue_proof"] = "add_target"


class NotificationTemplate(Struct):
    """A jinja2 text for one event on one channel; ``subject`` is for e-mail only."""

    event: str
    channel: Channel
    body: str
    subject: str = ""


class FaqItem(Struct):
    question: str
    answer: str


class Contact(Struct):
    phones: list[str] = []
    email: str = ""
    address: str = ""
    hours: str = ""
    other: list[str] = []  # e.g. a QQ group


class TenantDefaults(Struct):
    """Content a tenant starts with; the tenant file may override contact details."""

    about: str
    terms: str
    faq: list[FaqItem] = []
    contact: Contact = msgspec.field(default_factory=Contact)


class RuleDefaults(Struct):
    """What a conversion rule that says nothing about them is held to in this province.

    ``program_credit_cap``: credits a learner may convert into one target programme (项目/专业)
    in all; ``year_credit_cap``: in one calendar year; ``source_once_per_program``: one source
    outcome may be used once per target programme. None / False: no such limit. A rule's own
    conditions override each of them."""

    program_credit_cap: float | None = None
    year_credit_cap: float | None = None
    source_once_per_program: bool = False


class Wording(Struct):
    """The province's own words for core's notions, shown on pages.

    ``role_labels`` maps roles of ``ROLES`` to what the province calls them (Guangdong's
    ``committee`` is the 专业认定委员会); a role left out keeps core's label. ``proof_issuer``
    names the body that reviews certificate applications and issues the proofs (the national
    OUC's 学习成果认证中心).
    """

    role_labels: dict[str, str] = {}
    proof_issuer: str = "学分银行"


class DeliveryError(Exception):
    """A message that could not be delivered: raised by core's channels and by a province's
    ``send_sms`` hook. ``permanent`` for an address that can never be reached (the message
    fails at once); otherwise the sender retries with back-off."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        self.permanent = permanent
        super().__init__(reason)
