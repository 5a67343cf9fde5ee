from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.notifications.tables import Notification, TemplateOverride

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Notification, TemplateOverride],
    migration_dependencies=["core.tenancy.piccolo_app"],
)
