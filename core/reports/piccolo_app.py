"""The reports own no tables, and no indexes: the indexes the report queries need belong to
the apps whose tables they index (reviews, achievements). Its two migrations are history: the
first built those indexes here, the second drops them now that their owners build them."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["core.accounts.piccolo_app", "core.achievements.piccolo_app", "core.reviews.piccolo_app"],
)
