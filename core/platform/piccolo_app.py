from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.platform.tables import PlatformAdmin

APP_CONFIG = AppConfig(
    app_name="platform",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[PlatformAdmin],
    migration_dependencies=["core.tenancy.piccolo_app"],
)
