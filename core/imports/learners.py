"""Importing learner accounts from a CSV or XLSX file (no HTTP, no click).

The file is streamed in batches of ``BATCH_ROWS``. Every row is checked in Python; good rows
become ``imported`` learner accounts (no password until activation), bad rows are reported by
row number and never stop the job. A row whose ID number already belongs to an account of the
tenant is *skipped*, so running the same file twice creates nothing twice. A row repeating the
ID number of an earlier row of the file is rejected ("证件号码与第 N 行重复") — unless that ID
number was in the tenant before, in which case both rows are simply skipped.

Reading and checking the next batch runs in a worker thread while earlier ones are written:

- PostgreSQL: each batch is split by lookup hash among ``LANES`` connections, so one ID number
  always goes through one lane, in row order, and the lanes write at the same time, each
  going on to its share of the next batch as soon as it is done (the per-row cost is mostly
  the server's: on this schema ~28 µs of server CPU a row at a million rows, of which the
  five indexes besides the primary key take ~17 and the two foreign keys ~6; see
  ``bench/import_learners.py --breakdown``). A lane COPYs its share straight into
  ``account`` while nothing conflicts; on a unique violation it goes through a temporary
  staging table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` instead, and classifies
  the rows that did not land with one more query.
- SQLite: ``executemany`` of ``INSERT OR IGNORE`` in one transaction per batch, through the
  standard ``sqlite3`` module in a worker thread.

Each created account records where it came from in ``profile``:
``{"import_job": <job id>, "import_row": <row number>}``. That is how a repeated ID number in
another batch is told apart from an account that existed before the job without holding every
ID number of the file in memory: memory stays flat however long the file.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import json
import logging
import operator
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import asyncpg
import msgspec

from core import db
from core.accounts import usernames
from core.accounts.identity import (
    EMAIL_RE,
    IdentityError,
    id_birth_date,
    mask_id_numbers_in,
    validate_email,
    validate_id_number,
    validate_phone,
)
from core.accounts.tables import Account, ImportJob
from core.clock import utcnow
from core.hierarchy.tables import OrgUnit
from core.imports.reader import Column, ImportFileError, TableReader, XlsxLimits, open_table
from core.plugins import ProvinceHooks
from core.reports import counters
from core.security.pii import PiiProtector

log = logging.getLogger("creditbank.imports")

BATCH_ROWS = 10_000
MAX_STORED_ERRORS = 1_000
LANES = 2  # PostgreSQL connections writing at once

LEARNER_COLUMNS: tuple[Column, ...] = (
    Column("real_name", "姓名", ("名字",), required=True),
    Column("id_number", "证件号码", ("身份证号", "身份证号码", "公民身份号码", "证件号", "身份证"), required=True),
    Column("phone", "手机号码", ("手机", "手机号", "移动电话")),
    Column("email", "电子邮箱", ("邮箱", "电子邮件", "e-mail", "mail")),
    Column("unit_code", "所属单位", ("单位编码", "所属单位编码", "单位代码"), required=True),
    Column("gender", "性别", ("sex",)),
    Column("ethnicity", "民族", ("nation",)),
    Column("birth_date", "出生日期", ("出生年月日", "birthday")),
    Column("address", "联系地址", ("地址", "通讯地址", "家庭住址")),
)
_FIELDS = tuple(c.field for c in LEARNER_COLUMNS)

_GENDERS = {"": "", "男": "男", "女": "女", "M": "男", "F": "女", "m": "男", "f": "女",
            "male": "男", "female": "女", "Male": "男", "Female": "女", "MALE": "男", "FEMALE": "女"}
_CHECK = "10X98765432"
_MASK = "*" * 10
_LIMITS = {"real_name": 100, "ethnicity": 32, "address": 300}


class RowError(msgspec.Struct, frozen=True):
    row: int
    message: str


class ImportSummary(msgspec.Struct):
    """What an import did. ``total`` = created + skipped + failed (blank rows are not rows);
    ``errors`` holds the first ``MAX_STORED_ERRORS`` rejected rows, in row order."""

    total: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowError] = msgspec.field(default_factory=list)


async def create_job(tenant_id: int, kind: str, filename: str, created_by: int | None) -> int:
    """A new ``pending`` import job; returns its id."""
    now = utcnow()
    job = ImportJob(tenant_id=tenant_id, kind=kind, filename=mask_id_numbers_in(filename)[-255:], status="pending",
                    created_by=created_by, created_at=now, heartbeat_at=now)
    await job.save()
    return job.id


async def import_learners(
    *,
    tenant_id: int,
    hooks: ProvinceHooks,
    pii: PiiProtector,
    path: Path,
    filename: str,
    job_id: int,
    on_progress: Callable[[int], None] | None = None,
    on_error: Callable[[RowError], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    xlsx_limits: XlsxLimits | None = None,
) -> ImportSummary:
    """Import the learners of ``path`` (uploaded as ``filename``) into the tenant.

    The job row moves ``running`` → ``done`` (or ``failed``) and its counters are written after
    every batch. ``on_progress`` gets the number of rows handled so far after each batch;
    ``on_error`` gets every rejected row (the summary and the job keep only the first 1,000).

    Raises ``ImportFileError`` (after marking the job failed) when the file as a whole cannot be
    imported: not CSV or XLSX, not UTF-8, no header, a required column missing. Any other
    failure also marks the job failed, then propagates; batches written before it stay written.
    """
    summary = ImportSummary()
    progress = _Progress(job_id, summary, on_error)
    await _update_job(job_id, status="running", message="")
    try:
        # Opening reads the header (and, for XLSX, the workbook's index); estimating counts
        # the lines: both off the event loop.
        table = await asyncio.to_thread(open_table, path, filename, LEARNER_COLUMNS, xlsx_limits)
        try:
            progress.estimate = await asyncio.to_thread(table.estimate_rows) or 0
            units = {row["code"]: row["id"] for row in await OrgUnit.select(OrgUnit.id, OrgUnit.code)
                     .where(OrgUnit.tenant_id == tenant_id)}
            checker = LearnerRows(table, units, hooks.username_scheme.imported, pii)
            async with _writer(tenant_id, job_id) as writer:
                await _pipeline(table, checker, writer, progress, on_progress, batch_rows)
        finally:
            table.close()
    except ImportFileError as exc:
        await progress.finish("failed", str(exc))
        raise
    except BaseException as exc:
        message = "导入被中断" if isinstance(exc, asyncio.CancelledError) else f"导入出错：{type(exc).__name__}: {exc}"
        await asyncio.shield(progress.finish("failed", message[:500]))
        raise
    await progress.finish("done", f"新增 {summary.created} 个，跳过 {summary.skipped} 个（已存在），失败 {summary.failed} 行")
    return summary


async def _pipeline(table: TableReader, checker: LearnerRows, writer: _Writer, progress: _Progress,
                    on_progress: Callable[[int], None] | None, batch_rows: int) -> None:
    """Read and check the next batch in a worker thread while earlier ones are being written.

    The thread holds the GIL only while Python runs; the event loop meanwhile streams the
    COPY data and waits on the database, so reading, checking and writing overlap. Up to
    ``writer.in_flight`` checked batches are handed to the writer before the oldest is
    waited for (each lane writes its shares in batch order), and batches are counted in
    order as they land."""
    batches = (checker.check(rows) for rows in table.batches(batch_rows))
    in_flight: collections.deque[tuple[CheckedBatch, asyncio.Future[_Outcome]]] = collections.deque()

    def next_batch() -> CheckedBatch | None:
        return next(batches, None)

    async def report(batch: CheckedBatch, outcome: _Outcome) -> None:
        await progress.absorb(batch, outcome)
        if on_progress:
            on_progress(progress.done)

    async def report_oldest() -> None:
        batch, writing = in_flight.popleft()
        await report(batch, await writing)

    checking = asyncio.ensure_future(asyncio.to_thread(next_batch))
    try:
        while (checked := await checking) is not None:
            checking = asyncio.ensure_future(asyncio.to_thread(next_batch))
            if writer.one_writer:  # the job row can only be written while no batch is
                while in_flight:
                    await report_oldest()
            in_flight.append((checked, writer.submit(checked)))
            while len(in_flight) > writer.in_flight:
                await report_oldest()  # while the database takes the later ones
        while in_flight:
            await report_oldest()
    finally:
        # The thread cannot be stopped: let it finish before the file is closed.
        await asyncio.gather(checking, return_exceptions=True)
        while in_flight:  # something failed while batches were being written: let each
            batch, writing = in_flight.popleft()  # finish (it commits on its own) and count it
            try:
                await asyncio.shield(report(batch, await asyncio.shield(writing)))
            except Exception:
                log.exception("导入任务 %s：一批写入失败", progress.job_id)


# ---------------------------------------------------------------------------------------------
# Checking rows


@dataclass
class CheckedBatch:
    """One batch after checking: ``records`` to write (one per distinct good ID number, in
    row order), ``errors`` of rows already rejected, and ``repeats``: ``(row, first_row)`` for
    good rows whose ID number appeared on an earlier good row of the same batch."""

    rows: int
    records: list[tuple] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    repeats: list[tuple[int, int]] = field(default_factory=list)


class LearnerRows:
    """Checks and converts learner rows.

    A record is ``(row, username, real_name, id_number_hash, id_number_enc, id_number_masked,
    phone, email, gender, ethnicity, birth_date, address, unit_id, username_hash)``; a username
    formed from the ID number is masked, with its keyed hash (``core.accounts.usernames``).

    Each row first goes through a fast path that accepts only clean, canonical values; any
    row it does not accept is checked again by ``check_row_slowly`` with the validators of
    ``core.accounts.identity``, which says everything that is wrong with it (or accepts it after
    normalising, e.g. a lower-case ``x`` or a phone written with spaces).
    """

    def __init__(self, table: TableReader, units: dict[str, int], username_template: str,
                 pii: PiiProtector, today: date | None = None) -> None:
        self.units = units
        self.today = today or date.today()
        self.index = [table.fields.index(f) if f in table.fields else None for f in _FIELDS]
        self.pad = [""] if None in self.index else []
        width = table.width
        self.getter_index = [width if i is None else i for i in self.index]
        self.usernames = _username_maker(username_template, pii)
        self.pii = pii
        self._dates: dict[str, tuple[date, str, str]] = {}

    def _birth(self, digits: str) -> tuple[date, str, str] | None:
        """``(date, "YYYY-MM-DD", "YYYY/MM/DD")`` for the ``YYYYMMDD`` of a valid ID number."""
        try:
            born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            return None
        if born > self.today or born.year < 1900:
            return None
        iso = born.isoformat()
        value = self._dates[digits] = (born, iso, iso.replace("-", "/"))
        return value

    def check(self, rows: Sequence[tuple[int, list]]) -> CheckedBatch:
        out = CheckedBatch(rows=len(rows))
        errors, repeats = out.errors, out.repeats
        good: list[tuple] = []
        append = good.append
        first_row: dict[str, int] = {}
        units, dates, genders = self.units, self._dates, _GENDERS
        email_match = EMAIL_RE.fullmatch  # not .match: its "$" would let a trailing newline through
        cells_of = operator.itemgetter(*self.getter_index)  # in the order of _FIELDS
        birth_of = self._birth
        if self.pad:
            rows = [(number, cells + self.pad) for number, cells in rows]
        for k, (number, cells) in enumerate(rows):
            if not k & 255:
                time.sleep(0)  # let the event loop's thread have the GIL now and then
            # -- the fast path: only clean values get through
            try:
                name, idn, phone, email, unit, gender, ethnic, birth, address = cells_of(cells)
                name = name.strip()
                ethnic = ethnic.strip()
                address = address.strip()
                ok = (
                    len(idn) == 18 and idn.isascii() and idn[0] != "0"
                    and (head := idn[:17]).isdigit()
                    and _CHECK[2 * int(head, 13) % 11] == idn[17]  # 13 ≡ 2 (mod 11): GB 11643 weights
                    and ((born := dates.get(idn[6:14])) is not None or (born := birth_of(idn[6:14])) is not None)
                    and name and len(name) <= 100
                    and (unit_id := units.get(unit)) is not None
                    and (gender := genders.get(gender)) is not None
                    and (not phone or (len(phone) == 11 and phone.isdigit() and phone.isascii()
                                       and phone[0] == "1" and phone[1] in "3456789"))
                    and (not email or (len(email) <= 254 and email_match(email) is not None))
                    and (not birth or birth == born[1] or birth == born[2] or birth == born[0])
                    and len(ethnic) <= 32 and len(address) <= 300
                )
            except (TypeError, AttributeError):  # a cell that is not text (an XLSX date or number)
                ok = False
            if ok:
                born = born[0]
                phone = phone or None
                email = email.lower() if email else None
            else:
                checked = self.check_row_slowly(cells)
                if isinstance(checked, str):
                    errors.append(RowError(number, mask_id_numbers_in(checked)))  # a cell may quote a number
                    continue
                idn, name, phone, email, unit_id, gender, ethnic, born, address = checked
            # -- a good row
            if idn in first_row:
                repeats.append((number, first_row[idn]))
                continue
            first_row[idn] = number
            append((number, idn, name, phone, email, gender, ethnic, born, address, unit_id))
        if good:
            numbers, ids, names, phones, emails, genders_, ethnics, borns, addresses, unit_ids = zip(*good)
            hashes, sealed = self.pii.protect_many(ids)
            masked = [i[:4] + _MASK + i[14:] for i in ids]
            names_, name_hashes = self.usernames(ids, masked)
            out.records = list(zip(numbers, names_, names, hashes, sealed, masked,
                                   phones, emails, genders_, ethnics, borns, addresses, unit_ids, name_hashes))
        return out

    def check_row_slowly(self, cells: Sequence[object]) -> str | tuple:
        """The row's normalised values ``(id_number, real_name, phone, email, unit_id, gender,
        ethnicity, birth_date, address)``, or every problem with it in one message."""
        value = {f: ("" if i is None else cells[i]) for f, i in zip(_FIELDS, self.index)}
        text = {f: (v if isinstance(v, str) else ("" if v is None else str(v))).strip() for f, v in value.items()}
        problems: list[str] = []

        name = text["real_name"]
        if not name:
            problems.append("姓名不能为空")
        elif len(name) > _LIMITS["real_name"]:
            problems.append(f"姓名不能超过 {_LIMITS['real_name']} 个字")

        idn = born = None
        if not text["id_number"]:
            problems.append("证件号码不能为空")
        else:
            try:
                idn = validate_id_number(text["id_number"], today=self.today)
                born = id_birth_date(idn)
            except IdentityError as exc:
                numeric = not isinstance(value["id_number"], str) or "e+" in text["id_number"].lower()
                problems.append(str(exc) + ("（证件号码被表格存成了数字，请把该列设为文本格式后重新填写）" if numeric else ""))

        raw_birth = value["birth_date"]
        if isinstance(raw_birth, datetime):
            raw_birth = raw_birth.date()
        if raw_birth not in ("", None):
            given = raw_birth if isinstance(raw_birth, date) else _parse_date(text["birth_date"])
            if given is None:
                problems.append("出生日期格式不正确（应为 YYYY-MM-DD 或 YYYY/MM/DD）")
            elif born is not None and given != born:
                problems.append(f"出生日期 {given.isoformat()} 与证件号码中的出生日期 {born.isoformat()} 不符")

        phone = email = None
        if text["phone"]:
            try:
                phone = validate_phone(text["phone"])
            except IdentityError as exc:
                problems.append(str(exc))
        if text["email"]:
            try:
                email = validate_email(text["email"])
            except IdentityError as exc:
                problems.append(str(exc))

        unit_id = None
        if not text["unit_code"]:
            problems.append("所属单位不能为空")
        else:
            unit_id = self.units.get(text["unit_code"])
            if unit_id is None:
                problems.append(f"所属单位“{text['unit_code']}”不存在（应为本学分银行的单位编码）")

        gender = _GENDERS.get(text["gender"], _GENDERS.get(text["gender"].lower()))
        if gender is None:
            problems.append("性别应为“男”或“女”")
        for key, label in (("ethnicity", "民族"), ("address", "联系地址")):
            if len(text[key]) > _LIMITS[key]:
                problems.append(f"{label}不能超过 {_LIMITS[key]} 个字")

        if problems:
            return "；".join(problems)
        return idn, name, phone, email, unit_id, gender, text["ethnicity"], born, text["address"]


def _parse_date(text: str) -> date | None:
    """``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD``, ``YYYY年M月D日`` (months and days may lack
    the zero), ``YYYYMMDD``, or an Excel serial day number written as text."""
    if "年" in text:
        text = text.replace("年", "-").replace("月", "-").replace("日", "")
    try:
        for sep in "-/.":
            if sep in text:
                year, month, day = text.split(" ")[0].split(sep)
                return date(int(year), int(month), int(day))
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if text.isdigit() and 1 <= int(text) < 2958466:  # Excel's serial days, 1900 system
            return date.fromordinal(date(1899, 12, 30).toordinal() + int(text))
    except ValueError:
        return None
    return None


def _username_maker(template: str, pii: PiiProtector) -> Callable[[Sequence[str], Sequence[str]],
                                                                   tuple[list[str], list[str | None]]]:
    """``usernames.protect_many`` of ``template.format(id_number=…)`` for many ID numbers, given
    them and their masked forms — as plain concatenation and one batch of HMACs when the
    template is ``prefix{id_number}suffix`` and that gives the same for sample numbers."""

    def careful(ids: Sequence[str], masked: Sequence[str]) -> tuple[list[str], list[str | None]]:
        return usernames.protect_many(pii, [template.format(id_number=i) for i in ids])

    prefix, sep, suffix = template.partition("{id_number}")
    if not sep or any(c in prefix + suffix for c in "{}"):
        return careful
    label = usernames.HASH_LABEL + prefix

    def fast(ids: Sequence[str], masked: Sequence[str]) -> tuple[list[str], list[str | None]]:
        return ([prefix + m + suffix for m in masked] if prefix or suffix else list(masked),
                pii.lookup_hashes([label + i + suffix for i in ids]))

    samples = ["11010519491231002X", "110105194912310011"]
    sample_masks = [i[:4] + _MASK + i[14:] for i in samples]
    return fast if fast(samples, sample_masks) == careful(samples, sample_masks) else careful


# ---------------------------------------------------------------------------------------------
# Counting and reporting


@dataclass
class _Outcome:
    """What became of a written batch: how many accounts landed, and for each record that did
    not land, ``None`` (skipped: the ID number was there before) or why it failed."""

    landed: int
    not_landed: dict[int, str | None] = field(default_factory=dict)


class _Progress:
    def __init__(self, job_id: int, summary: ImportSummary, on_error: Callable[[RowError], None] | None) -> None:
        self.job_id = job_id
        self.summary = summary
        self.on_error = on_error
        self.estimate = 0
        self.done = 0
        self._stored_errors = 0

    async def absorb(self, batch: CheckedBatch, outcome: _Outcome) -> None:
        summary = self.summary
        errors = list(batch.errors)
        skipped = 0
        for row, reason in outcome.not_landed.items():
            if reason is None:
                skipped += 1
            else:
                errors.append(RowError(row, reason))
        for row, first in batch.repeats:
            if first in outcome.not_landed and outcome.not_landed[first] is None:
                skipped += 1  # the first occurrence existed already: so does this one
            else:
                errors.append(RowError(row, f"证件号码与第 {first} 行重复"))
        errors.sort(key=lambda e: e.row)
        summary.total += batch.rows
        summary.created += outcome.landed
        summary.skipped += skipped
        summary.failed += len(errors)
        room = MAX_STORED_ERRORS - len(summary.errors)
        if room > 0:
            summary.errors.extend(errors[:room])
        if self.on_error:
            for error in errors:
                self.on_error(error)
        self.done = summary.total
        values = {"total": max(self.estimate, summary.total), "done": summary.total,
                  "failed": summary.failed, "created": summary.created}
        if len(summary.errors) != self._stored_errors:
            values["errors"] = msgspec.json.encode(summary.errors).decode()
            self._stored_errors = len(summary.errors)
        await _update_job(self.job_id, **values)

    async def finish(self, status: str, message: str) -> None:
        summary = self.summary
        await _update_job(
            self.job_id, status=status, message=mask_id_numbers_in(message), total=summary.total, done=summary.total,
            failed=summary.failed, created=summary.created,
            errors=msgspec.json.encode(summary.errors).decode(), finished_at=utcnow(),
        )


async def _update_job(job_id: int, **values) -> None:
    # Every write of the job row is a heartbeat too (on SQLite the only one: core.imports.jobs).
    values.setdefault("heartbeat_at", utcnow())
    await ImportJob.update({getattr(ImportJob, k): v for k, v in values.items()}).where(ImportJob.id == job_id)


# ---------------------------------------------------------------------------------------------
# Writing batches

_ACCOUNT_COLUMNS = ("tenant_id", "kind", "username", "username_hash", "status", "real_name", "id_number_hash", "id_number_enc",
                    "id_number_masked", "phone", "email", "gender", "ethnicity", "nationality", "birth_date",
                    "address", "region", "profile", "unit_id", "source", "failed_logins", "created_at", "updated_at")
_STAGE_COLUMNS = ("row_no", "username", "real_name", "id_hash", "id_enc", "id_masked", "phone", "email",
                  "gender", "ethnicity", "birth_date", "address", "unit_id", "username_hash")
_STAGE = "creditbank_learner_stage"


class _Writer(abc.ABC):
    one_writer = False  # True where a write transaction locks the database (the job row too)
    in_flight = 1  # batches handed over before the oldest is waited for

    @abc.abstractmethod
    def submit(self, batch: CheckedBatch) -> asyncio.Future[_Outcome]:
        """Start writing ``batch`` in the background; the future says what landed."""

    async def __aenter__(self) -> _Writer:
        return self

    async def __aexit__(self, *exc) -> None:
        return None


def _writer(tenant_id: int, job_id: int) -> _Writer:
    engine = Account._meta.db
    if engine.engine_type == "postgres":
        return _PostgresWriter(engine, tenant_id, job_id)
    return _SQLiteWriter(engine.path, tenant_id, job_id)


def _profile(job_id: int, row: int) -> str:
    return f'{{"import_job": {job_id}, "import_row": {row}}}'


def _reason(found: bool, import_job: object, import_row: object, job_id: int) -> str | None:
    """Why a record did not land: ``None`` if its ID number was in the tenant before this job
    (skipped), else the message of the failed row."""
    if not found:
        return "按本省规则生成的用户名已被其他账号占用，请联系管理员"
    if str(import_job) == str(job_id) and import_row is not None:
        return f"证件号码与第 {import_row} 行重复"
    return None


class _PostgresLane:
    """One connection writing its share of each batch, one transaction per batch.

    While no row conflicts, the share is COPYed straight into ``account``. When that hits a
    unique violation (the ID number or the username exists), the share goes through the
    staging table and ``INSERT … ON CONFLICT DO NOTHING`` instead, and later batches keep
    going that way until one of them comes through without a conflict.
    """

    def __init__(self, tenant_id: int, job_id: int) -> None:
        self.tenant_id = tenant_id
        self.job_id = job_id
        self.direct = True
        self.conn = None
        self._release: Callable[[], Awaitable[None]] | None = None
        self._tail: asyncio.Future[_Outcome] | None = None

    def queue(self, records: list[tuple], now: datetime) -> asyncio.Future[_Outcome]:
        """Write ``records`` once every share queued before on this lane is written; not at
        all if one of those failed (the import stops there)."""
        self._tail = asyncio.ensure_future(self._after(self._tail, records, now))
        return self._tail

    async def _after(self, previous: asyncio.Future[_Outcome] | None, records: list[tuple],
                     now: datetime) -> _Outcome:
        if previous is not None:
            await asyncio.wait([previous])  # (not cancelled along with this one)
            if previous.cancelled() or previous.exception() is not None:
                raise RuntimeError("前一批未能写入，导入停止")
        return await self.write(records, now)

    async def open(self, engine) -> None:
        # One server session for the whole import (the staging table lives in it), direct to
        # the server when the engine goes through a transaction pooler.
        session = db.session_connection(engine)
        self.conn = await session.__aenter__()
        self._release = lambda: session.__aexit__(None, None, None)
        await self.conn.execute(f"""
            DROP TABLE IF EXISTS pg_temp.{_STAGE};
            CREATE TEMP TABLE {_STAGE} (
                row_no integer, username text, real_name text, id_hash text, id_enc text,
                id_masked text, phone text, email text, gender text, ethnicity text,
                birth_date date, address text, unit_id integer, username_hash text
            ) ON COMMIT DELETE ROWS""")

    async def close(self) -> None:
        if self.conn is None:
            return
        try:
            if not self.conn.is_closed():
                await self.conn.execute(f"DROP TABLE IF EXISTS pg_temp.{_STAGE}")
        except (asyncpg.PostgresError, asyncpg.InterfaceError):
            pass  # the table goes with the session anyway, and the next import drops it first
        finally:
            await self._release()
            self.conn = None

    async def write(self, records: list[tuple], now: datetime) -> _Outcome:
        """Write ``records`` in one transaction. Another import writing the same ID numbers
        at the same time can deadlock with this one: the loser's batch is rolled back and
        written again."""
        for attempt in range(1, 4):
            try:
                return await self._write(records, now)
            except asyncpg.DeadlockDetectedError:
                if attempt == 3:
                    raise
                log.warning("导入任务 %s：写入死锁，第 %s 次重试", self.job_id, attempt)
                await asyncio.sleep(0.1 * attempt)
        raise AssertionError("unreachable")

    async def _write(self, records: list[tuple], now: datetime) -> _Outcome:
        conn = self.conn
        async with conn.transaction():
            if self.direct:
                try:
                    async with conn.transaction():  # a savepoint
                        await conn.copy_records_to_table("account", records=self._accounts(records, now),
                                                         columns=_ACCOUNT_COLUMNS)
                    await self._count(conn, [r[12] for r in records], now)
                    return _Outcome(len(records))
                except asyncpg.UniqueViolationError:
                    pass
            await conn.copy_records_to_table(_STAGE, records=records, columns=_STAGE_COLUMNS, schema_name="pg_temp")
            landed = [r["unit_id"] for r in await conn.fetch(_PG_MERGE, self.tenant_id, self.job_id, now)]
            await self._count(conn, landed, now)
            outcome = _Outcome(len(landed))
            if outcome.landed < len(records):
                for row in await conn.fetch(_PG_NOT_LANDED, self.tenant_id, str(self.job_id)):
                    outcome.not_landed[row["row_no"]] = _reason(row["found"], row["import_job"], row["import_row"], self.job_id)
        self.direct = not outcome.not_landed
        return outcome

    async def _count(self, conn, unit_ids: list[int | None], now: datetime) -> None:
        """The unit report's counters for the learners that landed: one statement per batch."""
        if unit_ids:
            rows = counters.batch_rows(self.tenant_id, "learners", now, ((u, "", "") for u in unit_ids))
            await conn.execute(counters.UPSERT_ARRAYS_PG, *counters.as_arrays(rows))

    def _accounts(self, records: list[tuple], now: datetime) -> list[tuple]:
        tenant_id, job_id = self.tenant_id, self.job_id
        return [
            (tenant_id, "learner", r[1], r[13], "imported", r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], "", r[10],
             r[11], "", _profile(job_id, r[0]), r[12], "import", 0, now, now)
            for r in records
        ]


