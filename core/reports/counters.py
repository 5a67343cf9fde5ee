"""The unit report's counters: what ``figures_statements`` would count, kept per unit and period
so that the report reads a few thousand rows instead of scanning every outcome.

One ``unit_counter`` row per (tenant, span, day, unit, measure, k1, k2):

- ``learners``      learner accounts by their unit (k1 = k2 = ``''``), on the day they were created;
- ``achievements``  outcomes by the learner's unit, category (k1) and sub-type (k2), on their creation day;
- ``applications``  applications by the learner's unit and status (k1), on their creation day;
- ``collected``     outcomes by the unit that collected them (信息采集), category (k1) and
                    ``recognized`` or ``''`` (k2), on their creation day.

Days are China's calendar days (the report's ``from``/``to`` are such days: ``local_midnight``).
``span`` ``d`` rows hold one day, ``m`` rows the month starting on ``day``; a period is read as
its whole months from ``m`` rows and the days at either end from ``d`` rows, so two years over
104 units stay a few thousand rows. Unit 0 stands for "no unit" (NULL cannot be part of the
conflict key).

How they move: every change to a counted row publishes a ``core.events.CountedRows`` in its
transaction (achievements' ``OutcomeStored`` / ``OutcomeDeleting`` count as well), and
``on_counted_rows`` turns it into one grouped delta upsert
(``INSERT … SELECT … GROUP BY … ON CONFLICT … DO UPDATE SET n = n + excluded.n``, one atomic
statement on SQLite and PostgreSQL) computed from the rows themselves by the same SELECT the
rebuild uses — so the counters cannot count differently from the rows. An update publishes -1
before and +1 after. Bulk paths (the learner import) upsert one grouped statement per batch
on their own connection (``batch_rows`` / ``upsert_many``).

``rebuild`` recomputes a tenant's counters from the rows (grouped ``INSERT … SELECT``); ``check``
compares them with live counts and names the first difference. Overdue reviews are not counted
here: they depend on the clock, and stay a live query on the small, indexed set of open
applications (``service.overdue_statements``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.events import CountedRows, OutcomeDeleting, OutcomeStored
from core.reports.tables import UnitCounter
from core.workdays import LOCAL_TIME

ZONE = "Asia/Shanghai"  # core.workdays.LOCAL_TIME: the report's days
KEY = "(tenant_id, span, day, unit_id, measure, k1, k2)"
_UPSERT = f" ON CONFLICT {KEY} DO UPDATE SET n = unit_counter.n + excluded.n"

# What each measure counts: its table, FROM/WHERE (``{}`` is the tenant), creation column, the
# unit it counts at, its keys and the id column a delta filters on.
_SOURCES = {
    "learners": ("account", " FROM account acc WHERE acc.tenant_id = {} AND acc.kind = 'learner'",
                 "acc.created_at", "acc.unit_id", "''", "''", "acc.id"),
    "achievements": ("achievement", " FROM achievement a JOIN account acc ON acc.tenant_id = a.tenant_id"
                     " AND acc.id = a.learner_id WHERE a.tenant_id = {} AND acc.tenant_id = {}",
                     "a.created_at", "acc.unit_id", "a.category", "a.subtype", "a.id"),
    "applications": ("application", " FROM application ap JOIN account acc ON acc.tenant_id = ap.tenant_id"
                     " AND acc.id = ap.learner_id WHERE ap.tenant_id = {} AND acc.tenant_id = {}",
                     "ap.created_at", "acc.unit_id", "ap.status", "''", "ap.id"),
    # Outcomes by the unit that collected them (信息采集), by category and whether recognized.
    "collected": ("achievement", " FROM achievement a WHERE a.tenant_id = {} AND a.collected_by_unit_id IS NOT NULL",
                  "a.created_at", "a.collected_by_unit_id", "a.category",
                  "CASE WHEN a.status = 'recognized' THEN 'recognized' ELSE '' END", "a.id"),
}
MEASURES = tuple(_SOURCES)


def _pg() -> bool:
    return UnitCounter._meta.db.engine_type == "postgres"


def _day(column: str, pg: bool) -> str:
    return f"(({column}) AT TIME ZONE '{ZONE}')::date" if pg else f"date({column}, '+8 hours')"


def _month(column: str, pg: bool) -> str:
    return (f"date_trunc('month', ({column}) AT TIME ZONE '{ZONE}')::date" if pg
            else f"strftime('%Y-%m-01', {column}, '+8 hours')")


def _ids_filter(column: str, ids: Sequence[int], pg: bool) -> tuple[str, list]:
    """``column`` among ``ids``, one parameter however many (an array; JSON on SQLite)."""
    if pg:
        return f" AND {column} = ANY({{}})", [list(ids)]
    return f" AND {column} IN (SELECT value FROM json_each({{}}))", [json.dumps(list(ids))]


def _day_arg(day: date, pg: bool):
    return day if pg else day.isoformat()


def _grouped(measure: str, tenant_id: int, pg: bool, spans: str, sign: int = 1,
             ids: Sequence[int] | None = None) -> tuple[str, list]:
    """A SELECT of counter rows ``(tenant_id, span, day, unit_id, measure, k1, k2, n)`` of
    ``measure`` for the rows of its table (all of the tenant's, or ``ids``), ``sign`` times their
    count; ``spans`` ``d`` (days), or ``dm`` (days and months)."""
    _, source, created, unit, k1, k2, id_column = _SOURCES[measure]
    args = [tenant_id] * source.count("{}")
    where = ""
    if ids is not None:
        where, more = _ids_filter(id_column, ids, pg)
        args += more
    if spans == "d":
        inner = (f"SELECT 'd' AS span, {_day(created, pg)} AS day, COALESCE({unit}, 0) AS unit_id,"
                 f" {k1} AS k1, {k2} AS k2{source}{where}")
    else:
        day = f"CASE s.span WHEN 'd' THEN {_day(created, pg)} ELSE {_month(created, pg)} END"
        inner = (f"SELECT s.span AS span, {day} AS day, COALESCE({unit}, 0) AS unit_id, {k1} AS k1, {k2} AS k2"
                 + source.replace(" WHERE ", " CROSS JOIN (SELECT 'd' AS span UNION ALL SELECT 'm') s WHERE ", 1)
                 + where)
    return (f"SELECT {tenant_id} AS tenant_id, x.span, x.day, x.unit_id, '{measure}' AS measure, x.k1, x.k2,"
            f" {int(sign)} * COUNT(*) AS n FROM ({inner}) x WHERE 1 = 1 GROUP BY x.span, x.day, x.unit_id, x.k1, x.k2",
            args)


_INSERT = "INSERT INTO unit_counter (tenant_id, span, day, unit_id, measure, k1, k2, n) "


# ---------------------------------------------------------------------------------------------
# Moved by the domain events


async def count(tenant_id: int, table: str, ids: Sequence[int], sign: int) -> None:
    """Add (``sign`` +1) or take back (-1) what the rows ``ids`` of ``table`` count: one upsert."""
    if not ids:
        return
    pg = _pg()
    for measure, (counted_table, *_) in _SOURCES.items():
        if counted_table == table:
            sql, args = _grouped(measure, tenant_id, pg, "dm", sign, ids)
            await UnitCounter.raw(_INSERT + sql + _UPSERT, *args)


async def on_counted_rows(tenant, event: CountedRows) -> None:
    await count(event.tenant_id, event.table, event.ids, event.sign)


async def on_outcome_stored(tenant, event: OutcomeStored) -> None:
    if event.target_id is not None:
        await count(event.tenant_id, "achievement", [event.target_id], +1)


async def on_outcome_deleting(tenant, event: OutcomeDeleting) -> None:
    if event.target_id is not None:
        await count(event.tenant_id, "achievement", [event.target_id], -1)


# Bulk paths that write on a connection of their own (the learner import) count their batch
# there: ``batch_rows`` groups what landed, ``upsert_many`` is the one statement.


def batch_rows(tenant_id: int, measure: str, created: datetime, keys: Iterable[tuple[int | None, str, str]]
               ) -> list[tuple]:
    """Counter rows (day and month) for rows all created at ``created``: ``keys`` is one
    ``(unit_id, k1, k2)`` per row."""
    local = created.astimezone(LOCAL_TIME).date()
    grouped = Counter((unit or 0, k1, k2) for unit, k1, k2 in keys)
    return [(tenant_id, span, day, unit, measure, k1, k2, n) for (unit, k1, k2), n in grouped.items()
            for span, day in (("d", local), ("m", local.replace(day=1)))]


# PostgreSQL: one statement for the batch, the rows as arrays ($1 … $8).
UPSERT_ARRAYS_PG = (_INSERT + "SELECT * FROM unnest($1::integer[], $2::varchar[], $3::date[], $4::integer[],"
                    " $5::varchar[], $6::varchar[], $7::varchar[], $8::bigint[])" + _UPSERT)
# SQLite (``sqlite3`` executemany: one prepared statement for the batch).
UPSERT_ROW_SQLITE = _INSERT + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _UPSERT


def as_arrays(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(8)]


def as_sqlite(rows: list[tuple]) -> list[tuple]:
    return [(*r[:2], r[2].isoformat(), *r[3:]) for r in rows]


# ---------------------------------------------------------------------------------------------
# Read by the report


def periods(start: date | None, end: date | None) -> list[tuple[str, date | None, date | None]]:
    """``(span, from, until)`` pieces covering the days ``start`` … ``end`` (both included, either
    open): the whole months from month rows, the days at the ends from day rows."""
    until = end + timedelta(days=1) if end else None
    first_month = None if start is None else start if start.day == 1 else _next_month(start)
    last_month = None if until is None else until.replace(day=1)
    if first_month and last_month and first_month >= last_month:
        return [("d", start, until)]
    pieces: list[tuple[str, date | None, date | None]] = [("m", first_month, last_month)]
    if start and first_month and start < first_month:
        pieces.append(("d", start, first_month))
    if until and last_month and last_month < until:
        pieces.append(("d", last_month, until))
    return pieces


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def figures_statement(tenant_id: int, start: date | None, end: date | None,
                      unit_ids: Sequence[int] | None) -> tuple[str, list]:
    """The report's figures from the counters: rows of ``(measure, unit_id, k1, k2, n)`` like
    ``service.figures_statements``' (unit_id None for no unit); ``unit_ids``: the subtree's
    units, or None for the whole tenant."""
    pg = _pg()
    ors: list[str] = []
    args: list = [tenant_id]
    for span, lo, hi in periods(start, end):
        clause = "(span = {}"
        args.append(span)
        if lo:
            clause += " AND day >= {}"
            args.append(_day_arg(lo, pg))
        if hi:
            clause += " AND day < {}"
            args.append(_day_arg(hi, pg))
        ors.append(clause + ")")
    units = ""
    if unit_ids is not None:
        units, more = _ids_filter("unit_id", unit_ids, pg)
        args += more
    return ("SELECT measure, CASE WHEN unit_id = 0 THEN NULL ELSE unit_id END AS unit_id, k1, k2, SUM(n) AS n"
            " FROM unit_counter WHERE tenant_id = {} AND (" + " OR ".join(ors) + ")" + units
            + " GROUP BY measure, unit_id, k1, k2 HAVING SUM(n) <> 0", args)


async def figures(tenant_id: int, start: date | None, end: date | None, unit_ids: Sequence[int] | None) -> list[dict]:
    sql, args = figures_statement(tenant_id, start, end, unit_ids)
    return await UnitCounter.raw(sql, *args)


# ---------------------------------------------------------------------------------------------
# Rebuild and check


async def rebuild(tenant_id: int) -> int:
    """Recompute the tenant's counters from the rows, in one transaction: day rows by one
    grouped ``INSERT … SELECT`` per measure, month rows summed from them. Returns the outcomes
    counted."""
    pg = _pg()
    async with UnitCounter._meta.db.transaction():
        await UnitCounter.raw("DELETE FROM unit_counter WHERE tenant_id = {}", tenant_id)
        for measure in _SOURCES:
            sql, args = _grouped(measure, tenant_id, pg, "d")
            await UnitCounter.raw(_INSERT + sql, *args)
        month = "date_trunc('month', day)::date" if pg else "strftime('%Y-%m-01', day)"
        await UnitCounter.raw(
            _INSERT + f"SELECT tenant_id, 'm', {month}, unit_id, measure, k1, k2, SUM(n) FROM unit_counter"
            " WHERE tenant_id = {} AND span = 'd' GROUP BY tenant_id, " + month + ", unit_id, measure, k1, k2",
            tenant_id)
        rows = await UnitCounter.raw("SELECT COALESCE(SUM(n), 0) AS n FROM unit_counter WHERE tenant_id = {}"
                                     " AND span = 'd' AND measure = 'achievements'", tenant_id)
    return int(rows[0]["n"])


@dataclass(frozen=True)
class Difference:
    span: str
    day: str
    unit_id: int
    measure: str
    k1: str
    k2: str
    counted: int
    live: int

    def __str__(self) -> str:
        what = "/".join(k for k in (self.k1, self.k2) if k)
        return (f"{self.measure}{'（' + what + '）' if what else ''} 单位 {self.unit_id or '（无）'} "
                f"{'日' if self.span == 'd' else '月'} {self.day}：计数器 {self.counted}，实际 {self.live}")


def _key(r: dict) -> tuple:
    day = r["day"]
    return (r["span"], day.isoformat() if isinstance(day, date) else str(day)[:10], int(r["unit_id"]),
            r["measure"], r["k1"], r["k2"])


async def check(tenant_id: int) -> list[Difference]:
    """The counters against live counts of the rows (day rows) and against their day rows
    (month rows); every difference, in key order."""
    pg = _pg()
    live: dict[tuple, int] = {}
    for measure in _SOURCES:
        sql, args = _grouped(measure, tenant_id, pg, "d")
        for r in await UnitCounter.raw(sql, *args):
            live[_key(r)] = int(r["n"])
    stored = {_key(r): int(r["n"]) for r in await UnitCounter.raw(
        "SELECT span, day, unit_id, measure, k1, k2, n FROM unit_counter WHERE tenant_id = {} AND n <> 0", tenant_id)}
    for (_span, day, unit, measure, k1, k2), n in list(live.items()):
        month = ("m", day[:8] + "01", unit, measure, k1, k2)
        live[month] = live.get(month, 0) + n
    return [Difference(span, day, unit, measure, k1, k2, stored.get(key, 0), live.get(key, 0))
            for key in sorted(set(live) | set(stored)) if stored.get(key, 0) != live.get(key, 0)
            for span, day, unit, measure, k1, k2 in [key]]
