"""The reports own one table, ``unit_counter`` (the unit report's counters); the indexes the
report's live queries need belong to the apps whose tables they index (reviews, achievements).
Its first two migrations are history: the first built those indexes here, the second drops
them now that their owners build them."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.reports.tables import UnitCounter

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[UnitCounter],
    migration_dependencies=["core.accounts.piccolo_app", "core.achievements.piccolo_app", "core.reviews.piccolo_app",
                            "core.tenancy.piccolo_app"],
)
