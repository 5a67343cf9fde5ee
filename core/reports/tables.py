from piccolo.columns import BigInt, Date, ForeignKey, Integer, Serial, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class UnitCounter(Table, tablename="unit_counter"):
    """What the unit report counts, kept per unit and period instead of scanned
    (core/reports/counters.py): ``n`` rows of ``measure`` (``learners``, ``achievements``,
    ``applications``, ``collected``) with keys ``k1``/``k2`` (category and sub-type; status;
    category and recognized) created on ``day`` (China's calendar) where the learner belongs, or
    for ``collected`` the unit that collected them (``unit_id``, 0 for none). ``span`` ``d``: that
    day; ``m``: the whole month starting on ``day``. One row per (tenant, span, day, unit,
    measure, k1, k2), moved by a delta upsert in the transaction of the change it counts."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    span = Varchar(length=1)
    day = Date()
    unit_id = Integer()
    measure = Varchar(length=16)
    k1 = Varchar(length=64, default="")
    k2 = Varchar(length=64, default="")
    n = BigInt(default=0)
