from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.security.tables import AuthToken, IdempotentRequest, KeyCheck

APP_CONFIG = AppConfig(
    app_name="security",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AuthToken, IdempotentRequest, KeyCheck],
    migration_dependencies=["core.tenancy.piccolo_app"],
)
