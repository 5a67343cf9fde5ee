"""The reports as SVG bar charts, written by hand: one horizontal bar per child unit (or per reviewing unit),
unit names on the vertical axis, the figure on the horizontal axis with its unit of measure;
a ``<title>`` and ``<desc>`` say in words what it shows, for screen readers and for anyone
who cannot see the picture. No script, no external resources."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from core.reports.export import period
from core.reports.schemas import UnitReport, UnitRow, WorkloadReport
from core.reports.service import ReportError

MEASURES = {
    "learners": ("学习者", "人"),
    "achievements": ("成果", "项"),
    "applications": ("申请", "件"),
    "overdue": ("逾期未审", "件"),
}
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
BAR_COLOUR = "#2f6db5"

WIDTH = 860
BAR = 22  # bar thickness, px
GAP = 12
TOP = 64  # heading and the space above the first bar
BOTTOM = 64  # ticks and the axis title under the bars
PLOT_MIN = 240
LABEL_ROOM = 300  # widest unit name, px; longer ones are cut short


def text_width(text: str, size: float) -> float:
    """A rough advance width: a CJK character is one em, anything else about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else 0.6 * size for ch in text)


def fit(text: str, size: float, room: float) -> str:
    """``text``, cut short with an ellipsis where it is wider than ``room``."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def nice_ticks(top: int) -> list[int]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2 or 5 × 10ⁿ, about five."""
    if top <= 0:
        return [0, 1]
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, (math.ceil(top / step) + 1) * step, step))


def value_of(row: UnitRow, measure: str, category: str | None) -> int:
    if measure == "achievements" and category:
        return row.categories.get(category, 0)
    return int(getattr(row, measure))


def measure_label(report: UnitReport, measure: str, category: str | None) -> tuple[str, str]:
    """(what is counted, its unit), e.g. ("社会培训成果", "项")."""
    if measure not in MEASURES:
        raise ReportError(f"统计指标应为：{'、'.join(MEASURES)}", 400, extra={"field": "measure"})
    label, unit = MEASURES[measure]
    if category:
        found = next((c for c in report.categories if c.code == category), None)
        if measure != "achievements" or found is None:
            raise ReportError(f"成果类别 {category} 不存在", 400, extra={"field": "category"})
        label = found.label
    return label, unit


def bar_chart(report: UnitReport, tenant_name: str, measure: str = "achievements", category: str | None = None) -> str:
    """The chart of ``measure`` (``learners``, ``achievements``, ``applications``, ``overdue``;
    ``category`` narrows outcomes to one category) per child unit of the report."""
    label, unit = measure_label(report, measure, category)
    rows = report.rows
    title = f"{report.unit.name}各下级单位{label}数（{period(report)}）"
    own = value_of(report.own, measure, category)
    total = value_of(report.total, measure, category)
    if rows:
        top_row = max(rows, key=lambda r: value_of(r, measure, category))
        summary = (f"横向条形图，{len(rows)} 个下级单位各一条，横轴为{label}数（{unit}）。"
                   f"最多的是{top_row.name}，{value_of(top_row, measure, category):,} {unit}；"
                   f"本级 {own:,} {unit}，合计 {total:,} {unit}。")
    else:
        summary = f"{report.unit.name}没有下级单位；本级 {own:,} {unit}，合计 {total:,} {unit}。"
    return draw(title, f"{tenant_name}。{summary}", [(r.code or "", r.name, value_of(r, measure, category)) for r in rows],
                f"{label}数（{unit}）", unit, "下级单位")


WORKLOAD_MEASURES = {"decided": ("已审核", "件"), "overdue": ("当前逾期", "件")}


