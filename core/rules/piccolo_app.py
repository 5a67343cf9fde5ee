from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.rules.tables import Agreement, Rule, RuleSource, RuleUse, RuleVersion

APP_CONFIG = AppConfig(
    app_name="rules",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Agreement, Rule, RuleSource, RuleVersion, RuleUse],
    migration_dependencies=["core.catalog.piccolo_app"],
)
