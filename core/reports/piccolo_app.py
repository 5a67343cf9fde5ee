"""The reports own no tables: their migrations add the indexes the report queries need to
other domains' tables."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["core.accounts.piccolo_app", "core.achievements.piccolo_app", "core.reviews.piccolo_app"],
)
