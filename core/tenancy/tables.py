from piccolo.columns import JSON, Serial, Timestamptz, Varchar
from piccolo.table import Table


class Tenant(Table, tablename="tenant"):
    """A hosted credit bank. Every tenant-owned row elsewhere points here by ``tenant_id``."""

    id: Serial  # added by Piccolo; declared for the type checker

    slug = Varchar(length=63, unique=True)
    name = Varchar(length=200)
    plugin = Varchar(length=63)
    hosts = JSON(default=[])
    base_url = Varchar(length=255, default="")  # "" = the platform's CREDITBANK_BASE_URL
    branding = JSON(default={})
    contact = JSON(default={})
    status = Varchar(length=16, default="active")  # active | suspended
    # Shown to the tenant's users (pages and API) while it is suspended; "" = a standard text.
    status_message = Varchar(length=500, default="")
    source = Varchar(length=16, default="api")  # file (tenants/) | api (platform admin)
    created_at = Timestamptz()
    updated_at = Timestamptz()
