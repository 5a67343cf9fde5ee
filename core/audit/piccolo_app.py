from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.audit.tables import AuditArchive, AuditCheckpoint, AuditHead, AuditKey

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AuditHead, AuditCheckpoint, AuditArchive, AuditKey],
    migration_dependencies=["core.accounts.piccolo_app"],
)
