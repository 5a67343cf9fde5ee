from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.hierarchy.tables import OrgUnit

APP_CONFIG = AppConfig(
    app_name="hierarchy",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[OrgUnit],
    migration_dependencies=["core.tenancy.piccolo_app"],
)
