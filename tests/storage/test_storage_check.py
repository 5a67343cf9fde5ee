"""``creditbank storage check``: it knows every table that refers to a stored file, never
deletes a referenced one, and deletes nothing unless told twice (``--delete-orphans --apply``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.reviews.tables import ReviewMaterial
from core.storage.check import referencing_columns
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import catalog_entry, guangdong_learner

G = "/t/guangdong/api/v1"
PDF = b"%PDF-1.7\n" + b"\x03" * 2048
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 256


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CREDITBANK_HOME": str(settings.home), "CREDITBANK_DATABASE_URL": settings.database_url,
           "CREDITBANK_STORAGE_URL": settings.storage_url, "CREDITBANK_SECRET_KEY": settings.secret_key,
           "CREDITBANK_TENANTS_DIR": str(settings.tenants_dir), "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([sys.executable, "-m", "core.cli", "storage", "check", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_every_table_holding_a_stored_file_is_known():
    columns = {(table._meta.tablename, column._meta.name) for table, column in referencing_columns()}
    assert {("evidence", "storage_key"), ("review_material", "storage_key"), ("account", "id_scan_key")} <= columns


async def test_a_reviewers_material_survives_delete_orphans(client, settings):
    learner = await guangdong_learner(client)
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    cet = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    achievement = (await client.post(f"{G}/me/achievements", headers=learner, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": cet["id"],
        "fields": {"certificate_no": "1900483622", "issued_on": "2020-05-22"}})).json()
    rules = (await client.get(f"{G}/me/achievements/{achievement['id']}/rules", headers=learner)).json()
    application = (await client.post(f"{G}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": achievement["id"], "rule_id": rules[0]["id"]})).json()
    material = await client.post(f"{G}/reviews/{application['id']}/materials", headers=point,
                                 files={"file": ("成绩单.pdf", PDF, "application/pdf")})
    assert material.status_code == 201, material.text
    key = (await ReviewMaterial.select(ReviewMaterial.storage_key).first())["storage_key"]
    storage = client._transport.app.state.storage
    await storage.put("1/evidence/999/stray.png", PNG, "image/png")

    report = _cli(settings)
    assert report.returncode == 0, report.stderr
    assert "无记录的文件：1/evidence/999/stray.png" in report.stdout and key not in report.stdout

    dry_run = _cli(settings, "--delete-orphans")
    assert "演练" in dry_run.stdout and await storage.exists("1/evidence/999/stray.png")

    applied = _cli(settings, "--delete-orphans", "--apply")
    assert applied.returncode == 0, applied.stderr
    assert "已删除" in applied.stdout and not await storage.exists("1/evidence/999/stray.png")
    assert await storage.exists(key)  # the reviewer's material: referenced, kept
