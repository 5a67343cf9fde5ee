from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table


class PlatformAdmin(Table, tablename="platform_admin"):
    """A national administrator: manages tenants, sees no learner's personal data."""

    username = Varchar(length=64, unique=True)
    password_hash = Varchar(length=200)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
