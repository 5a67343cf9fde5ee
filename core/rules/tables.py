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


class RuleSource(Table, tablename="conversion_rule_source"):
    id: Serial  # added by Piccolo; declared for the type checker
    tenant_id = ForeignKey(Tenant, null=False)
    rule_id = ForeignKey(Rule, null=False)
    catalog_entry_id = ForeignKey(CatalogEntry, null=False)
