from core.settings import Settings


def test_embedded_default_lives_under_var_with_a_generated_secret(tmp_path):
    settings = Settings.from_env({"CREDITBANK_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/var/creditbank.sqlite3"
    assert settings.storage_url == f"file://{tmp_path}/var/evidence"
    assert settings.tenants_dir == tmp_path / "tenants"
    key_file = tmp_path / "var" / "secret_key"
    assert len(settings.secret_key) > 40 and key_file.read_text().strip() == settings.secret_key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert Settings.from_env({"CREDITBANK_HOME": str(tmp_path)}).secret_key == settings.secret_key


def test_environment_overrides(tmp_path):
    settings = Settings.from_env({
        "CREDITBANK_HOME": str(tmp_path),
        "CREDITBANK_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db",
        "CREDITBANK_STORAGE_URL": "s3://a:b@127.0.0.1:9000/evidence?secure=0",
        "CREDITBANK_SECRET_KEY": "given",
        "CREDITBANK_REDIS_URL": "redis://127.0.0.1:6379/0",
    })
    assert settings.database_kind == "postgres" and settings.secret_key == "given"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert not (tmp_path / "var" / "secret_key").exists()
