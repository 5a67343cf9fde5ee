from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.tenancy.tables import Tenant


class CatalogEntry(Table, tablename="catalog_entry"):
    """An entry of the tenant's catalog (名录): a course, certificate, training... that learners
    pick when adding an achievement. ``fields`` holds the sub-type's catalog fields.
    ``search_text`` is project name, name and institution, lower-cased, for substring search
    (a trigram index on PostgreSQL)."""

    id: Serial  # added by Piccolo; declared for the type checker

    tenant_id = ForeignKey(Tenant, null=False)
    category = Varchar(length=32)
    subtype = Varchar(length=64)
    project_name = Varchar(length=200, default="")
    name = Varchar(length=200)
    institution = Varchar(length=200, default="")
    fields = JSON(default={})
    framework_level = Integer(null=True, default=None)
    search_text = Text(default="")
    # SQLite only: the two-character substrings of ``search_text`` for its FTS5 index
    # (core/catalog/fts.py); empty on PostgreSQL, whose bigram index is an expression.
    search_grams = Text(default="")
    active = Boolean(default=True)
    created_at = Timestamptz()
