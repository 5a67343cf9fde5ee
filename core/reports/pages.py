"""The report pages of the staff portal (统计): the figures per child unit as a table with the
bar chart drawn inline and links to the CSV and XLSX exports, drilling down unit by unit; the
overdue reviews of a subtree; the reviewers' workload."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from core.hierarchy import service as hierarchy
from core.hierarchy.unit_picker import staff_scope, unit_options
from core.reports import chart, export, service, workload
from core.reports.api import XLSX
from core.reports.export import period, row_label
from core.reports.service import REPORT_ROLES, ReportError
from core.web.downloads import download
from core.web.portal import Portal, errors_of, page

Text = Annotated[str | None, QueryParameter(max_length=64)]
DateFrom = Annotated[str | None, QueryParameter(name="from", max_length=10)]
DateTo = Annotated[str | None, QueryParameter(name="to", max_length=10)]


def _query(**params: str | None) -> str:
    return urlencode({k: v for k, v in params.items() if v})


async def _units(portal: Portal, viewer) -> list[tuple[str, str]] | None:
    """The units the report's unit picker lists: those the viewer may report on."""
    return await unit_options(portal.tenant.id, staff_scope(viewer, service.REPORT_ROLES))


class ReportPages(Controller):
    path = "/staff/reports"
    include_in_schema = False

    @get("/")
    async def units(self, portal: NamedDependency[Portal], unit: Text = None, date_from: DateFrom = None,
                    date_to: DateTo = None, measure: Text = None, category: Text = None) -> Response:
        viewer = portal.require_staff("reports.read")
        form = {"unit": unit or "", "from": date_from or "", "to": date_to or ""}
        try:
            report = await service.unit_report(portal.tenant, viewer, unit, date_from, date_to)
            svg = chart.bar_chart(report, portal.tenant.name, measure or "achievements", category)
        except ReportError as exc:
            if exc.status != 400:
                raise
            return page("reports/units.html", portal, status=400, title="统计", report=None, form=form,
                        errors=errors_of(exc), unit_options=await _units(portal, viewer))
        form["unit"] = report.unit.code
        dates = {"from": form["from"], "to": form["to"]}
        here = portal.url("staff/reports")
        api = portal.url("staff/reports/export")  # the portal's own routes: the API takes no cookie
        unit_code = report.unit.code
        # Up the tree as far as the viewer may look: the units above, from the top down.
        detail = await hierarchy.get_unit(portal.tenant.id, unit_code, portal.tenant.hooks.org_levels)
        ancestors, path = [], "/"
        for above in detail.ancestors if detail else []:
            path += f"{above.code}/"
            if viewer.covers(path, *REPORT_ROLES):
                ancestors.append(above)
        shown = (measure or "achievements", category)
        measures = [("learners", None, "学习者"), ("achievements", None, "成果"),
                    *(("achievements", c.code, c.label) for c in report.categories),
                    ("applications", None, "申请"), ("overdue", None, "逾期未审")]
        return page(
            "reports/units.html", portal, title=f"统计：{report.unit.name}", report=report, form=form, svg=svg,
            period=period(report), row_label=row_label, ancestors=ancestors,
            drill=lambda code: f"{here}?{_query(unit=code, **dates)}",
            exports=[("CSV", f"{api}?{_query(unit=unit_code, format='csv', **dates)}"),
                     ("Excel（XLSX）", f"{api}?{_query(unit=unit_code, format='xlsx', **dates)}"),
                     ("SVG 图", f"{portal.url('staff/reports/chart.svg')}?"
                               f"{_query(unit=unit_code, measure=shown[0], category=category, **dates)}")],
            measures=[(label, f"{here}?{_query(unit=unit_code, measure=m, category=c, **dates)}", (m, c) == shown)
                      for m, c, label in measures],
            overdue_url=f"{portal.url('staff/reports/overdue')}?{_query(unit=unit_code, **dates)}",
            unit_options=await _units(portal, viewer))

    @get("/export")
    async def export(self, portal: NamedDependency[Portal], unit: Text = None, date_from: DateFrom = None,
                     date_to: DateTo = None,
                     fmt: Annotated[Literal["csv", "xlsx"], QueryParameter(name="format")] = "csv") -> Response:
        """The figures as CSV or XLSX (as ``GET /api/v1/admin/reports/units?format=`` gives them)."""
        viewer = portal.require_staff("reports.read")
        report = await service.unit_report(portal.tenant, viewer, unit, date_from, date_to)
        if fmt == "xlsx":
            return download(export.to_xlsx(report, portal.tenant.name), XLSX, export.filename(report, "xlsx"))
        return download(export.to_csv(report), "text/csv; charset=utf-8", export.filename(report, "csv"))

    @get("/chart.svg")
    async def chart_file(self, portal: NamedDependency[Portal], unit: Text = None, date_from: DateFrom = None,
                         date_to: DateTo = None, measure: Annotated[str, QueryParameter(max_length=20)] = "achievements",
                         category: Text = None) -> Response:
        viewer = portal.require_staff("reports.read")
        report = await service.unit_report(portal.tenant, viewer, unit, date_from, date_to)
        return Response(chart.bar_chart(report, portal.tenant.name, measure, category),
                        media_type="image/svg+xml; charset=utf-8")

    @get("/overdue")
    async def overdue(self, portal: NamedDependency[Portal], unit: Text = None, date_from: DateFrom = None,
                      date_to: DateTo = None, cursor: Annotated[str | None, QueryParameter(max_length=1100)] = None
                      ) -> Response:
        viewer = portal.require_staff("reports.read")
        result = await service.overdue_report(portal.tenant, viewer, unit, date_from, date_to, cursor=cursor, limit=50)
        dates = {"from": date_from, "to": date_to}
        later = _query(unit=result.unit.code, cursor=result.next_cursor, **dates)
        return page(
            "reports/overdue.html", portal, title=f"逾期未审：{result.unit.name}", result=result,
            back=f"{portal.url('staff/reports')}?{_query(unit=result.unit.code, **dates)}",
            next_url=f"{portal.url('staff/reports/overdue')}?{later}" if result.next_cursor else None)

    @get("/workload")
    async def workload(self, portal: NamedDependency[Portal], unit: Text = None, date_from: DateFrom = None,
                       date_to: DateTo = None) -> Response:
        viewer = portal.require_staff("reports.read")
        form = {"unit": unit or "", "from": date_from or "", "to": date_to or ""}
        try:
            report = await workload.workload_report(portal.tenant, viewer, unit, date_from, date_to)
        except ReportError as exc:
            if exc.status != 400:
                raise
            return page("reports/workload.html", portal, status=400, title="工作量统计", report=None, form=form,
                        errors=errors_of(exc), unit_options=await _units(portal, viewer))
        form["unit"] = report.unit.code
        dates = {"from": form["from"], "to": form["to"]}
        api = portal.url("staff/reports/workload/export")  # the portal's own route: the API takes no cookie
        return page(
            "reports/workload.html", portal, title=f"工作量统计：{report.unit.name}", report=report, form=form,
            period=period(report), svg=chart.workload_chart(report, portal.tenant.name),
            exports=[("CSV", f"{api}?{_query(unit=report.unit.code, format='csv', **dates)}"),
                     ("Excel（XLSX）", f"{api}?{_query(unit=report.unit.code, format='xlsx', **dates)}")],
            units_url=f"{portal.url('staff/reports')}?{_query(unit=report.unit.code, **dates)}",
            unit_options=await _units(portal, viewer))

    @get("/workload/export")
    async def workload_export(self, portal: NamedDependency[Portal], unit: Text = None, date_from: DateFrom = None,
                              date_to: DateTo = None,
                              fmt: Annotated[Literal["csv", "xlsx"], QueryParameter(name="format")] = "csv") -> Response:
        """The workload as CSV or XLSX (as ``GET /api/v1/admin/reports/workload?format=`` gives it)."""
        viewer = portal.require_staff("reports.read")
        report = await workload.workload_report(portal.tenant, viewer, unit, date_from, date_to)
        if fmt == "xlsx":
            return download(export.workload_xlsx(report, portal.tenant.name), XLSX,
                              export.workload_filename(report, "xlsx"))
        return download(export.workload_csv(report), "text/csv; charset=utf-8", export.workload_filename(report, "csv"))
