"""The catalog (名录): entries learners pick, searched by project, name and institution.

Every function is scoped to one tenant; the tenant's taxonomy (its plugin) says which
category and sub-type an entry may have and which catalog fields it carries.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from core import db
from core.catalog import fts
from core.catalog.fields import check_value, field_error
from core.catalog.schemas import CatalogEntryIn, CatalogEntryOut, CatalogPage
from core.catalog.tables import CatalogEntry
from core.clock import utcnow
from core.db import one
from core.paging import page_of
from core.plugins import ProvinceHooks
from core.province import Field


def catalog_fields(hooks: ProvinceHooks, category: str, subtype: str) -> list[Field]:
    """The sub-type's catalog fields; a ``FieldError`` if the sub-type does not exist or has
    no catalog (hand-typed outcomes such as 业绩类)."""
    sub = hooks.taxonomy.subtype(category, subtype)
    if sub is None:
        raise field_error("subtype", f"成果分类 {category}/{subtype} 不存在")
    fields = [f for f in sub.fields if f.from_catalog]
    if not fields:
        raise field_error("subtype", f"“{sub.label}”类成果没有名录，请直接填写")
    return fields


def normalize_entry(hooks: ProvinceHooks, data: CatalogEntryIn) -> CatalogEntryIn:
    """Check an entry against the taxonomy: every catalog field of its sub-type, typed right,
    and nothing else."""
    fields = catalog_fields(hooks, data.category, data.subtype)
    known = {f.name for f in fields}
    unknown = sorted(set(data.fields) - known)
    if unknown:
        raise field_error(unknown[0], f"字段 {'、'.join(unknown)} 不属于该成果分类的名录字段")
    # A catalog field may share its name with an entry column (开课院校 = ``institution``).
    given = {**{k: getattr(data, k) for k in ("project_name", "name", "institution") if k in known}, **data.fields}
    values = {f.name: check_value(f, given.get(f.name)) for f in fields}
    levels = [lvl.level for lvl in hooks.framework_levels]
    if data.framework_level is not None and data.framework_level not in levels:
        raise field_error("framework_level", "资历框架等级不存在" if levels else "本学分银行没有资历框架")
    return msgspec.structs.replace(
        data, name=data.name.strip(), project_name=data.project_name.strip(), institution=data.institution.strip(),
        fields={k: v for k, v in values.items() if v is not None},
    )


BASE_COLUMNS = ("category", "subtype", "project_name", "name", "institution", "framework_level")


def entry_from_row(row: dict[str, str], number: int) -> CatalogEntryIn:
    """A catalog CSV/XLSX row (``category, subtype, project_name, name, institution,
    framework_level`` and one column per catalog field) as an entry; row ``number`` names it
    in errors."""
    level = (row.get("framework_level") or "").strip()
    if level and not level.isdigit():
        raise field_error("framework_level", f"第 {number} 行：资历框架等级应为整数")
    try:
        return CatalogEntryIn(
            category=(row.get("category") or "").strip(), subtype=(row.get("subtype") or "").strip(),
            project_name=(row.get("project_name") or "").strip(), name=(row.get("name") or "").strip(),
            institution=(row.get("institution") or "").strip(), framework_level=int(level) if level else None,
            fields={k: v for k, v in row.items() if k not in BASE_COLUMNS and v not in (None, "")},
        )
    except (TypeError, msgspec.ValidationError) as exc:
        raise field_error("name", f"第 {number} 行：{exc}") from exc


def _search_text(entry: CatalogEntryIn) -> str:
    return " ".join((entry.project_name, entry.name, entry.institution)).lower()


def entry_out(row: dict) -> CatalogEntryOut:
    fields = row["fields"]
    return CatalogEntryOut(
        id=row["id"], category=row["category"], subtype=row["subtype"], project_name=row["project_name"],
        name=row["name"], institution=row["institution"],
        fields=msgspec.json.decode(fields) if isinstance(fields, str) else fields or {},
        framework_level=row["framework_level"],
    )


async def upsert_entries(tenant_id: int, hooks: ProvinceHooks, entries: Iterable[CatalogEntryIn]) -> tuple[int, int]:
    """Add entries, or update the one with the same category, sub-type, project, name and
    institution. Returns (added, updated). The caller runs it in a transaction."""
    key_columns = (CatalogEntry.category, CatalogEntry.subtype, CatalogEntry.project_name, CatalogEntry.name,
                   CatalogEntry.institution)
    existing = {
        tuple(row[c._meta.name] for c in key_columns): row["id"]
        for row in await CatalogEntry.select(CatalogEntry.id, *key_columns).where(CatalogEntry.tenant_id == tenant_id)
    }
    now = utcnow()
    sqlite = CatalogEntry._meta.db.engine_type == "sqlite"
    new: dict[tuple, CatalogEntry] = {}
    updated = 0
    for raw in entries:
        entry = normalize_entry(hooks, raw)
        key = (entry.category, entry.subtype, entry.project_name, entry.name, entry.institution)
        text = _search_text(entry)
        values = {"fields": msgspec.json.encode(entry.fields).decode(), "framework_level": entry.framework_level,
                  "search_text": text, "search_grams": fts.grams(text) if sqlite else "", "active": True}
        if key in existing:
            await CatalogEntry.update({getattr(CatalogEntry, k): v for k, v in values.items()}).where(
                CatalogEntry.id == existing[key])
            updated += 1
        else:
            new[key] = CatalogEntry(tenant_id=tenant_id, category=entry.category, subtype=entry.subtype,
                                    project_name=entry.project_name, name=entry.name, institution=entry.institution,
                                    created_at=now, **values)
    rows = list(new.values())
    for start in range(0, len(rows), 500):  # stay far below SQLite's bound-parameter limit
        await CatalogEntry.insert(*rows[start:start + 500])
    return len(rows), updated


async def create_entry(tenant_id: int, hooks: ProvinceHooks, data: CatalogEntryIn) -> CatalogEntryOut:
    entry = normalize_entry(hooks, data)
    if await CatalogEntry.exists().where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.category == entry.category,
        CatalogEntry.subtype == entry.subtype, CatalogEntry.project_name == entry.project_name,
        CatalogEntry.name == entry.name, CatalogEntry.institution == entry.institution,
    ):
        raise field_error("name", "名录中已有相同的条目", 409)
    async with CatalogEntry._meta.db.transaction():
        await upsert_entries(tenant_id, hooks, [entry])
    row = one(await CatalogEntry.select().where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.category == entry.category,
        CatalogEntry.subtype == entry.subtype, CatalogEntry.project_name == entry.project_name,
        CatalogEntry.name == entry.name, CatalogEntry.institution == entry.institution,
    ).first())
    return entry_out(row)


async def get_entry(tenant_id: int, entry_id: int) -> CatalogEntryOut | None:
    row = await CatalogEntry.select().where(CatalogEntry.id == entry_id, CatalogEntry.tenant_id == tenant_id,
                                            CatalogEntry.active.eq(True)).first()
    return entry_out(row) if row else None


def _like(text: str) -> str:
    # Users type plain text: % and _ are not wildcards for them (used with db.ESCAPE_CLAUSE).
    return "%" + db.like_escaped(text.lower()) + "%"


_PAGE_COLUMNS = "id, category, subtype, project_name, name, institution, fields, framework_level"


async def search(tenant_id: int, *, q: str | None = None, category: str | None = None, subtype: str | None = None,
                 institution: str | None = None, cursor: int | None = None, limit: int = 20) -> CatalogPage:
    """Entries whose project, name or institution contains ``q`` (and whose institution
    contains ``institution``), oldest first, a page at a time (keyset on id).

    A hot read path, so one raw statement (Piccolo's query builder costs as much as the query).
    Words of three characters or more use the trigram index. On PostgreSQL a two-character
    word (会计, 护理, 杭州: the commonest Chinese searches) has no trigram; it is found through
    the bigram index instead (catalog migration of 2026-11-24): ``catalog_bigrams(t) @>
    ARRAY['会计']`` holds exactly when ``t LIKE '%会计%'`` does. Such a word is tested with
    ``strpos`` rather than LIKE, which matches the same rows but which the trigram index does
    not claim: with a LIKE, a cached generic plan ANDs in a scan of the whole trigram index,
    which cannot narrow a two-character pattern (~200 ms over 200,000 entries). ``strpos``
    also keeps the per-row check cheap when the planner walks the ids of a very common word."""
    postgres = CatalogEntry._meta.db.engine_type == "postgres"
    where, args = ["tenant_id = $1", "active = $2"], [tenant_id, True]

    def arg(value) -> str:
        args.append(value)
        return f"${len(args)}"

    pairs = []
    for words in (q or "").split():
        if postgres and len(words) == 2:
            where.append(f"strpos(search_text, {arg(words.lower())}) > 0")
            pairs.append(words.lower())
        else:
            where.append(f"search_text LIKE {arg(_like(words))} {db.ESCAPE_CLAUSE}")
    if pairs:
        where.append(f"catalog_bigrams(search_text) @> ARRAY[{', '.join(arg(p) for p in pairs)}]::text[]")
    if not postgres and (expression := fts.match([w.lower() for w in (q or "").split()])):
        # SQLite: the FTS5 trigram index narrows the rows; the LIKEs above still decide (core/catalog/fts.py).
        where.append(f"id IN (SELECT rowid FROM {fts.TABLE} WHERE {fts.TABLE} MATCH {arg(expression)})")
    if category:
        where.append(f"category = {arg(category)}")
    if subtype:
        where.append(f"subtype = {arg(subtype)}")
    if institution and institution.strip():
        where.append(f"institution LIKE {arg(_like(institution.strip()))} {db.ESCAPE_CLAUSE}")
    if cursor:
        where.append(f"id > {arg(cursor)}")
    rows = await db.fetch(CatalogEntry, f"SELECT {_PAGE_COLUMNS} FROM catalog_entry WHERE {' AND '.join(where)} "
                                        f"ORDER BY id LIMIT {arg(limit + 1)}", *args)
    return page_of(rows, limit, [entry_out(r) for r in rows[:limit]])
