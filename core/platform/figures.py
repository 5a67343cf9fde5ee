"""The console's figures per tenant over a period: learners who joined, outcomes stored,
applications submitted (by status now), reviews overdue, proofs issued — counts only, no
personal data.

One aggregate statement per figure, grouped by ``tenant_id`` across every tenant (never a
query per tenant). Days are China's, both ends included, as in the tenants' own reports
(``core.reports.service.parse_range``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import msgspec

from core.clock import utcnow
from core.reports.chart import draw
from core.reports.service import _created_between, parse_range
from core.reviews.service import STATUS_LABELS
from core.tabular import csv_bytes
from core.tenancy.tables import Tenant
from core.workdays import local_midnight

DEFAULT_DAYS = 30
MEASURES = {"learners": ("新增学习者", "人"), "achievements": ("新增成果", "项"), "applications": ("提交的申请", "件"),
            "overdue": ("逾期未审", "件"), "proofs": ("出具的证明", "份")}


class TenantFigures(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    status: str
    learners: int
    achievements: int
    applications: dict[str, int]  # status → count of the applications submitted in the period
    overdue: int  # open reviews whose current step was due before the period's end (or now)
    proofs: int

    @property
    def applications_total(self) -> int:
        return sum(self.applications.values())


class FiguresOut(msgspec.Struct, kw_only=True):
    date_from: date
    date_to: date
    generated_at: datetime
    tenants: list[TenantFigures]
    totals: TenantFigures


def period(date_from: str | None, date_to: str | None, today: date | None = None) -> tuple[date, date]:
    """The period asked for; by default the last ``DEFAULT_DAYS`` days up to today (China)."""
    start, end = parse_range(date_from, date_to)
    today = today or (utcnow() + timedelta(hours=8)).date()
    end = end or today
    return start or min(end, today) - timedelta(days=DEFAULT_DAYS - 1), end


async def _counts(sql: str, args: list) -> dict[int, int]:
    return {r["tenant_id"]: int(r["n"]) for r in await Tenant.raw(sql + " GROUP BY tenant_id", *args)}


async def tenant_figures(span: tuple[date, date]) -> FiguresOut:
    start, end = span
    tenants = await Tenant.select(Tenant.id, Tenant.slug, Tenant.name, Tenant.status).order_by(Tenant.slug)
    between = {column: _created_between(column, start, end) for column in ("created_at", "issued_at")}
    created, created_args = between["created_at"]
    learners = await _counts(f"SELECT tenant_id, COUNT(*) AS n FROM account WHERE kind = 'learner'{created}", created_args)
    achievements = await _counts(f"SELECT tenant_id, COUNT(*) AS n FROM achievement WHERE 1 = 1{created}", created_args)
    issued, issued_args = between["issued_at"]
    proofs = await _counts(f"SELECT tenant_id, COUNT(*) AS n FROM proof WHERE 1 = 1{issued}", issued_args)
    cutoff = min(local_midnight(end + timedelta(days=1)), utcnow())
    overdue = await _counts("SELECT tenant_id, COUNT(*) AS n FROM application WHERE status IN ('submitted', 'in_review') "
                            "AND step_due_at IS NOT NULL AND step_due_at < {}", [cutoff])
    applications: dict[int, dict[str, int]] = {}
    for r in await Tenant.raw("SELECT tenant_id, status, COUNT(*) AS n FROM application WHERE 1 = 1" + created
                              + " GROUP BY tenant_id, status", *created_args):
        applications.setdefault(r["tenant_id"], {})[r["status"]] = int(r["n"])
    rows = [TenantFigures(slug=t["slug"], name=t["name"], status=t["status"], learners=learners.get(t["id"], 0),
                          achievements=achievements.get(t["id"], 0), applications=applications.get(t["id"], {}),
                          overdue=overdue.get(t["id"], 0), proofs=proofs.get(t["id"], 0)) for t in tenants]
    totals = TenantFigures(
        slug="", name="合计", status="", learners=sum(r.learners for r in rows), achievements=sum(r.achievements for r in rows),
        applications={s: sum(r.applications.get(s, 0) for r in rows) for s in STATUS_LABELS},
        overdue=sum(r.overdue for r in rows), proofs=sum(r.proofs for r in rows))
    return FiguresOut(date_from=start, date_to=end, generated_at=utcnow(), tenants=rows, totals=totals)


def value(row: TenantFigures, measure: str) -> int:
    return row.applications_total if measure == "applications" else getattr(row, measure)


def chart(report: FiguresOut, measure: str) -> str:
    """A bar per tenant of ``measure`` (``MEASURES``), drawn by the reports' own chart."""
    label, unit = MEASURES[measure]
    bars = [(r.slug, r.name, value(r, measure)) for r in report.tenants]
    span = f"{report.date_from:%Y-%m-%d} 至 {report.date_to:%Y-%m-%d}"
    total = sum(b[2] for b in bars)
    summary = f"横向条形图，{len(bars)} 个学分银行各一条，横轴为{label}数（{unit}）；合计 {total:,} {unit}。"
    return draw(f"各学分银行{label}（{span}）", summary, bars, f"{label}数（{unit}）", unit, "学分银行")


def csv_download(report: FiguresOut) -> bytes:
    """The table as a CSV that opens in Excel (``core.tabular``: UTF-8 with BOM, no formulas)."""
    statuses = list(STATUS_LABELS.items())
    header = ["学分银行", "标识", "新增学习者", "新增成果", "提交的申请", *(f"申请·{label}" for _, label in statuses),
              "逾期未审", "出具的证明"]
    rows = [[r.name, r.slug, r.learners, r.achievements, r.applications_total,
             *(r.applications.get(s, 0) for s, _ in statuses), r.overdue, r.proofs]
            for r in [*report.tenants, report.totals]]
    rows.append([f"统计期间：{report.date_from:%Y-%m-%d} 至 {report.date_to:%Y-%m-%d}（含首尾两日，北京时间）"])
    return csv_bytes(header, rows)
