"""Service-network reports over HTTP, for staff: figures per child unit (JSON, CSV, XLSX, an
SVG bar chart), the overdue reviews of a subtree, and the reviewers' workload."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from core.reports import chart, export, service, workload
from core.reports.schemas import OverduePage, UnitReport, WorkloadReport
from core.security.auth import provide_principal, provide_staff
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.downloads import download

Unit = Annotated[str | None, QueryParameter(max_length=64, description="单位编码；缺省为本人管理范围最大的单位")]
DateFrom = Annotated[str | None, QueryParameter(name="from", max_length=10, description="开始日期 YYYY-MM-DD（含）")]
DateTo = Annotated[str | None, QueryParameter(name="to", max_length=10, description="结束日期 YYYY-MM-DD（含）")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportController(Controller):
    path = "/admin/reports"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/units", summary="各下级单位统计：学习者、各类成果、各状态申请、逾期未审（format=csv|xlsx 导出）")
    async def units(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal], unit: Unit = None,
        date_from: DateFrom = None, date_to: DateTo = None,
        fmt: Annotated[Literal["json", "csv", "xlsx"], QueryParameter(name="format")] = "json",
    ) -> UnitReport:
        report = await service.unit_report(tenant, actor, unit, date_from, date_to)
        if fmt == "csv":
            return download(export.to_csv(report), "text/csv; charset=utf-8", export.filename(report, "csv"))
        if fmt == "xlsx":
            return download(export.to_xlsx(report, tenant.name), XLSX, export.filename(report, "xlsx"))
        return report

    @get("/units.svg", summary="各下级单位统计条形图（SVG）：measure=learners|achievements|applications|overdue")
    async def units_chart(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal], unit: Unit = None,
        date_from: DateFrom = None, date_to: DateTo = None,
        measure: Annotated[str, QueryParameter(max_length=20)] = "achievements",
        category: Annotated[str | None, QueryParameter(max_length=64, description="只统计该类成果")] = None,
    ) -> Response[str]:
        report = await service.unit_report(tenant, actor, unit, date_from, date_to)
        svg = chart.bar_chart(report, tenant.name, measure, category)
        return Response(svg, media_type="image/svg+xml; charset=utf-8")

    @get("/overdue", summary="逾期未审：已过审核期限仍未办结的申请与成果存储审核，按负责单位列出")
    async def overdue(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal], unit: Unit = None,
        date_from: DateFrom = None, date_to: DateTo = None,
        cursor: Annotated[str | None, QueryParameter(max_length=1100)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> OverduePage:
        return await service.overdue_report(tenant, actor, unit, date_from, date_to, cursor=cursor, limit=limit)

    @get("/workload", summary="工作量统计：各审核单位、各审核人已审核数、用时中位数与90%分位（工作日）、当前逾期，按申请类型和环节（format=csv|xlsx 导出）")
    async def workload(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal], unit: Unit = None,
        date_from: DateFrom = None, date_to: DateTo = None,
        fmt: Annotated[Literal["json", "csv", "xlsx"], QueryParameter(name="format")] = "json",
    ) -> WorkloadReport:
        report = await workload.workload_report(tenant, actor, unit, date_from, date_to)
        if fmt == "csv":
            return download(export.workload_csv(report), "text/csv; charset=utf-8",
                              export.workload_filename(report, "csv"))
        if fmt == "xlsx":
            return download(export.workload_xlsx(report, tenant.name), XLSX, export.workload_filename(report, "xlsx"))
        return report

    @get("/workload.svg", summary="工作量统计条形图（SVG）：measure=decided|overdue，按审核单位")
    async def workload_chart(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal], unit: Unit = None,
        date_from: DateFrom = None, date_to: DateTo = None,
        measure: Annotated[str, QueryParameter(max_length=20)] = "decided",
    ) -> Response[str]:
        report = await workload.workload_report(tenant, actor, unit, date_from, date_to)
        return Response(chart.workload_chart(report, tenant.name, measure), media_type="image/svg+xml; charset=utf-8")
