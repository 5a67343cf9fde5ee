from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.certificates.record_tables import ExternalOutcome, OutcomeStatus, TrustEntry
from core.certificates.tables import Proof, ProofKey
from core.reviews.tables import (
    ProofRequestItem,  # the certificates app owns the table; the class lives with Application
)

APP_CONFIG = AppConfig(
    app_name="certificates",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[ProofKey, Proof, ProofRequestItem, OutcomeStatus, ExternalOutcome, TrustEntry],
    migration_dependencies=["core.reviews.piccolo_app"],
)
