"""The organisation tree of a tenant: seeding, lookups, subtrees.

Every function takes the tenant's id and scopes its queries by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from core import db
from core.db import one
from core.errors import DomainError
from core.hierarchy.schemas import OrgUnitDetail, OrgUnitOut, OrgUnitPage
from core.hierarchy.tables import OrgUnit
from core.paging import page_of
from core.province import OrgLevel

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")


class HierarchyError(DomainError):
    """A unit that cannot exist as given (bad code, unknown level, missing parent...)."""


_SELECT = """
SELECT u.id, u.code, u.level, u.name, p.code AS parent_code, u.host_institution, u.address,
       u.phone, u.path,
       (SELECT COUNT(*) FROM org_unit c WHERE c.tenant_id = u.tenant_id AND c.parent_id = u.id) AS children_count
FROM org_unit u LEFT JOIN org_unit p ON p.tenant_id = u.tenant_id AND p.id = u.parent_id
WHERE u.tenant_id = {}
"""


def _out(row: dict, levels: dict[str, OrgLevel]) -> OrgUnitOut:
    level = levels.get(row["level"])
    return OrgUnitOut(
        code=row["code"],
        level=row["level"],
        level_label=level.label if level else row["level"],
        name=row["name"],
        parent_code=row["parent_code"],
        host_institution=row["host_institution"] or "",
        address=row["address"] or "",
        phone=row["phone"] or "",
        children_count=int(row["children_count"]),
    )


async def list_units(
    tenant_id: int,
    levels: Sequence[OrgLevel],
    *,
    parent_code: str | None = None,
    q: str | None = None,
    level: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> OrgUnitPage | None:
    """Units ordered by code, a page at a time (keyset on code).

    Without ``parent_code`` or ``q`` the roots; with ``parent_code`` that unit's children
    (None if it does not exist); with ``q`` every unit whose name or host institution
    contains it, anywhere in the tree.
    """
    sql = _SELECT
    args: list = [tenant_id]
    if parent_code is not None:
        parent = await _unit_row(tenant_id, parent_code)
        if parent is None:
            return None
        sql += " AND u.parent_id = {}"
        args.append(parent["id"])
    elif q:
        sql += f" AND (u.name LIKE {{}} {db.ESCAPE_CLAUSE} OR u.host_institution LIKE {{}} {db.ESCAPE_CLAUSE})"
        pattern = "%" + db.like_escaped(q) + "%"
        args += [pattern, pattern]
    else:
        sql += " AND u.parent_id IS NULL"
    if level:
        sql += " AND u.level = {}"
        args.append(level)
    if cursor:
        sql += " AND u.code > {}"
        args.append(cursor)
    sql += f" ORDER BY u.code LIMIT {int(limit) + 1}"
    rows = await OrgUnit.raw(sql, *args)
    by_code = {lvl.code: lvl for lvl in levels}
    return page_of(rows, limit, [_out(row, by_code) for row in rows[:limit]], key="code")


async def whole_tree(tenant_id: int, levels: Sequence[OrgLevel]) -> list[tuple[int, OrgUnitOut]]:
    """Every unit of the tenant in tree order (each after its parent), with its depth (roots 0)."""
    rows = await OrgUnit.raw(_SELECT + " ORDER BY u.path", tenant_id)
    by_code = {lvl.code: lvl for lvl in levels}
    return [(row["path"].count("/") - 2, _out(row, by_code)) for row in rows]  # "/ZJ/ZJ-B01/" is depth 1


async def _unit_row(tenant_id: int, code: str) -> dict | None:
    rows = await OrgUnit.raw(_SELECT + " AND u.code = {}", tenant_id, code)
    return rows[0] if rows else None


async def get_unit(tenant_id: int, code: str, levels: Sequence[OrgLevel]) -> OrgUnitDetail | None:
    row = await _unit_row(tenant_id, code)
    if row is None:
        return None
    by_code = {lvl.code: lvl for lvl in levels}
    ancestor_codes = [c for c in row["path"].strip("/").split("/")[:-1]]
    ancestors: list[OrgUnitOut] = []
    if ancestor_codes:
        placeholders = ", ".join("{}" for _ in ancestor_codes)
        rows = await OrgUnit.raw(_SELECT + f" AND u.code IN ({placeholders})", tenant_id, *ancestor_codes)
        found = {r["code"]: _out(r, by_code) for r in rows}
        ancestors = [found[c] for c in ancestor_codes if c in found]
    unit = _out(row, by_code)
    return OrgUnitDetail(**{f: getattr(unit, f) for f in unit.__struct_fields__}, ancestors=ancestors)


async def units_at_level(tenant_id: int, level: str, levels: Sequence[OrgLevel], limit: int = 500) -> list[OrgUnitOut]:
    """Every unit of one level, anywhere in the tree, ordered by code (e.g. the provincial
    centres a registering learner chooses their region from)."""
    rows = await OrgUnit.raw(_SELECT + f" AND u.level = {{}} ORDER BY u.code LIMIT {int(limit)}", tenant_id, level)
    by_code = {lvl.code: lvl for lvl in levels}
    return [_out(row, by_code) for row in rows]


async def seed_units(tenant_id: int, rows: Sequence[dict[str, str]], levels: Sequence[OrgLevel]) -> int:
    """Add the units of ``rows`` that the tenant lacks and update the ones it has.

    Rows need ``code, level, name, parent_code`` (``host_institution`` optional), parents
    before children. Everything is checked before anything is written; the caller runs this
    in a transaction. Returns the number of units added. Units missing from ``rows`` are kept:
    staff may have added them.
    """
    by_level = {lvl.code: lvl for lvl in levels}
    existing = {
        r["code"]: r
        for r in await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.level, OrgUnit.path).where(
            OrgUnit.tenant_id == tenant_id
        )
    }
    planned: dict[str, tuple[str, str]] = {c: (r["level"], r["path"]) for c, r in existing.items()}
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        code, level, parent_code = row.get("code", ""), row.get("level", ""), row.get("parent_code", "")
        where = f"第 {number} 行（{code or '无编码'}）"
        if not CODE_RE.match(code):
            raise HierarchyError(f"{where}：单位编码只能由字母、数字、“-”或“.”组成")
        if code in seen:
            raise HierarchyError(f"{where}：单位编码重复")
        seen.add(code)
        if not row.get("name"):
            raise HierarchyError(f"{where}：缺少单位名称")
        if level not in by_level:
            raise HierarchyError(f"{where}：层级 {level!r} 不在本省的层级中（{'、'.join(by_level)}）")
        if parent_code:
            if parent_code not in planned:
                raise HierarchyError(f"{where}：上级单位 {parent_code} 不存在（上级须列在下级之前）")
            parent_level, parent_path = planned[parent_code]
            if by_level[parent_level].rank >= by_level[level].rank:
                raise HierarchyError(f"{where}：层级 {level} 不能隶属于同级或更低层级 {parent_level}")
            path = f"{parent_path}{code}/"
        else:
            path = f"/{code}/"
        if code in existing and existing[code]["path"] != path:
            raise HierarchyError(f"{where}：不能通过种子文件移动已有单位（原位置 {existing[code]['path']}）")
        planned[code] = (level, path)

    now = datetime.now(UTC)
    ids = {c: r["id"] for c, r in existing.items()}
    new_rows = [row for row in rows if row["code"] not in ids]
    for row in rows:
        if row["code"] in ids:
            await OrgUnit.update({
                OrgUnit.level: row["level"], OrgUnit.name: row["name"],
                OrgUnit.host_institution: row.get("host_institution", ""),
            }).where(OrgUnit.id == ids[row["code"]])
    # New units go in one insert per depth, parents first, so children can point at them.
    for depth in sorted({planned[row["code"]][1].count("/") - 2 for row in new_rows}):
        level_rows = [row for row in new_rows if planned[row["code"]][1].count("/") - 2 == depth]
        await OrgUnit.insert(*[
            OrgUnit(
                tenant_id=tenant_id, code=row["code"], level=row["level"], name=row["name"],
                host_institution=row.get("host_institution", ""),
                parent_id=ids[row["parent_code"]] if row.get("parent_code") else None,
                path=planned[row["code"]][1], depth=depth, created_at=now,
            )
            for row in level_rows
        ])
        codes = [row["code"] for row in level_rows]
        for found in await OrgUnit.select(OrgUnit.id, OrgUnit.code).where(
            OrgUnit.tenant_id == tenant_id, OrgUnit.code.is_in(codes)
        ):
            ids[found["code"]] = found["id"]
    added = len(new_rows)
    return added


async def unit_count(tenant_id: int) -> int:
    return await OrgUnit.count().where(OrgUnit.tenant_id == tenant_id)


async def create_unit(tenant_id: int, levels: Sequence[OrgLevel], *, code: str, level: str, name: str,
                      parent_code: str, host_institution: str = "", address: str = "", phone: str = "") -> OrgUnitDetail:
    """A new unit under ``parent_code`` (the caller has checked the actor administers the
    parent). The same checks as seeding: code, level, rank below the parent."""
    parent = await _unit_row(tenant_id, parent_code)
    if parent is None:
        raise HierarchyError(f"上级单位 {parent_code} 不存在", 404)
    if await OrgUnit.exists().where(OrgUnit.tenant_id == tenant_id, OrgUnit.code == code):
        raise HierarchyError(f"单位编码 {code} 已存在", 409)
    rows = [{"code": parent_code, "level": parent["level"], "name": parent["name"], "parent_code": parent["parent_code"] or "",
             "host_institution": parent["host_institution"] or ""},
            {"code": code, "level": level, "name": name, "parent_code": parent_code, "host_institution": host_institution}]
    # seed_units checks the new row against the tree (the parent row is already there, unchanged).
    await seed_units(tenant_id, rows, levels)
    if address or phone:
        await OrgUnit.update({OrgUnit.address: address, OrgUnit.phone: phone}).where(
            OrgUnit.tenant_id == tenant_id, OrgUnit.code == code)
    return one(await get_unit(tenant_id, code, levels))


async def unit_in_scope(tenant_id: int, code: str, levels: Sequence[OrgLevel], covers: Callable[[str], bool]) -> OrgUnitDetail:
    """The unit ``code`` if ``covers(path)`` says it is within a staff member's scope; 404 as
    if it did not exist otherwise."""
    row = await _unit_row(tenant_id, code)
    if row is None or not covers(row["path"]):
        raise HierarchyError(f"未找到单位 {code}", 404)
    return one(await get_unit(tenant_id, code, levels))


async def create_unit_below(tenant_id: int, levels: Sequence[OrgLevel], covers: Callable[[str], bool], *,
                            code: str, level: str, name: str, parent_code: str, host_institution: str = "",
                            address: str = "", phone: str = "") -> OrgUnitDetail:
    """``create_unit`` by a staff member: the parent must be within ``covers`` (404 otherwise),
    and a code already taken or a level that cannot sit below the parent is refused naming
    the field. Runs in its own transaction."""
    parent = await _unit_row(tenant_id, parent_code)
    if parent is None or not covers(parent["path"]):
        raise HierarchyError(f"未找到单位 {parent_code}", 404)
    by_code = {lvl.code: lvl for lvl in levels}
    if level not in by_code or by_code[level].rank <= by_code[parent["level"]].rank:
        below = "、".join(lvl.label for lvl in levels if lvl.rank > by_code[parent["level"]].rank) or "无"
        raise HierarchyError(f"{parent['name']}之下只能设立：{below}", 400, extra={"field": "level"})
    if await OrgUnit.exists().where(OrgUnit.tenant_id == tenant_id, OrgUnit.code == code):
        raise HierarchyError(f"单位编码 {code} 已存在", 409, extra={"field": "code"})
    async with OrgUnit._meta.db.transaction():
        return await create_unit(tenant_id, levels, code=code, level=level, name=name, parent_code=parent_code,
                                 host_institution=host_institution, address=address, phone=phone)
