"""The organisation tree as seeded from tenants/ and served as a public directory."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.hierarchy.tables import OrgUnit
from tests.conftest import TENANTS_DIR

# The repository's seed; it was taken from the source documents' data, which sit beside the
# checkout in development (../shared/data) but not in every clone.
ZHEJIANG_CSV = TENANTS_DIR / "zhejiang" / "org_units.csv"
SHARED_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "zhejiang_org_units.csv"


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


async def _all_units(client, slug: str) -> list[dict]:
    """Walk the directory from the roots down, the way a portal would."""
    found, queue = [], [None]
    while queue:
        parent = queue.pop()
        cursor = None
        while True:
            params = {"limit": 200, **({"parent": parent} if parent else {}), **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"/t/{slug}/api/v1/org/units", params=params)).json()
            found += page["items"]
            queue += [u["code"] for u in page["items"] if u["children_count"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
    return found


async def test_zhejiang_tree_is_the_seed_csv_exactly(client):
    units = await _all_units(client, "zhejiang")
    assert len(units) == 104
    expected = {r["code"]: r for r in _csv_rows(ZHEJIANG_CSV)}
    assert {u["code"]: (u["level"], u["name"], u["parent_code"] or "", u["host_institution"]) for u in units} == {
        code: (r["level"], r["name"], r["parent_code"], r["host_institution"]) for code, r in expected.items()
    }
    levels = [u["level"] for u in units]
    assert (levels.count("center"), levels.count("branch"), levels.count("subcenter")) == (1, 11, 92)
    direct = [u for u in units if u["level"] == "subcenter" and u["parent_code"] == "ZJ"]
    assert len(direct) == 3


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="../shared/data is not beside this checkout")
async def test_the_repository_seed_is_the_shared_csv(client):
    assert _csv_rows(ZHEJIANG_CSV) == _csv_rows(SHARED_CSV)


async def test_roots_children_and_paging(client):
    roots = (await client.get("/t/zhejiang/api/v1/org/units")).json()
    assert [u["code"] for u in roots["items"]] == ["ZJ"]
    assert roots["items"][0]["children_count"] == 14  # 11 branches + 3 sub-centres
    first = (await client.get("/t/zhejiang/api/v1/org/units", params={"parent": "ZJ", "limit": 5})).json()
    assert len(first["items"]) == 5 and first["next_cursor"] == first["items"][-1]["code"]
    second = (await client.get("/t/zhejiang/api/v1/org/units", params={"parent": "ZJ", "limit": 5, "cursor": first["next_cursor"]})).json()
    assert not {u["code"] for u in first["items"]} & {u["code"] for u in second["items"]}
    assert all(a["code"] < b["code"] for a, b in zip(first["items"] + second["items"], (first["items"] + second["items"])[1:]))


async def test_one_unit_with_its_ancestors(client):
    unit = (await client.get("/t/zhejiang/api/v1/org/units/ZJ-S01")).json()
    assert unit["name"] == "浙江学分银行杭州市上城区分中心"
    assert unit["level_label"] and unit["parent_code"] == "ZJ-B01"
    assert [a["code"] for a in unit["ancestors"]] == ["ZJ", "ZJ-B01"]


async def test_search_finds_the_nearest_service_point_by_name(client):
    page = (await client.get("/t/zhejiang/api/v1/org/units", params={"q": "义乌"})).json()
    assert [u["name"] for u in page["items"]] == ["浙江学分银行金华市义乌分中心"]
    by_host = (await client.get("/t/zhejiang/api/v1/org/units", params={"q": "巨化"})).json()
    assert by_host["items"][0]["host_institution"] == "浙江电大巨化分校"


async def test_units_of_one_tenant_are_invisible_to_another(client):
    assert (await client.get("/t/zhejiang/api/v1/org/units/ZJ-S01")).status_code == 200
    assert (await client.get("/t/guangdong/api/v1/org/units/ZJ-S01")).status_code == 404
    assert (await client.get("/t/guangdong/api/v1/org/units", params={"parent": "ZJ"})).status_code == 404
    names = [u["name"] for u in (await client.get("/t/guangdong/api/v1/org/units", params={"q": "浙江"})).json()["items"]]
    assert names == []


async def test_materialized_paths_put_each_unit_under_its_parent(client):
    rows = {r["code"]: r for r in await OrgUnit.select(OrgUnit.code, OrgUnit.path, OrgUnit.depth)}
    assert rows["ZJ-S01"]["path"] == "/ZJ/ZJ-B01/ZJ-S01/" and rows["ZJ-S01"]["depth"] == 2
    subtree = await OrgUnit.count().where(OrgUnit.path.like("/ZJ/ZJ-B01/%"))
    assert subtree == 1 + sum(1 for r in _csv_rows(ZHEJIANG_CSV) if r["parent_code"] == "ZJ-B01")


async def test_every_seeded_tenant_has_a_tree(client):
    for slug in ("guangdong", "national_ouc", "gansu"):
        units = await _all_units(client, slug)
        assert len(units) > 1, slug
        codes = {u["code"] for u in units}
        assert all(u["parent_code"] in codes for u in units if u["parent_code"])
