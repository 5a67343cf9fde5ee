"""Give every open application the deadline of its current step, as the engine now stores it.

Until now a step was taken to have begun when the application last moved (``updated_at``) and
its deadline was worked out on every read, weekends only; a stored-outcome review kept the
deadline its outcome got when it was stored. Open rows get exactly those values, the due date
now counted on the public-holiday calendar (core.workdays). Then the index the queues and the
overdue report read.
"""

from datetime import datetime, timezone

import msgspec
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T14:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "backfill the current step's start and due date of open applications; index by due date"

_DEFAULT_DAYS = 10  # what the credit banks promise when a step names no length


def _moment(value) -> datetime:
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


async def backfill():
    from core.workdays import due_at

    rows = await Table.raw(
        "SELECT ap.id, ap.chain, ap.current_step, ap.updated_at, ap.kind,"
        " (SELECT a.review_due_at FROM achievement a WHERE a.id = ap.achievement_id) AS review_due_at"
        " FROM application ap WHERE ap.status IN ('submitted', 'in_review') AND ap.step_due_at IS NULL")
    for row in rows:
        started = _moment(row["updated_at"])
        if row["kind"] == "store_review" and row["review_due_at"] is not None:
            due = _moment(row["review_due_at"])
        else:
            chain = row["chain"] if isinstance(row["chain"], dict) else msgspec.json.decode(row["chain"] or "{}")
            steps = chain.get("steps") or []
            step = steps[row["current_step"]] if row["current_step"] < len(steps) else {}
            due = due_at(started, step.get("days") or _DEFAULT_DAYS)
        await Table.raw("UPDATE application SET step_started_at = {}, step_due_at = {} WHERE id = {}",
                        started, due, row["id"])
    await Table.raw("CREATE INDEX IF NOT EXISTS application_open_due ON application (tenant_id, step_unit_id, step_due_at)"
                    " WHERE status IN ('submitted', 'in_review')")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)
    manager.add_raw(backfill)
    return manager
