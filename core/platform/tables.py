from piccolo.columns import Serial, Timestamptz, Varchar
from piccolo.table import Table


class PlatformAdmin(Table, tablename="platform_admin"):
    """A national administrator: manages tenants, sees no learner's personal data."""

    id: Serial  # added by Piccolo; declared for the type checker

    username = Varchar(length=64, unique=True)
    password_hash = Varchar(length=200)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
