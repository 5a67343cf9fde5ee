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


def test_replica_settings_are_checked(tmp_path):
    import pytest

    from core.settings import SettingsError

    base = {"CREDITBANK_HOME": str(tmp_path), "CREDITBANK_SECRET_KEY": "k",
            "CREDITBANK_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db"}
    settings = Settings.from_env({**base, "CREDITBANK_DATABASE_REPLICA_URL": "postgresql://u@127.0.0.1:5433/db",
                                  "CREDITBANK_DATABASE_REPLICA_MAX_LAG": "2.5"})
    assert settings.database_replica_url.endswith(":5433/db") and settings.database_replica_max_lag == 2.5
    assert Settings.from_env(base).database_replica_url is None and Settings.from_env(base).database_pooler == "none"
    with pytest.raises(SettingsError, match="CREDITBANK_DATABASE_REPLICA_URL"):
        Settings.from_env({**base, "CREDITBANK_DATABASE_REPLICA_URL": "sqlite:///x.sqlite3"})
    for bad in ("soon", "-1", "nan"):
        with pytest.raises(SettingsError, match="非负数"):
            Settings.from_env({**base, "CREDITBANK_DATABASE_REPLICA_MAX_LAG": bad})
