from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.accounts.tables import (
    Account,
    AccountReview,
    AuditEntry,
    ClosureRequest,
    ImportJob,
    StaffRole,
    VerificationCode,
)

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Account, StaffRole, VerificationCode, AccountReview, AuditEntry, ImportJob,
                   ClosureRequest],
    migration_dependencies=["core.hierarchy.piccolo_app"],
)
