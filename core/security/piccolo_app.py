from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.security.tables import AuthToken, IdempotentRequest

APP_CONFIG = AppConfig(
    app_name="security",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AuthToken, IdempotentRequest],
    migration_dependencies=["core.tenancy.piccolo_app"],
)
