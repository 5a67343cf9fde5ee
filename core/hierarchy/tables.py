from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class OrgUnit(Table, tablename="org_unit"):
    """A unit of a tenant's service network: centre, branch, sub-centre, teaching point...

    ``path`` is the materialized path of unit codes from the root, ``/ZJ/ZJ-B01/ZJ-S01/``, so
    "this unit and everything below it" is one indexed prefix query. Codes may therefore hold
    only letters, digits, ``-`` and ``.``.
    """

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    code = Varchar(length=64)
    level = Varchar(length=32)
    name = Varchar(length=200)
    parent_id: ForeignKey = ForeignKey("self", null=True)
    path = Varchar(length=1000)
    depth = Integer(default=0)
    host_institution = Varchar(length=200, default="")
    address = Varchar(length=300, default="")
    phone = Varchar(length=64, default="")
    created_at = Timestamptz()
    # (tenant_id, code) is unique: an index made by the migration, as SQLite cannot add
    # a constraint to an existing table.
