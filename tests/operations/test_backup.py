"""Issue 13 item 12: ``creditbank backup`` / ``restore`` round trip (data, files, the key:
logins by ID number still work), a corrupted archive refused, and a platform that refuses to
start when its secret key does not match the data."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from core.accounts.tables import Account
from core.app import create_app
from core.security.pii import PiiProtector
from core.settings import Settings
from tests.achievements.test_achievements import JPG, catalog_entry, guangdong_learner
from tests.conftest import database_kind, serve
from tests.operations.procs import Server, cli, empty_postgres_database, env_for

G = "/t/guangdong/api/v1"


def _env_of(settings) -> dict[str, str]:
    """The environment of a CLI process on the test's own database, storage and key."""
    return env_for(settings.home, settings.database_url, CREDITBANK_STORAGE_URL=settings.storage_url,
                   CREDITBANK_SECRET_KEY=settings.secret_key, CREDITBANK_TENANTS_DIR=str(settings.tenants_dir))


@pytest.fixture
def restore_target(tmp_path) -> Iterator[dict[str, str]]:
    """An empty place to restore into: a new home (SQLite file, evidence folder, no key yet) or,
    on PostgreSQL, an empty database; no CREDITBANK_SECRET_KEY, so the restored key is used."""
    home = tmp_path / "restored"
    if database_kind() == "postgres":
        with empty_postgres_database() as url:
            yield env_for(home, url)
    else:
        yield env_for(home)