def workload_chart(report: WorkloadReport, tenant_name: str, measure: str = "decided") -> str:
    """Decisions (or reviews overdue now) per responsible unit of the workload report, all
    kinds and steps together."""
    if measure not in WORKLOAD_MEASURES:
        raise ReportError(f"统计指标应为：{'、'.join(WORKLOAD_MEASURES)}", 400, extra={"field": "measure"})
    label, unit = WORKLOAD_MEASURES[measure]
    totals: dict[str, list] = {}
    for row in report.by_unit:
        code, name = (row.unit.code, row.unit.name) if row.unit else ("", "本学分银行（不限单位）")
        totals.setdefault(code, [code, name, 0])[2] += getattr(row, measure)
    bars = [tuple(v) for v in totals.values()]
    title = f"{report.unit.name}各审核单位{label}数（{period(report)}）"
    if bars:
        top = max(bars, key=lambda b: b[2])
        summary = (f"横向条形图，{len(bars)} 个审核单位各一条，横轴为{label}数（{unit}）。"
                   f"最多的是{top[1]}，{top[2]:,} {unit}；合计 {sum(b[2] for b in bars):,} {unit}。")
    else:
        summary = "统计期间没有审核记录，也没有逾期未审。"
    return draw(title, f"{tenant_name}。{summary}", bars, f"{label}数（{unit}）", unit, "审核单位")


def draw(title: str, description: str, bars: list[tuple[str, str, int]], axis_title: str, unit: str,
         category_axis: str) -> str:
    """A horizontal bar per ``(code, name, value)``, names on the vertical axis."""
    values = [v for _, _, v in bars]
    size = 13
    names = [fit(name, size, LABEL_ROOM) for _, name, _ in bars]
    left = 20 + 24 + max([text_width(n, size) for n in names] + [text_width(category_axis, size)]) + 12
    plot = max(PLOT_MIN, WIDTH - left - 70)
    width = int(left + plot + 70)
    height = TOP + max(1, len(bars)) * (BAR + GAP) + BOTTOM
    ticks = nice_ticks(max(values, default=0))
    scale = plot / ticks[-1]
    plot_bottom = TOP + max(1, len(bars)) * (BAR + GAP)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title chart-desc" font-family={quoteattr(FONT)} font-size="{size}">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{width / 2:.1f}" y="26" text-anchor="middle" font-size="16" font-weight="bold" '
        f'fill="#1a1a1a">{escape(title)}</text>',
    ]
    # Grid lines and tick labels along the horizontal axis.
    for tick in ticks:
        x = left + tick * scale
        out.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{plot_bottom}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle" fill="#444444">{tick:,}</text>')
    out.append('<g class="bars">')
    for i, ((code, full_name, value), name) in enumerate(zip(bars, names)):
        y = TOP + i * (BAR + GAP)
        out.append(
            f'<g class="unit" data-code={quoteattr(code)}>'
            f'<title>{escape(f"{full_name}：{value:,} {unit}")}</title>'
            f'<text x="{left - 8:.1f}" y="{y + BAR / 2 + 4.5:.1f}" text-anchor="end" fill="#1a1a1a">'
            f'{escape(name)}</text>'
            f'<rect class="bar" data-code={quoteattr(code)} data-value="{value}" x="{left:.1f}" y="{y}" '
            f'width="{value * scale:.1f}" height="{BAR}" fill="{BAR_COLOUR}"/>'
            f'<text x="{left + value * scale + 6:.1f}" y="{y + BAR / 2 + 4.5:.1f}" fill="#1a1a1a">{value:,}</text></g>')
    out.append("</g>")
    # The axes and their titles.
    out.append(f'<line x1="{left}" y1="{TOP - 6}" x2="{left}" y2="{plot_bottom}" stroke="#333333"/>')
    out.append(f'<line x1="{left}" y1="{plot_bottom}" x2="{left + plot:.1f}" y2="{plot_bottom}" stroke="#333333"/>')
    out.append(f'<text class="axis-title" x="{left + plot / 2:.1f}" y="{plot_bottom + 44}" text-anchor="middle" '
               f'fill="#1a1a1a">{escape(axis_title)}</text>')
    middle = (TOP + plot_bottom) / 2
    out.append(f'<text class="axis-title" x="26" y="{middle:.1f}" text-anchor="middle" fill="#1a1a1a" '
               f'transform="rotate(-90 26 {middle:.1f})">{escape(category_axis)}</text>')
    out.append("</svg>")
    return "\n".join(out)
