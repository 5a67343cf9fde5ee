"""Tenants: the four hosted credit banks, resolution by path and host, suspension, broken
tenants that do not take the others down."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.app import create_app
from core.plugins import PluginRegistry
from core.tenancy.files import read_tenant_file
from tests.conftest import TENANTS_DIR, make_settings, serve

FOUR = ("guangdong", "zhejiang", "national_ouc", "gansu")


@pytest.mark.parametrize("slug", FOUR)
async def test_meta_answers_with_the_tenants_own_taxonomy(client, plugins, slug):
    response = await client.get(f"/t/{slug}/api/v1/meta")
    assert response.status_code == 200
    meta = response.json()
    spec = read_tenant_file(TENANTS_DIR / f"{slug}.toml")
    assert (meta["slug"], meta["name"], meta["plugin"]) == (slug, spec.name, spec.plugin)
    for key in ("branding", "taxonomy", "registration", "password_policy", "org_levels", "framework_levels"):
        assert key in meta
    hooks = plugins.hooks(spec.plugin)
    assert [c["code"] for c in meta["taxonomy"]["categories"]] == [c.code for c in hooks.taxonomy.categories]
    field = meta["taxonomy"]["categories"][0]["subtypes"][0]["fields"][0]
    assert {"name", "label", "required", "from_catalog"} <= field.keys()
    assert "evidence" in meta["taxonomy"]["categories"][0]["subtypes"][0]
    assert [lvl["code"] for lvl in meta["org_levels"]] == [lvl.code for lvl in hooks.org_levels]


async def test_each_tenant_has_a_different_taxonomy(client):
    taxonomies = {}
    for slug in FOUR:
        taxonomies[slug] = (await client.get(f"/t/{slug}/api/v1/meta")).json()["taxonomy"]
    assert taxonomies["guangdong"] != taxonomies["national_ouc"] != taxonomies["zhejiang"]


async def test_guangdong_taxonomy_is_table_one_of_the_manual(client):
    meta = (await client.get("/t/guangdong/api/v1/meta")).json()
    labels = {c["label"]: [s["label"] for s in c["subtypes"]] for c in meta["taxonomy"]["categories"]}
    assert labels["学历教育"] == ["毕业证书", "学位证书", "课程"]
    assert "职业资格证书" in labels and "技师教育" in labels
    others = labels["其他类_培训业绩等"]
    assert others[0] == "培训类"
    assert {s for s in others if s.startswith("业绩类")} == {
        "业绩类-竞赛奖励", "业绩类-科学研究", "业绩类-创新创业", "业绩类-社会服务",
        "业绩类-文化传承", "业绩类-工作经历", "业绩类-职称证书",
    }


async def test_gansu_builds_on_the_national_ouc_taxonomy(client):
    national = (await client.get("/t/national_ouc/api/v1/meta")).json()
    gansu = (await client.get("/t/gansu/api/v1/meta")).json()
    assert gansu["taxonomy"] == national["taxonomy"]
    assert gansu["org_levels"] != national["org_levels"]


async def test_zhejiang_has_social_training_as_its_own_type(client):
    meta = (await client.get("/t/zhejiang/api/v1/meta")).json()
    labels = [c["label"] for c in meta["taxonomy"]["categories"]]
    assert any("社会培训成果" in label for label in labels)


async def test_unknown_tenant_is_404(client):
    response = await client.get("/t/atlantis/api/v1/meta")
    assert response.status_code == 404
    assert "atlantis" in response.json()["detail"]


async def test_tenant_reached_by_its_host_name_without_prefix(client):
    response = await client.get("/api/v1/meta", headers={"Host": "guangdong.localhost"})
    assert response.status_code == 200
    assert response.json()["slug"] == "guangdong"
    units = await client.get("/api/v1/org/units", headers={"Host": "zhejiang.localhost"})
    assert units.json()["items"][0]["code"] == "ZJ"


async def test_platform_paths_are_not_rewritten_on_a_tenant_host(client):
    response = await client.get("/healthz", headers={"Host": "guangdong.localhost"})
    assert response.json() == {"status": "ok"}


async def test_healthz_and_openapi(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/t/{tenant_slug}/api/v1/meta" in schema["paths"]
    assert "/api/v1/platform/tenants" in schema["paths"]


def _copy_tenants(tmp_path: Path) -> Path:
    folder = tmp_path / "tenants"
    shutil.copytree(TENANTS_DIR, folder)
    return folder


async def test_a_tenant_file_naming_an_unknown_plugin_is_refused_and_the_others_served(tmp_path, home, caplog):
    folder = _copy_tenants(tmp_path)
    (folder / "atlantis.toml").write_text('slug = "atlantis"\nname = "亚特兰蒂斯"\nplugin = "atlantis"\n', encoding="utf-8")
    (folder / "broken.toml").write_text('slug = "broken"\nname = \n', encoding="utf-8")
    app = create_app(make_settings(home, folder), PluginRegistry.discover())
    async with serve(app) as client:
        assert (await client.get("/t/atlantis/api/v1/meta")).status_code == 404
        assert (await client.get("/t/guangdong/api/v1/meta")).status_code == 200
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "atlantis.toml" in messages and "atlantis" in messages and "未安装" in messages
    assert "broken.toml" in messages and "TOML" in messages


class RaisingPlugin:
    """A province whose taxonomy hook raises."""

    from core.hookspecs import hookimpl

    @hookimpl
    def province_info(self):
        from core.province import ProvinceInfo

        return ProvinceInfo(name="raising", title="出错的省份", version="0.0.1")

    @hookimpl
    def achievement_taxonomy(self):
        raise RuntimeError("taxonomy table missing")


async def test_a_tenant_whose_plugin_raises_answers_503_and_the_others_are_served(settings, plugins):
    from core.tenancy.tables import Tenant

    plugins.add("raising", RaisingPlugin())
    app = create_app(settings, plugins)
    async with serve(app) as client:
        await Tenant.insert(Tenant(slug="raising", name="出错的银行", plugin="raising", hosts="[]", branding="{}", contact="null"))
        await app.state.tenants.reload()  # as another worker would within its TTL
        response = await client.get("/t/raising/api/v1/meta")
        assert response.status_code == 503
        assert "raising" in response.json()["detail"] and "achievement_taxonomy" in response.json()["detail"]
        assert (await client.get("/t/zhejiang/api/v1/meta")).status_code == 200