_PG_MERGE = f"""
INSERT INTO account (tenant_id, kind, username, username_hash, status, real_name, id_number_hash, id_number_enc,
    id_number_masked, phone, email, gender, ethnicity, nationality, birth_date, address, region,
    profile, unit_id, source, failed_logins, created_at, updated_at)
SELECT $1, 'learner', s.username, s.username_hash, 'imported', s.real_name, s.id_hash, s.id_enc,
    s.id_masked, s.phone, s.email, s.gender, s.ethnicity, '', s.birth_date, s.address, '',
    json_build_object('import_job', $2::integer, 'import_row', s.row_no), s.unit_id, 'import', 0, $3, $3
FROM pg_temp.{_STAGE} s
ON CONFLICT DO NOTHING
RETURNING unit_id
"""

# The staged rows whose account is not the one they created; a.id is null when nothing has
# the ID number, so it was the username that was taken.
_PG_NOT_LANDED = f"""
SELECT s.row_no, a.id IS NOT NULL AS found,
       a.profile ->> 'import_job' AS import_job, a.profile ->> 'import_row' AS import_row
FROM pg_temp.{_STAGE} s
LEFT JOIN account a ON a.tenant_id = $1 AND a.id_number_hash = s.id_hash
WHERE a.id IS NULL
   OR (a.profile ->> 'import_job') IS DISTINCT FROM $2
   OR (a.profile ->> 'import_row') IS DISTINCT FROM s.row_no::text
"""


