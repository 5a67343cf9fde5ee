from piccolo.columns import Date, ForeignKey, Integer, Real, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.catalog.tables import CatalogEntry
from core.tenancy.tables import Tenant


class Agreement(Table, tablename="agreement"):
    """A conversion agreement (协议) grouping rules, e.g. 外语等级证书转学位外语."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    name = Varchar(length=200)
    description = Text(default="")
    created_at = Timestamptz()


class Rule(Table, tablename="conversion_rule"):
    """A published conversion rule: its sources (``RuleSource``) convert into ``target_entry_id``
    at ``credits`` and ``ratio`` percent. A retired rule is never deleted: applications and
    converted achievements keep pointing at it."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    agreement_id = ForeignKey(Agreement, null=True)
    name = Varchar(length=200)
    description = Text(default="")
    target_entry_id = ForeignKey(CatalogEntry, null=False)
    credits = Real(default=0.0)
    ratio = Integer(default=100)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    status = Varchar(length=16, default="published")  # published | retired
    created_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)
    # ``core.rules.conditions.Conditions`` as JSON; empty: every source must be held, nothing else.
    conditions = Text(default="")
    version = Integer(default=1)  # the current version; earlier ones are in ``RuleVersion``


class RuleSource(Table, tablename="conversion_rule_source"):
    id: Serial  # added by Piccolo; declared for the type checker
    tenant_id = ForeignKey(Tenant, null=False)
    rule_id = ForeignKey(Rule, null=False)
    catalog_entry_id = ForeignKey(CatalogEntry, null=False)


class RuleVersion(Table, tablename="conversion_rule_version"):
    """One version of a rule, as it was published: ``terms`` is its name, description,
    sources, target, credits, ratio and conditions (JSON, ``core.rules.service.VersionTerms``).
    Editing a published rule's terms writes the next version; the previous one ends the day
    before the new one starts. The rule row itself always carries the current version."""

    id: Serial  # added by Piccolo; declared for the type checker
    tenant_id = ForeignKey(Tenant, null=False)
    rule_id = Integer()
    version = Integer()
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    terms = Text(default="")
    note = Varchar(length=200, default="")
    created_at = Timestamptz()


class RuleUse(Table, tablename="conversion_rule_use"):
    """Which version of its rule a conversion application was submitted under: kept for the
    application's life, whatever happens to the rule later."""

    id: Serial  # added by Piccolo; declared for the type checker
    tenant_id = ForeignKey(Tenant, null=False)
    application_id = Integer()
    rule_id = Integer()
    version = Integer()
    created_at = Timestamptz()
