from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.catalog.tables import CatalogEntry

APP_CONFIG = AppConfig(
    app_name="catalog",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[CatalogEntry],
    migration_dependencies=["core.tenancy.piccolo_app"],
)
