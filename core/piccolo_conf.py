"""Piccolo's configuration module, used by its migration machinery.

``DB`` is the engine of the running process: ``core.db.bind`` sets it. When the ``piccolo``
command line reads it unset (a developer generating a migration), it is built from the
environment, then and only then.
"""

from piccolo.conf.apps import AppRegistry

APPS = [
    "core.tenancy.piccolo_app",
    "core.hierarchy.piccolo_app",
    "core.platform.piccolo_app",
    "core.security.piccolo_app",
    "core.accounts.piccolo_app",
    "core.audit.piccolo_app",
    "core.notifications.piccolo_app",
    "core.catalog.piccolo_app",
    "core.achievements.piccolo_app",
    "core.rules.piccolo_app",
    "core.reviews.piccolo_app",
    "core.reports.piccolo_app",
    "core.certificates.piccolo_app",
]

APP_REGISTRY = AppRegistry(apps=APPS)


def __getattr__(name: str):
    if name == "DB":
        from core.db import make_engine
        from core.settings import Settings

        globals()["DB"] = engine = make_engine(Settings.from_env())
        return engine
    raise AttributeError(name)
