"""Migrations are append-only and each app indexes only its own tables.

``tests/migrations.sha256`` lists every file under ``core/*/piccolo_migrations`` with its
SHA-256 (``sha256sum`` format). A landed migration that changes or disappears fails here; a
new one fails until its line is appended::

    sha256sum core/APP/piccolo_migrations/NEW_FILE.py >> tests/migrations.sha256

(``hierarchy_2026_11_23t08_36_21_572299.py`` was edited after it landed, before this check
existed; it is listed as it is now.)"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from core import db
from core.piccolo_conf import APP_REGISTRY
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).with_name("migrations.sha256")
# Before each app owned its indexes the reports app indexed other apps' tables; its next
# migration drops them and their owners build them (2026-12-03).
HISTORY = {"reports_2026_11_23t12_00_00_000000.py"}
CREATE_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+)\s+ON\s+(\w+)", re.I)


def manifest(text: str) -> dict[str, str]:
    entries = {}
    for line in text.splitlines():
        if line.strip():
            digest, path = line.split(maxsplit=1)
            entries[path.strip().lstrip("*")] = digest
    return entries


def changes(root: Path, listed: dict[str, str]) -> list[str]:
    """What differs between the migration files under ``root`` and the manifest."""
    found = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(root.glob("core/*/piccolo_migrations/*.py"))}
    problems = [f"{path}: 已落地的迁移被修改（迁移只能追加，请新建一个迁移）" for path, digest in listed.items()
                if path in found and found[path] != digest]
    problems += [f"{path}: 已落地的迁移被删除" for path in listed if path not in found]
    problems += [f"{path}: 新迁移未登记，请运行 sha256sum {path} >> tests/migrations.sha256" for path in found
                 if path not in listed]
    return problems


def test_landed_migrations_are_unchanged_and_new_ones_listed():
    problems = changes(ROOT, manifest(MANIFEST.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems)


def test_the_check_fails_for_an_edited_a_removed_and_an_unlisted_migration(tmp_path):
    folder = tmp_path / "core" / "demo" / "piccolo_migrations"
    folder.mkdir(parents=True)
    for name in ("a.py", "b.py", "c.py"):
        (folder / name).write_text(f"ID = {name!r}\n")
    listed = {f"core/demo/piccolo_migrations/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()
              for p in folder.glob("*.py")}
    assert changes(tmp_path, listed) == []
    (folder / "a.py").write_text("ID = 'edited'\n")
    (folder / "b.py").unlink()
    (folder / "d.py").write_text("ID = 'new'\n")
    problems = "\n".join(changes(tmp_path, listed))
    assert "a.py: 已落地的迁移被修改" in problems and "b.py: 已落地的迁移被删除" in problems
    assert "d.py: 新迁移未登记" in problems and "c.py" not in problems


def test_each_app_indexes_only_its_own_tables():
    strays = []
    for app in APP_REGISTRY.app_configs.values():
        own = {table._meta.tablename for table in app.table_classes}
        for path in sorted(Path(app.migrations_folder_path).glob("*.py")):
            for index, table in CREATE_INDEX.findall(path.read_text(encoding="utf-8")):
                if table not in own and path.name not in HISTORY:
                    strays.append(f"{app.app_name}/{path.name}: {index} ON {table}")
    assert not strays, "indexes on another app's table:\n" + "\n".join(strays)


async def test_the_report_indexes_belong_to_the_apps_of_their_tables(migrated, home):
    engine = db.make_engine(make_settings(home))
    async with db.connected(engine):
        if engine.engine_type == "postgres":
            rows = await engine.run_ddl("SELECT indexname AS name, tablename AS tbl FROM pg_indexes "
                                        "WHERE schemaname = current_schema()")
        else:
            rows = await engine.run_ddl("SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type = 'index'")
    indexes = {r["name"]: r["tbl"] for r in rows}
    assert indexes.get("application_open_step") == "application"
    assert indexes.get("application_learner_status") == "application"
    assert indexes.get("achievement_learner_category") == "achievement"
    assert not {name for name in indexes if name.startswith("report_")}
