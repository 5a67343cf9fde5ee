"""The printable proof: an A4 PDF in the tenant's colours, drawn on request from the stored
credential (nothing of it is kept).

Chinese text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1; readers supply the
glyphs, so no font file ships or embeds). The QR code carries the verification page's address.
"""

from __future__ import annotations

import functools
import io
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.certificates.schemas import ProofContent
from core.tenancy.schemas import Branding

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
BAND = 26 * mm
BEIJING = timezone(timedelta(hours=8))  # dates on the paper are the tenants' local dates


@functools.cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles(primary: colors.Color) -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=24, leading=32, alignment=TA_CENTER, textColor=primary),
        "code": ParagraphStyle("code", parent=base, fontSize=11, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "lead": ParagraphStyle("lead", parent=base, fontSize=12, leading=21, firstLineIndent=24),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, textColor=primary, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12.5),
        "head": ParagraphStyle("head", parent=base, fontSize=9, leading=12.5, textColor=colors.white),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
    }


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _table(rows: list[list[str]], widths: list[float], styles: dict, primary: colors.Color) -> Table:
    data = [[Paragraph(text, styles["head" if i == 0 else "cell"]) for text in row] for i, row in enumerate(rows)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), primary),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c2cc")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")]),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _date(day: str | None) -> str:
    return day or "—"


def render_pdf(proof: ProofContent, tenant_name: str, branding: Branding,
               revoked: tuple[datetime, str] | None = None) -> bytes:
    """The proof as a PDF; a revoked proof is stamped 已撤销 with the date and reason."""
    primary = colors.HexColor(branding.primary_color)
    accent = colors.HexColor(branding.accent_color)
    styles = _styles(primary)
    width = PAGE_W - 2 * MARGIN
    story: list = [
        Spacer(1, 6 * mm),
        Paragraph(escape(proof.title), styles["title"]),
        Paragraph(f"证明编号：{proof.code}", styles["code"]),
        Spacer(1, 7 * mm),
        Paragraph(escape(proof.description), styles["lead"]),
        Spacer(1, 4 * mm),
    ]
    if proof.achievements:
        story += [Paragraph("学习成果", styles["heading"]), Spacer(1, 2 * mm), _table(
            [["序号", "学习成果", "类别", "颁发机构", "学分", "取得日期", "认定方式"]]
            + [[str(i), escape(a.name) + (f"<br/>证书编号 {escape(a.certificate_no)}" if a.certificate_no else ""),
                escape(a.category) + (f"<br/>{escape(a.subtype)}" if a.subtype and a.subtype != a.category else ""),
                escape(a.institution) or "—", _number(a.credits), _date(a.obtained_on), escape(a.recognition) or "—"]
               for i, a in enumerate(proof.achievements, 1)],
            [w * width for w in (0.07, 0.27, 0.16, 0.19, 0.07, 0.12, 0.12)], styles, primary)]
    if proof.conversions:
        story += [Spacer(1, 4 * mm), Paragraph("成果转换", styles["heading"]), Spacer(1, 2 * mm), _table(
            [["源成果", "转换为", "目标机构", "学分", "转换规则", "审核通过", "状态"]]
            + [[escape("、".join(c.sources)), escape(c.target), escape(c.target_institution) or "—", _number(c.credits),
                escape(c.rule) or "—",
                _date(c.approved_on), "已转换" if c.state == "converted" else "待目标机构办理"]
               for c in proof.conversions],
            [w * width for w in (0.2, 0.16, 0.15, 0.07, 0.22, 0.11, 0.09)], styles, primary)]
    issued = proof.issued_at.astimezone(BEIJING)
    signed = [
        Paragraph(f"出具单位：{escape(proof.issuer.unit)}", styles["base"]),
        Paragraph(escape(tenant_name) if proof.issuer.unit != tenant_name else "", styles["base"]),
        Paragraph(f"出具日期：{issued.year}年{issued.month}月{issued.day}日", styles["base"]),
        Spacer(1, 3 * mm),
        Paragraph("本证明附有电子签名（W3C 可验证凭证，eddsa-jcs-2022 / Ed25519）。"
                  "扫描右侧二维码或访问下方地址，即可查验其真伪及是否已撤销。", styles["small"]),
        Paragraph(f"查验地址：{escape(proof.verify_url)}", styles["small"]),
        Paragraph(f"签名密钥：{proof.verification_method.rpartition('#')[2][:24]}…", styles["small"]),
    ]
    qr_size = 38 * mm
    block = Table([[signed, [_qr(proof.verify_url, qr_size), Paragraph("扫码查验", styles["code"])]]],
                  colWidths=[width - qr_size - 8 * mm, qr_size + 8 * mm])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [Spacer(1, 10 * mm), block]

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFillColor(primary)
        canvas.rect(0, PAGE_H - BAND, PAGE_W, BAND, stroke=0, fill=1)
        canvas.setFillColor(accent)
        canvas.rect(0, PAGE_H - BAND - 1.6 * mm, PAGE_W, 1.6 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(_font(), 17)
        canvas.drawString(MARGIN, PAGE_H - BAND / 2 - 3 * mm, tenant_name)
        mark = branding.logo_text or branding.short_name
        if mark:
            canvas.setFont(_font(), 11)
            canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - BAND / 2 - 2 * mm, mark)
        canvas.setStrokeColor(accent)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, 16 * mm, PAGE_W - MARGIN, 16 * mm)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.setFont(_font(), 7.5)
        if branding.footer:
            canvas.drawString(MARGIN, 11 * mm, branding.footer[:90])
        canvas.drawRightString(PAGE_W - MARGIN, 6.5 * mm, f"证明编号 {proof.code} · 第 {doc.page} 页")
        canvas.restoreState()

    def stamp() -> None:  # after the page's content, so nothing covers it
        if revoked is None:
            return
        at, reason = revoked
        canvas = doc.canv
        canvas.saveState()
        canvas.translate(PAGE_W / 2, PAGE_H - BAND - 52 * mm)  # over the title, clear of the QR code
        canvas.rotate(12)
        red = colors.HexColor("#c0392b")
        canvas.setStrokeColor(red)
        canvas.setFillColor(red)
        canvas.setFillAlpha(0.85)
        canvas.setStrokeAlpha(0.85)
        canvas.setLineWidth(3)
        canvas.roundRect(-60 * mm, -14 * mm, 120 * mm, 34 * mm, 4 * mm, stroke=1, fill=0)
        canvas.setFont(_font(), 34)
        canvas.drawCentredString(0, 4 * mm, "已撤销")
        canvas.setFont(_font(), 10)
        canvas.drawCentredString(0, -8 * mm, f"{at.astimezone(BEIJING):%Y-%m-%d} 撤销：{reason[:30]}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=BAND + 8 * mm,
                            bottomMargin=22 * mm, title=f"{proof.title} {proof.code}", author=tenant_name,
                            subject=proof.holder.name)
    if revoked:
        doc.afterPage = stamp
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
