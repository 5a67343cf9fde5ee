"""The command line: migrate, tenants sync/list, platform-admin create."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from core.cli import main
from tests.conftest import TENANTS_DIR, database_env


def _env(home, tenants_dir=TENANTS_DIR) -> dict[str, str]:
    env = {"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(tenants_dir), "CREDITBANK_SECRET_KEY": "k"}
    env.update(database_env())
    return env


def test_migrate_sync_list(home):
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env=_env(home)).exit_code == 0
    synced = runner.invoke(main, ["tenants", "sync"], env=_env(home))
    assert synced.exit_code == 0, synced.output
    assert "zhejiang：已同步，新增单位 104 个" in synced.output
    again = runner.invoke(main, ["tenants", "sync"], env=_env(home))
    assert "zhejiang：已同步，新增单位 0 个" in again.output  # re-running creates nothing twice
    listed = runner.invoke(main, ["tenants", "list"], env=_env(home))
    assert listed.exit_code == 0
    line = next(line for line in listed.output.splitlines() if line.startswith("zhejiang"))
    assert "active" in line and "单位  104" in line


def test_sync_reports_a_broken_file_by_name_and_lands_the_others(home, tmp_path):
    folder = tmp_path / "tenants"
    shutil.copytree(TENANTS_DIR, folder)
    (folder / "atlantis.toml").write_text('slug = "atlantis"\nname = "亚特兰蒂斯"\nplugin = "atlantis"\n', encoding="utf-8")
    (folder / "misnamed.toml").write_text('slug = "other"\nname = "错名"\nplugin = "guangdong"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["tenants", "sync"], env=_env(home, folder))
    assert result.exit_code == 1
    assert "atlantis.toml" in result.output and "插件 atlantis：未安装" in result.output
    assert "misnamed.toml" in result.output and "与文件名" in result.output
    assert "guangdong：已同步" in result.output


def test_platform_admin_create_refuses_a_short_password_and_a_duplicate(home):
    runner = CliRunner()
    short = runner.invoke(main, ["platform-admin", "create", "--username", "root", "--password", "short"], env=_env(home))
    assert short.exit_code != 0 and "至少 12 位" in short.output
    ok = runner.invoke(main, ["platform-admin", "create", "--username", "root", "--password", "a-long-password-2026"], env=_env(home))
    assert ok.exit_code == 0, ok.output
    dup = runner.invoke(main, ["platform-admin", "create", "--username", "root", "--password", "a-long-password-2026"], env=_env(home))
    assert dup.exit_code != 0 and "已存在" in dup.output


def test_an_unsupported_database_url_is_a_clear_error(home):
    env = {**_env(home), "CREDITBANK_DATABASE_URL": "mysql://root@localhost/test"}
    result = CliRunner().invoke(main, ["migrate"], env=env)
    assert result.exit_code != 0 and "CREDITBANK_DATABASE_URL 不受支持" in result.output


def test_staff_create_bootstraps_an_admin_who_can_log_in(home):
    runner = CliRunner()
    runner.invoke(main, ["tenants", "sync"], env=_env(home))
    args = ["staff", "create", "--tenant", "guangdong", "--unit", "GD", "--role", "tenant_admin", "--username", "gdadmin", "--password", "Gd-admin-2026"]
    created = runner.invoke(main, args, env=_env(home))
    assert created.exit_code == 0, created.output
    assert "gdadmin" in created.output
    again = runner.invoke(main, args, env=_env(home))
    assert again.exit_code != 0 and "已存在" in again.output
    unknown = runner.invoke(main, [*args[:3], "atlantis", *args[4:]], env=_env(home))
    assert unknown.exit_code != 0 and "atlantis" in unknown.output
    bad_unit = runner.invoke(main, ["staff", "create", "--tenant", "guangdong", "--unit", "XX", "--role", "unit_admin", "--username", "u2", "--password", "Gd-admin-2026"], env=_env(home))
    assert bad_unit.exit_code != 0 and "XX" in bad_unit.output


def test_storage_check_reports_and_removes_orphans(home, tmp_path):
    env = {**_env(home), "CREDITBANK_STORAGE_URL": f"file://{tmp_path}/evidence"}
    runner = CliRunner()
    clean = runner.invoke(main, ["storage", "check"], env=env)
    assert clean.exit_code == 0 and "一一对应" in clean.output
    stray = tmp_path / "evidence" / "1" / "evidence" / "5" / "stray.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"\x89PNG\r\n\x1a\n")
    found = runner.invoke(main, ["storage", "check"], env=env)
    assert "无记录的文件：1/evidence/5/stray.png" in found.output
    dry_run = runner.invoke(main, ["storage", "check", "--delete-orphans"], env=env)
    assert "将删除" in dry_run.output and "演练" in dry_run.output and stray.exists()
    removed = runner.invoke(main, ["storage", "check", "--delete-orphans", "--apply"], env=env)
    assert "已删除" in removed.output and not stray.exists()


def test_import_rules_from_the_command_line(home, tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["tenants", "sync"], env=_env(home))
    rules = tmp_path / "rules.csv"
    rules.write_text("name,sources,target,credits\n命令行规则,密码学,公司概况,3\n坏规则,没有这门课,公司概况,3\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "rules", "--tenant", "guangdong", str(rules)], env=_env(home))
    assert result.exit_code == 1
    assert "第 3 行" in result.output and "新增 1" in result.output and "失败 1" in result.output


def test_every_command_is_quiet_and_the_tenant_list_has_a_header(home):
    """Issue 16 item 4: no ``INFO piccolo…`` line on every command; ``tenants list`` says what
    its columns are."""
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env=_env(home)).exit_code == 0
    runner.invoke(main, ["tenants", "sync"], env=_env(home))
    listed = runner.invoke(main, ["tenants", "list"], env=_env(home))
    assert listed.exit_code == 0
    assert "piccolo" not in listed.output and "INFO" not in listed.output, listed.output
    header = listed.output.splitlines()[0]
    assert header.split()[:3] == ["租户", "插件", "状态"], header


def test_units_list_prints_the_tree_where_unit_codes_come_from(home):
    runner = CliRunner()
    assert runner.invoke(main, ["tenants", "sync"], env=_env(home)).exit_code == 0
    listed = runner.invoke(main, ["units", "list", "--tenant", "zhejiang"], env=_env(home))
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[1].startswith("ZJ ") and "浙江省终身教育学分银行（省中心）" in lines[1]
    branch = next(i for i, line in enumerate(lines) if line.startswith("  ZJ-B01 "))
    assert lines[branch + 1].startswith("    ZJ-S")  # a sub-centre, indented under its branch
    assert lines[-1] == "共 104 个单位"
    missing = runner.invoke(main, ["units", "list", "--tenant", "atlantis"], env=_env(home))
    assert missing.exit_code == 1 and "错误：租户 atlantis 不存在" in missing.output


def test_the_command_line_speaks_chinese_when_it_is_used_wrongly(home):
    runner = CliRunner()
    unknown = runner.invoke(main, ["nosuch"], env=_env(home))
    assert unknown.exit_code == 2 and "错误：没有命令 'nosuch'" in unknown.output and "用法：" in unknown.output
    missing = runner.invoke(main, ["units", "list"], env=_env(home))
    assert "错误：缺少选项 '--tenant'" in missing.output
    wrong = runner.invoke(main, ["staff", "create", "--tenant", "x", "--unit", "y", "--role", "boss", "--username", "u",
                                 "--password", "p"], env=_env(home))
    assert "'--role' 的取值无效" in wrong.output and "Error" not in wrong.output
