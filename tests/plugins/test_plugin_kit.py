"""The kit for adding a province: scaffold a fifth province, install it, sync its tenant and
walk a learner through registration and one recognised outcome — without touching core."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from core.app import create_app
from core.cli import main
from core.plugins import PluginRegistry
from tests.accounts.helpers import bearer, last_code, login, make_id, staff_headers
from tests.conftest import make_settings, serve


def test_scaffold_refuses_a_bad_or_taken_name_and_writes_nothing(tmp_path):
    runner = CliRunner()
    for name, message in (("guangdong", "已安装"), ("Hai-Nan", "无效"), ("class", "无效")):
        result = runner.invoke(main, ["plugin", "new", name, "--dir", str(tmp_path)])
        assert result.exit_code != 0 and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_plugin_check_says_what_is_wrong(tmp_path):
    assert "符合全部钩子约定" in CliRunner().invoke(main, ["plugin", "check", "zhejiang"]).output
    missing = CliRunner().invoke(main, ["plugin", "check", "atlantis"])
    assert missing.exit_code != 0 and "未安装" in missing.output


@pytest.fixture
def hainan(tmp_path, monkeypatch):
    """The scaffolded province, installed for this test into a folder of its own on sys.path
    (not into the shared environment, so a suite running beside this one never sees it)."""
    result = CliRunner().invoke(main, ["plugin", "new", "hainan", "--title", "海南终身教育学分银行", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root, site = tmp_path / "creditbank-hainan", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "--target", str(site), str(root)],
                   check=True, capture_output=True)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    try:
        yield root
    finally:
        sys.modules.pop("creditbank_hainan", None)


async def test_a_fifth_province_from_the_kit_serves_a_learner(hainan, home, tmp_path):
    check = CliRunner().invoke(main, ["plugin", "check", "hainan"])
    assert check.exit_code == 0 and "符合" in check.output
    tenants = tmp_path / "tenants"
    shutil.copytree(hainan / "tenants", tenants)
    app = create_app(make_settings(home, tenants), PluginRegistry.discover(), migrate=False, run_sender=False)
    async with serve(app) as client:
        T = "/t/hainan/api/v1"
        assert (await client.get(f"{T}/meta")).json()["name"] == "海南终身教育学分银行"
        admin = await staff_headers(client, "hainan", "HAINAN", "tenant_admin")
        point = await staff_headers(client, "hainan", "HAINAN-SP01", "unit_admin")
        await client.post(f"{T}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13900000001"})
        code = await last_code(client, "hainan", admin, "13900000001")
        registered = await client.post(f"{T}/auth/register", json={
            "agree_terms": True, "username": "hainan01", "real_name": "符学员", "id_number": make_id("460100", "19900101"),
            "phone": "13900000001", "password": "Hainan-2026", "password_confirm": "Hainan-2026",
            "unit_code": "HAINAN-SP01", "code": code})
        assert registered.status_code == 201, registered.text
        learner = bearer(await login(client, "hainan", "hainan01", "Hainan-2026"))
        achievement = (await client.post(f"{T}/me/achievements", headers=learner, json={
            "category": "performance", "subtype": "work_experience", "fields": {"achievement_name": "社区服务 5 年"}})).json()
        application = (await client.post(f"{T}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": achievement["id"]})).json()
        decided = await client.post(f"{T}/reviews/{application['id']}/decision", headers=point, json={
            "step": "recognition", "decision": "approve", "opinion": "服务点：海南终身教育学分银行第一服务点 审核人：王五 意见：同意"})
        assert decided.status_code == 200, decided.text
        assert (await client.get(f"{T}/me/summary", headers=learner)).json()["recognized"] == 1