class _PostgresWriter(_Writer):
    """Splits each batch among ``LANES`` connections by lookup hash, so that all rows with one
    ID number go through one lane, in row order; the lanes write at the same time, each at
    its own pace (a lane starts on the next batch as soon as its share of this one is in)."""

    in_flight = 2

    def __init__(self, engine, tenant_id: int, job_id: int, lanes: int | None = None) -> None:
        self.engine = engine
        self.lanes = [_PostgresLane(tenant_id, job_id) for _ in range(max(1, lanes or LANES))]

    async def __aenter__(self) -> _PostgresWriter:
        try:
            for lane in self.lanes:
                await lane.open(self.engine)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc) -> None:
        for lane in self.lanes:
            await lane.close()

    def submit(self, batch: CheckedBatch) -> asyncio.Future[_Outcome]:
        n = len(self.lanes)
        shares: list[list[tuple]] = [[] for _ in range(n)]
        if n == 1:
            shares[0] = batch.records
        else:
            for record in batch.records:
                shares[int(record[3][:4], 16) % n].append(record)
        now = utcnow()
        return asyncio.ensure_future(_gather_outcomes(
            [lane.queue(share, now) for lane, share in zip(self.lanes, shares) if share]))


async def _gather_outcomes(writes: list[Awaitable[_Outcome]]) -> _Outcome:
    """Wait for every lane, even when one fails (each commits or rolls back on its own)."""
    results = await asyncio.gather(*writes, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    total = _Outcome(0)
    for result in results:
        total.landed += result.landed
        total.not_landed.update(result.not_landed)
    return total


class _SQLiteWriter(_Writer):
    """``INSERT OR IGNORE`` through the standard ``sqlite3`` module, one transaction per batch,
    run in a worker thread."""

    one_writer = True

    def __init__(self, path: str, tenant_id: int, job_id: int) -> None:
        self.path = path
        self.tenant_id = tenant_id
        self.job_id = job_id
        self.conn: sqlite3.Connection | None = None

    async def __aenter__(self) -> _SQLiteWriter:
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def submit(self, batch: CheckedBatch) -> asyncio.Future[_Outcome]:
        return asyncio.ensure_future(asyncio.to_thread(self._write, batch.records))

    def _write(self, records: list[tuple]) -> _Outcome:
        conn = self.conn
        moment = utcnow()
        now = str(moment)
        tenant_id, job_id = self.tenant_id, self.job_id
        rows = [
            (tenant_id, r[1], r[13], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10].isoformat(), r[11],
             _profile(job_id, r[0]), r[12], now, now)
            for r in records
        ]
        conn.execute("BEGIN IMMEDIATE")
        try:
            landed = conn.executemany(_SQLITE_INSERT, rows).rowcount if rows else 0
            outcome = _Outcome(landed)
            if landed < len(records):
                self._classify(records, outcome)
            if landed:  # the unit report's counters: one grouped statement for the batch
                units = [u for (u,) in conn.execute(
                    "SELECT unit_id FROM account WHERE tenant_id = ? AND created_at = ?"
                    " AND json_extract(profile, '$.import_job') = ?", (tenant_id, now, job_id))]
                conn.executemany(counters.UPSERT_ROW_SQLITE, counters.as_sqlite(
                    counters.batch_rows(tenant_id, "learners", moment, ((u, "", "") for u in units))))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return outcome

    def _classify(self, records: list[tuple], outcome: _Outcome) -> None:
        found: dict[str, str] = {}
        for start in range(0, len(records), 500):
            hashes = [r[3] for r in records[start:start + 500]]
            marks = ",".join("?" * len(hashes))
            found.update(self.conn.execute(
                f"SELECT id_number_hash, profile FROM account WHERE tenant_id = ? AND id_number_hash IN ({marks})",
                [self.tenant_id, *hashes]).fetchall())
        for record in records:
            row, digest = record[0], record[3]
            if digest not in found:
                outcome.not_landed[row] = _reason(False, None, None, self.job_id)
                continue
            try:
                profile = json.loads(found[digest] or "{}")
            except ValueError:
                profile = None
            if not isinstance(profile, dict):
                profile = {}
            import_job, import_row = profile.get("import_job"), profile.get("import_row")
            if import_job == self.job_id and import_row == row:
                continue  # it landed
            outcome.not_landed[row] = _reason(True, import_job, import_row, self.job_id)


_SQLITE_INSERT = """
INSERT OR IGNORE INTO account (tenant_id, kind, username, username_hash, status, real_name, id_number_hash,
    id_number_enc, id_number_masked, phone, email, gender, ethnicity, nationality, birth_date,
    address, region, profile, unit_id, password_hash, source, failed_logins, created_at, updated_at)
VALUES (?, 'learner', ?, ?, 'imported', ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, '', ?, ?, NULL, 'import', 0, ?, ?)
"""
