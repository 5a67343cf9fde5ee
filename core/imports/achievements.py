"""Bulk outcomes collected at a service window (信息采集), from a CSV or XLSX file: 社会培训成果
and any other sub-type of the province's taxonomy, one row per outcome, the learner named by
ID number.

The import machinery is the learner import's: the same job rows (progress after every batch,
the first 1,000 rejected rows with their reasons), the same sealed uploads and heartbeats
(``core.imports.jobs``), the same streaming reader. Each batch of ``BATCH_ROWS`` rows is
checked in Python — the learner looked up by the keyed hash of the ID number, in the
collecting unit's subtree or refused with the reason, every value checked against the
sub-type's fields by the same function single entries go through
(``core.achievements.service.outcome_values``) — and written in one transaction as a few
set-based statements: the outcomes (``ON CONFLICT DO NOTHING`` on the per-tenant re-run key,
so the same file imported again adds nothing), where the province sends collected outcomes to
recognition at once their applications and submission records, and one notice per learner. A
row is written whole or not at all; a bad row never stops the job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import msgspec

from core.accounts.identity import IdentityError, mask_id_numbers_in, validate_id_number
from core.accounts.tables import ImportJob
from core.achievements.collection import collected_key, in_subtree
from core.achievements.service import outcome_values
from core.achievements.tables import Achievement
from core.clock import utcnow
from core.errors import DomainError
from core.events import counted
from core.imports.learners import MAX_STORED_ERRORS, ImportSummary, RowError
from core.imports.reader import Column, ImportFileError, XlsxLimits, open_table
from core.notifications.rendering import render_text
from core.notifications.service import template_for
from core.reviews.engine import ResolvedChain, resolve_chain, step_due_at
from core.security.pii import PiiProtector
from core.tenancy.context import TenantContext
from core.workdays import due_at

BATCH_ROWS = 5_000

BASE_COLUMNS = (
    Column("id_number", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "证件号"), required=True),
    Column("real_name", "姓名", ("学员姓名",)),
    Column("category", "成果大类", ("成果类别",)),
    Column("subtype", "成果小类", ("成果类型",)),
    Column("name", "成果名称"),
    Column("obtained_at", "取得时间", ("获得时间", "取得日期")),
)


def achievement_columns(tenant: TenantContext) -> list[Column]:
    """The base columns and one per field of the taxonomy's sub-types (its name, or its label
    as a Chinese header where no other field or base column shares that label)."""
    fields: dict[str, str] = {}
    labels: list[str] = []
    for cat in tenant.hooks.taxonomy.categories:
        for sub in cat.subtypes:
            for field in sub.fields:
                if field.name not in fields:
                    fields[field.name] = field.label
                    labels.append(field.label)
    base = {c.field for c in BASE_COLUMNS}
    taken = {h for c in BASE_COLUMNS for h in c.headers()}
    return [*BASE_COLUMNS, *(Column(name, label if labels.count(label) == 1 and label not in taken else name)
                             for name, label in fields.items() if name not in base)]


def _text(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return ("" if value is None else str(value)).strip()


class _Checked(msgspec.Struct):
    row: int
    id_number: str
    category: str
    subtype: str
    values: dict
    name: str
    obtained: date | None
    institution: str
    certificate_no: str


class _Plan(msgspec.Struct):
    kind: str  # store_review | recognition
    chain: ResolvedChain
    due: datetime | None  # a store review keeps the date promised when the outcome is stored


class _Rows:
    """Checks rows against the taxonomy (no database)."""

    def __init__(self, tenant: TenantContext, fields: list[str | None]) -> None:
        self.taxonomy = tenant.hooks.taxonomy
        self.fields = fields
        self.codes: dict[str, tuple[str, str]] = {}  # a sub-type's code or label → (category, subtype)
        self.categories: dict[str, str] = {}
        for cat in self.taxonomy.categories:
            self.categories[cat.code] = self.categories[cat.label] = cat.code
            for sub in cat.subtypes:
                for key in (sub.code, sub.label):
                    self.codes.setdefault(key, (cat.code, sub.code))

    def check(self, number: int, cells: list) -> _Checked | str:
        raw = {f: cells[i] for i, f in enumerate(self.fields) if f is not None and i < len(cells)}
        text = {k: _text(v) for k, v in raw.items()}
        try:
            idn = validate_id_number(text.get("id_number", ""))
        except IdentityError as exc:
            return str(exc) if text.get("id_number") else "证件号码不能为空"
        category = self.categories.get(text.get("category", ""), text.get("category", ""))
        given_sub = text.get("subtype", "")
        if not given_sub and category:
            cat = next((c for c in self.taxonomy.categories if c.code == category), None)
            if cat and len(cat.subtypes) == 1:
                given_sub = cat.subtypes[0].code
        found = self.codes.get(given_sub)
        if found is None or (category and found[0] != category):
            cat_sub = next(((c.code, s.code) for c in self.taxonomy.categories if c.code == category
                            for s in c.subtypes if s.code == given_sub or s.label == given_sub), None)
            if cat_sub is None:
                return f"成果分类“{text.get('category', '')}/{given_sub}”不存在（应为本学分银行的成果大类、小类）"
            found = cat_sub
        category, subtype = found
        sub = self.taxonomy.subtype(category, subtype)
        assert sub is not None
        known = {f.name for f in sub.fields}
        given = {k: v for k, v in text.items() if k in known and v != ""}
        obtained = None
        if text.get("obtained_at"):
            try:
                obtained = date.fromisoformat(text["obtained_at"].replace("/", "-"))
            except ValueError:
                return "取得时间格式不正确（应为 YYYY-MM-DD）"
        try:
            values, name, obtained, institution, certificate_no = outcome_values(sub, given, text.get("name"), obtained)
        except DomainError as exc:
            label = next((f.label for f in sub.fields if f.name == (exc.extra or {}).get("field")), "")
            return f"{label}：{exc}" if label and label not in str(exc) else str(exc)
        return _Checked(number, idn, category, subtype, values, name, obtained, institution, certificate_no)


async def _save(job_id: int, summary: ImportSummary, status: str, estimate: int = 0, message: str = "") -> None:
    values: dict = {ImportJob.status: status, ImportJob.total: max(estimate, summary.total), ImportJob.done: summary.total,
              ImportJob.failed: summary.failed, ImportJob.created: summary.created,
              ImportJob.errors: msgspec.json.encode(summary.errors).decode(), ImportJob.heartbeat_at: utcnow()}
    if status != "running":
        values |= {ImportJob.total: summary.total, ImportJob.message: mask_id_numbers_in(message)[:500],
                   ImportJob.finished_at: utcnow()}
    await ImportJob.update(values).where(ImportJob.id == job_id)


async def import_achievements(*, tenant: TenantContext, unit: dict, staff_id: int, pii: PiiProtector, path: Path,
                              filename: str, job_id: int, login_url: str, batch_rows: int = BATCH_ROWS,
                              on_progress: Callable[[int], None] | None = None,
                              xlsx_limits: XlsxLimits | None = None) -> ImportSummary:
    """Import the outcomes of ``path`` as collected by ``unit`` (``{id, code, name, path,
    parent_id}``) and ``staff_id``. The job moves ``running`` → ``done`` (or ``failed``), its
    counters written after every batch; ``ImportFileError`` (after failing the job) when the
    file as a whole cannot be read. ``created`` counts outcomes added; ``skipped`` those the
    tenant had already (the same file again)."""
    summary = ImportSummary()
    await _save(job_id, summary, "running")
    writer = _Writer(tenant, unit, staff_id, job_id, login_url)
    try:
        table = await asyncio.to_thread(open_table, path, filename, achievement_columns(tenant), xlsx_limits)
        try:
            estimate = await asyncio.to_thread(table.estimate_rows) or 0
            rows = _Rows(tenant, table.fields)
            batches = table.batches(batch_rows)

            def next_checked() -> tuple[int, list[_Checked], list[RowError], list[str]] | None:
                """Read and check the next batch (a worker thread, while the last is written)."""
                batch = next(batches, None)
                if batch is None:
                    return None
                checked: list[_Checked] = []
                errors: list[RowError] = []
                for number, cells in batch:
                    result = rows.check(number, cells)
                    if isinstance(result, str):
                        errors.append(RowError(number, mask_id_numbers_in(result)))
                    else:
                        checked.append(result)
                return len(batch), checked, errors, pii.lookup_hashes([r.id_number for r in checked])

            checking = asyncio.ensure_future(asyncio.to_thread(next_checked))
            try:
                while (ready := await checking) is not None:
                    checking = asyncio.ensure_future(asyncio.to_thread(next_checked))
                    count, checked, errors, hashes = ready
                    landed, refused = await writer.write(checked, hashes)
                    errors += refused
                    errors.sort(key=lambda e: e.row)
                    summary.total += count
                    summary.created += landed
                    summary.failed += len(errors)
                    summary.skipped += len(checked) - landed - len(refused)
                    summary.errors.extend(errors[:max(MAX_STORED_ERRORS - len(summary.errors), 0)])
                    await _save(job_id, summary, "running", estimate)
                    if on_progress:
                        on_progress(summary.total)
            finally:
                await asyncio.gather(checking, return_exceptions=True)  # the thread ends before the file closes
        finally:
            table.close()
    except ImportFileError as exc:
        await _save(job_id, summary, "failed", message=str(exc))
        raise
    except BaseException as exc:
        message = "导入被中断" if isinstance(exc, asyncio.CancelledError) else f"导入出错：{type(exc).__name__}: {exc}"
        await asyncio.shield(_save(job_id, summary, "failed", message=message))
        raise
    await _save(job_id, summary, "done", message=(
        f"新增 {summary.created} 条成果，跳过 {summary.skipped} 条（已导入过），失败 {summary.failed} 行"))
    return summary


class _Writer:
    """Writes checked rows a batch at a time, each batch one transaction."""

    def __init__(self, tenant: TenantContext, unit: dict, staff_id: int, job_id: int, login_url: str) -> None:
        self.tenant = tenant
        self.unit = unit
        self.staff_id = staff_id
        self.job_id = job_id
        self.login_url = login_url
        self.root = unit["parent_id"] is None
        self.submit = tenant.hooks.review_policy.collected_recognition == "submit"
        self.plans: dict[tuple[str, str], _Plan | None] = {}
        self.templates: dict[str, tuple[str, str]] = {}
        self.batch = 0
        self.postgres = Achievement._meta.db.engine_type == "postgres"

    async def _plan(self, category: str, subtype: str) -> _Plan | None:
        """Which review a collected outcome of the sub-type opens as it lands, as a single entry
        does (``core.achievements.service.add_achievement``): the store review of a sub-type
        reviewed on storing, else the recognition where the province submits collected
        outcomes; routed through the collecting unit. None: it waits, unapplied."""
        if (category, subtype) not in self.plans:
            sub = self.tenant.hooks.taxonomy.subtype(category, subtype)
            kind = "store_review" if sub is not None and sub.recognition == "review_on_store" else \
                "recognition" if self.submit else None
            chain = self.tenant.hooks.review_chain(kind, category, subtype) if kind else None
            plan = None
            if kind and chain is not None and chain.steps:
                now = utcnow()
                due = due_at(now, sub.review_days or 10) if kind == "store_review" and sub else None
                plan = _Plan(kind, await resolve_chain(self.tenant.id, chain, self.unit), due)
            self.plans[(category, subtype)] = plan
        return self.plans[(category, subtype)]

    async def _learners(self, hashes: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        if self.postgres:  # one statement, the hashes as an array
            for r in await Achievement.raw(
                    "SELECT a.id, a.id_number_hash, a.real_name, a.username, a.phone, a.email, u.path "
                    "FROM account a LEFT JOIN org_unit u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id "
                    "WHERE a.tenant_id = {} AND a.kind = 'learner' AND a.id_number_hash = ANY({}::varchar[])",
                    self.tenant.id, hashes):
                found[r["id_number_hash"]] = r
            return found
        for start in range(0, len(hashes), 1000):
            part = hashes[start:start + 1000]
            marks = ", ".join("{}" for _ in part)
            for r in await Achievement.raw(
                    "SELECT a.id, a.id_number_hash, a.real_name, a.username, a.phone, a.email, u.path "
                    "FROM account a LEFT JOIN org_unit u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id "
                    f"WHERE a.tenant_id = {{}} AND a.kind = 'learner' AND a.id_number_hash IN ({marks})",
                    self.tenant.id, *part):
                found[r["id_number_hash"]] = r
        return found

    async def write(self, rows: list[_Checked], hashes: list[str]) -> tuple[int, list[RowError]]:
        """Write the good rows (``hashes``: the keyed hashes of their ID numbers); returns
        (outcomes added, rows refused for their learner)."""
        self.batch += 1
        refused: list[RowError] = []
        if not rows:
            return 0, refused
        learners = await self._learners(sorted(set(hashes)))
        now = utcnow()
        records: list[tuple] = []
        seen: set[str] = set()
        for row, digest in zip(rows, hashes):
            learner = learners.get(digest)
            if learner is None:
                refused.append(RowError(row.row, "证件号码对应的学习者账号不存在（请先为其开户或导入学习者）"))
                continue
            if not in_subtree(self.unit, learner["path"], self.root):
                refused.append(RowError(row.row, f"该学习者不属于{self.unit['name']}及其下级单位，本单位不能为其采集成果"))
                continue
            key = collected_key(learner["id"], row.category, row.subtype, row.values, row.obtained)
            if key in seen:
                continue  # the same outcome twice in the file: once is enough (counted as skipped)
            seen.add(key)
            plan = await self._plan(row.category, row.subtype)
            records.append((learner, row, key, "applied" if plan else "unapplied", plan))
        if not records:
            return 0, refused
        async with Achievement._meta.db.transaction():
            landed = await self._outcomes(records, now)
            await self._applications([r for r in records if r[2] in landed and r[4] is not None], landed, now)
            await self._notices([r for r in records if r[2] in landed])
        return len(landed), refused

    async def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple], returning: str,
                      conflict: str = "", constants: dict | None = None) -> list[dict]:
        """Insert ``rows`` (values of ``columns``), each with the same ``constants`` (column →
        value). PostgreSQL: one statement, the varying values as arrays through ``unnest`` and
        the constants once each (a resolved chain is sent once, not per row); SQLite: multi-row
        ``VALUES`` of up to 20,000 values (under its limit on bind parameters)."""
        if not rows:
            return []
        constants = constants or {}
        names = ", ".join((*constants, *columns))
        if self.postgres:
            fixed = "".join(f"{{}}::{_PG_TYPES[c]}, " for c in constants)
            arrays = ", ".join(f"{{}}::{_PG_TYPES[c]}[]" for c in columns)
            return await Achievement.raw(
                f"INSERT INTO {table} ({names}) SELECT {fixed}u.* FROM unnest({arrays}) AS u {conflict} "
                f"RETURNING {returning}", *constants.values(), *(list(col) for col in zip(*rows)))
        out: list[dict] = []
        width = len(constants) + len(columns)
        per = max(1, 20_000 // width)
        fixed_values = list(constants.values())
        for start in range(0, len(rows), per):
            part = rows[start:start + per]
            values = ", ".join("(" + ", ".join("{}" for _ in range(width)) + ")" for _ in part)
            out += await Achievement.raw(
                f"INSERT INTO {table} ({names}) VALUES {values} {conflict} RETURNING {returning}",
                *[v for r in part for v in (*fixed_values, *r)])
        return out

    async def _outcomes(self, records: list[tuple], now: datetime) -> dict[str, int]:
        rows = [(learner["id"], row.category, row.subtype, row.name, row.institution,
                 msgspec.json.encode(row.values).decode(), row.obtained, status, row.certificate_no, key,
                 plan.due if plan else None)
                for learner, row, key, status, plan in records]
        found = await self._insert("achievement", _ACHIEVEMENT_COLUMNS, rows, "id, collected_key",
                                   "ON CONFLICT (tenant_id, collected_key) DO NOTHING", {
                                       "tenant_id": self.tenant.id, "source": "self", "created_at": now,
                                       "updated_at": now, "collected_by_unit_id": self.unit["id"],
                                       "collected_by_staff_id": self.staff_id})
        # the unit report's counters: one grouped statement for the batch
        await counted(self.tenant.id, "achievement", [r["id"] for r in found])
        return {r["collected_key"]: r["id"] for r in found}

    async def _applications(self, records: list[tuple], landed: dict[str, int], now: datetime) -> None:
        if not records:
            return
        by_plan: dict[int, tuple[_Plan, list[tuple]]] = {}
        for learner, _, key, _, plan in records:
            by_plan.setdefault(id(plan), (plan, []))[1].append((learner["id"], landed[key]))
        names = {learner["id"]: learner["real_name"] for learner, *_ in records}
        for plan, pairs in by_plan.values():
            chain = plan.chain
            first = chain.steps[0]
            constants = {"tenant_id": self.tenant.id, "kind": plan.kind, "status": "submitted",
                         "chain": msgspec.json.encode(chain).decode(), "current_step": 0, "step_role": first.role,
                         "step_unit_id": first.unit_id, "created_at": now, "updated_at": now, "step_started_at": now,
                         "step_due_at": plan.due or step_due_at(first, now)}
            if self.postgres:  # the applications and their submission records in one statement
                fixed = ", ".join(f"{{}}::{_PG_TYPES[c]}" for c in constants)
                made = await Achievement.raw(
                    f"WITH made AS (INSERT INTO application ({', '.join(constants)}, learner_id, achievement_id) "
                    f"SELECT {fixed}, u.* FROM unnest({{}}::integer[], {{}}::integer[]) AS u "
                    "RETURNING id, learner_id, achievement_id), "
                    "submitted AS (INSERT INTO review_record (tenant_id, application_id, step, step_name, decision, "
                    "opinion, actor_id, actor_name, materials, created_at) "
                    "SELECT {}, m.id, 0, 'submit', 'submit', '', m.learner_id, n.name, '[]'::json, {}::timestamptz "
                    "FROM made m JOIN unnest({}::integer[], {}::varchar[]) AS n(achievement_id, name) "
                    "ON n.achievement_id = m.achievement_id) "
                    "SELECT id FROM made",
                    *constants.values(), [p[0] for p in pairs], [p[1] for p in pairs], self.tenant.id, now,
                    [p[1] for p in pairs], [names.get(p[0], "") for p in pairs])
                await counted(self.tenant.id, "application", [r["id"] for r in made])
                continue
            made = await self._insert("application", ("learner_id", "achievement_id"), pairs, "id, learner_id",
                                      constants=constants)
            await counted(self.tenant.id, "application", [r["id"] for r in made])
            await self._insert("review_record", ("application_id", "actor_id", "actor_name"), [
                (r["id"], r["learner_id"], names.get(r["learner_id"], "")) for r in made], "id", constants={
                    "tenant_id": self.tenant.id, "step": 0, "step_name": "submit", "decision": "submit",
                    "opinion": "", "materials": "[]", "created_at": now})

    async def _notices(self, records: list[tuple]) -> None:
        """One message per learner for what this batch added for them, on the first channel the
        province activates accounts by that the learner has."""
        by_learner: dict[int, list[tuple]] = {}
        for record in records:
            by_learner.setdefault(record[0]["id"], []).append(record)
        channels = self.tenant.hooks.registration_policy.activation_channels
        rows = []
        now = utcnow()
        for learner_id, mine in by_learner.items():
            learner = mine[0][0]
            channel = next((c for c in channels if learner["phone" if c == "sms" else "email"]), None)
            if channel is None:
                continue
            if channel not in self.templates:
                subject, body, _ = await template_for(self.tenant.id, self.tenant.hooks, "achievement.collected", channel)
                self.templates[channel] = (subject, body)
            subject, body = render_text(*self.templates[channel], {
                "tenant_name": self.tenant.name, "real_name": learner["real_name"], "username": learner["username"],
                "achievement": mine[0][1].name, "count": len(mine), "unit_name": self.unit["name"],
                "login_url": self.login_url})
            rows.append((channel, learner["phone" if channel == "sms" else "email"], mask_id_numbers_in(subject)[:300],
                         mask_id_numbers_in(body), f"achievement.collected:job{self.job_id}:{self.batch}:{learner_id}",
                         learner_id))
        await self._insert("notification", _NOTICE_COLUMNS, rows, "id", "ON CONFLICT (dedupe_key) DO NOTHING", {
            "tenant_id": self.tenant.id, "event": "achievement.collected", "status": "queued", "attempts": 0,
            "last_error": "", "delivered_via": "", "created_at": now, "next_attempt_at": now, "claim_token": ""})


# The values that vary per row; the rest are sent once per statement (``_insert``'s constants).
_ACHIEVEMENT_COLUMNS = ("learner_id", "category", "subtype", "name", "institution", "fields", "obtained_at", "status",
                        "certificate_no", "collected_key", "review_due_at")
_NOTICE_COLUMNS = ("channel", "recipient", "subject", "body", "dedupe_key", "account_id")
_PG_TYPES = {
    "tenant_id": "integer", "learner_id": "integer", "category": "varchar", "subtype": "varchar", "name": "varchar",
    "institution": "varchar", "fields": "json", "obtained_at": "date", "status": "varchar", "source": "varchar",
    "certificate_no": "varchar", "created_at": "timestamptz", "updated_at": "timestamptz",
    "collected_by_unit_id": "integer", "collected_by_staff_id": "integer", "collected_key": "varchar",
    "kind": "varchar", "achievement_id": "integer", "chain": "json", "current_step": "integer",
    "step_role": "varchar", "step_unit_id": "integer", "step_started_at": "timestamptz",
    "step_due_at": "timestamptz", "application_id": "integer", "step": "integer", "step_name": "varchar",
    "decision": "varchar", "opinion": "text", "actor_id": "integer", "actor_name": "varchar", "materials": "json",
    "event": "varchar", "channel": "varchar", "recipient": "varchar", "subject": "varchar", "body": "text",
    "dedupe_key": "varchar", "review_due_at": "timestamptz", "attempts": "integer", "last_error": "varchar", "delivered_via": "varchar",
    "next_attempt_at": "timestamptz", "claim_token": "varchar", "account_id": "integer",
}
