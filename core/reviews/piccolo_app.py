from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.reviews.tables import Appeal, AppealFile, Application, ReviewMaterial, ReviewRecord

APP_CONFIG = AppConfig(
    app_name="reviews",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Application, ReviewRecord, ReviewMaterial, Appeal, AppealFile],
    migration_dependencies=["core.achievements.piccolo_app", "core.rules.piccolo_app"],
)