async def _learner_with_evidence(client) -> tuple[str, bytes]:
    """A Guangdong learner with a stored CET certificate scan; their ID number and the scan."""
    me = await guangdong_learner(client)
    entry = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    added = (await client.post(f"{G}/me/achievements", headers=me, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": entry["id"],
        "fields": {"certificate_no": "1900483622", "issued_on": "2020-05-22"}})).json()
    uploaded = await client.post(f"{G}/me/achievements/{added['id']}/evidence", headers=me,
                                 files={"file": ("证书.jpg", JPG, "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    row = await Account.select(Account.id_number_enc).where(Account.id_number_enc.is_not_null()).first()
    return PiiProtector("test-secret-key").decrypt(row["id_number_enc"]), JPG


async def test_backup_wipe_restore_round_trip(client, settings, plugins, restore_target, tmp_path):
    id_number, scan = await _learner_with_evidence(client)
    archive = tmp_path / "creditbank.tar.gz"
    made = cli(_env_of(settings), "backup", "--to", str(archive))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "已备份到" in made.stdout and "文件 1 个" in made.stdout
    assert archive.stat().st_mode & 0o077 == 0  # it holds the key: owner only
    with tarfile.open(archive) as tar:
        assert tar.getnames()[0] == "manifest.json"
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["database"]["kind"] == database_kind() and manifest["created_at"] and manifest["platform_version"]
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())

    restored = cli(restore_target, "restore", str(archive))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "已从备份恢复" in restored.stdout and "文件 1 个" in restored.stdout
    again = cli(restore_target, "restore", str(archive))
    assert again.returncode != 0 and "恢复目标不是空的" in again.stderr and "--force" in again.stderr
    forced = cli(restore_target, "restore", str(archive), "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr

    # The restored platform: its key from var/secret_key, logins by ID number, the stored scan.
    target = Settings.from_env(restore_target)
    assert target.secret_key == settings.secret_key
    # Served as the tests' host (links and hosts come from the configured base URL).
    app = create_app(msgspec.structs.replace(target, base_url=settings.base_url), plugins, sync_tenants=False,
                     run_sender=False)
    async with serve(app) as restored_client:
        signed_in = await restored_client.post(f"{G}/auth/login", json={"username": id_number, "password": "gd2020pass"})
        assert signed_in.status_code == 200, signed_in.text
        me = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        [listed] = (await restored_client.get(f"{G}/me/achievements", headers=me)).json()["items"]
        achievement = (await restored_client.get(f"{G}/me/achievements/{listed['id']}", headers=me)).json()
        [evidence] = achievement["evidence"]
        download = await restored_client.get(f"{G}/me/achievements/{achievement['id']}/evidence/{evidence['id']}",
                                             headers=me)
        assert download.status_code == 200 and download.content == scan


def _tampered(archive: Path, target: Path, member: str, content: bytes) -> Path:
    """``archive`` with ``member`` replaced by ``content`` (the manifest left as it was)."""
    with tarfile.open(archive) as tar, tarfile.open(target, "w:gz") as out:
        for info in tar:
            data = tar.extractfile(info).read()
            if info.name == member:
                data, info.size = content, len(content)
            out.addfile(info, io.BytesIO(data))
    return target


async def test_a_corrupted_archive_is_refused_and_nothing_restored(client, settings, restore_target, tmp_path):
    await _learner_with_evidence(client)
    archive = tmp_path / "creditbank.tar.gz"
    assert cli(_env_of(settings), "backup", "--to", str(archive)).returncode == 0
    with tarfile.open(archive) as tar:
        stored = next(n for n in tar.getnames() if n.startswith("files/"))
        key_member = tar.extractfile("secret_key").read()
    home = Path(restore_target["CREDITBANK_HOME"])

    changed = _tampered(archive, tmp_path / "changed.tar.gz", stored, b"\xff\xd8\xff forged scan")
    refused = cli(restore_target, "restore", str(changed))
    assert refused.returncode != 0 and "校验和与清单不符" in refused.stderr, refused.stderr
    other_key = _tampered(archive, tmp_path / "key.tar.gz", "secret_key", key_member[:-1] + b"?")
    assert "校验和与清单不符" in cli(restore_target, "restore", str(other_key)).stderr

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    truncated = cli(restore_target, "restore", str(cut))
    assert truncated.returncode != 0 and "已损坏" in truncated.stderr
    not_gzip = tmp_path / "plain.tar.gz"
    not_gzip.write_bytes(gzip.compress(b"not a tar at all"))
    assert "已损坏" in cli(restore_target, "restore", str(not_gzip)).stderr
    assert "Traceback" not in refused.stderr + truncated.stderr

    assert not (home / "var" / "evidence").exists() and not (home / "var" / "creditbank.sqlite3").exists()
    restored = cli(restore_target, "restore", str(archive))  # the target was left empty
    assert restored.returncode == 0, restored.stderr


async def test_the_platform_refuses_to_start_with_a_key_that_does_not_match_the_data(client, settings, tmp_path):
    await _learner_with_evidence(client)
    env = _env_of(settings)
    wrong = {**env, "CREDITBANK_SECRET_KEY": "not-the-key-of-this-data"}
    # No fingerprint recorded yet (data from before it was kept): the stored ID numbers tell.
    before = cli(wrong, "tenants", "list")
    assert before.returncode != 0 and "密钥与数据不符" in before.stderr and "Traceback" not in before.stderr

    assert cli(env, "tenants", "list").returncode == 0  # the right key: starts, records the fingerprint
    refused = cli(wrong, "tenants", "list")
    assert refused.returncode != 0 and "密钥与数据不符" in refused.stderr and "指纹" in refused.stderr
    server = Server(wrong, tmp_path / "serve.log")
    try:
        assert server.process.wait(120) != 0
    finally:
        server.stop()
    assert "密钥与数据不符" in server.output() and "Traceback" not in server.output()
    assert cli(env, "tenants", "list").returncode == 0


async def test_files_in_s3_are_backed_up_and_restored(settings, seeded, s3_url, restore_target, tmp_path):
    from core.storage import storage_from_url

    # A bucket of this test's own: the session's moto server keeps other tests' objects.
    own_bucket = s3_url.replace("/evidence?", f"/backup-{tmp_path.name[-20:].lower().replace('_', '-')}?")
    source = storage_from_url(own_bucket)
    await source.put("1/evidence/7/scan.jpg", JPG, "image/jpeg")
    archive = tmp_path / "s3.tar.gz"
    made = cli({**_env_of(settings), "CREDITBANK_STORAGE_URL": own_bucket}, "backup", "--to", str(archive))
    assert made.returncode == 0 and "文件 1 个" in made.stdout, made.stdout + made.stderr
    other_bucket = s3_url.replace("/evidence?", "/restored?")
    restored = cli({**restore_target, "CREDITBANK_STORAGE_URL": other_bucket}, "restore", str(archive))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    target = storage_from_url(other_bucket)
    assert await target.keys() == ["1/evidence/7/scan.jpg"]
    assert b"".join([chunk async for chunk in target.read("1/evidence/7/scan.jpg")]) == JPG
