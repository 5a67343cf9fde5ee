from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.achievements.tables import Achievement, AchievementDispute, Evidence

APP_CONFIG = AppConfig(
    app_name="achievements",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Achievement, Evidence, AchievementDispute],
    migration_dependencies=["core.accounts.piccolo_app"],
)
