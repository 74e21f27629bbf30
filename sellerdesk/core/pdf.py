"""PDF building blocks shared by every printed document: the embedded CJK font, Code 128
barcodes, a page layout with a header and page numbers, data tables and label sheets.

Purchase orders, delivery notices and goods labels (purchasing.documents) use it, and so
will pick lists, packing slips and shipping labels. The font ships in the repository
(`core/fonts/`, a GB2312 subset of WenQuanYi Micro Hei with TrueType outlines, which
reportlab can embed); nothing is read from the system at run time.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

FONT_NAME = "SellerdeskCJK"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei-gb2312.ttf"

_font_lock = threading.Lock()


def register_font() -> str:
    """Register the shipped CJK font with reportlab once per process; its name."""
    with _font_lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    return FONT_NAME


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the CJK font: title, heading, body, small, cell, cell_right."""
    font = register_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=16, spaceBefore=6, spaceAfter=4),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=colors.HexColor("#4b5563")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "cell_right": ParagraphStyle("cell_right", parent=base, fontSize=9, leading=12, alignment=2),
    }


def escape(text: object) -> str:
    """Text for a Paragraph (which reads a little XML)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paragraph(text: object, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


class Barcode(Flowable):
    """A Code 128 barcode with its value printed under the bars (so it can be typed when a
    scanner fails, and read back from the PDF by tests). Unlike reportlab's own flowable
    its size includes the text, so it never spills into the next table row."""

    def __init__(self, value: str, *, bar_height: float, bar_width: float, text: bool = True) -> None:
        super().__init__()
        self.value = value
        self.bars = Code128(value, barHeight=bar_height, barWidth=bar_width, humanReadable=False, quiet=True)
        self.text_size = 8.0 if text else 0.0
        self.width = self.bars.width
        self.height = bar_height + (self.text_size + 2 if text else 0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        text_height = self.height - self.bars.barHeight
        self.bars.drawOn(self.canv, 0, text_height)
        if self.text_size:
            self.canv.setFont("Helvetica", self.text_size)
            self.canv.drawCentredString(self.width / 2, 1, self.value)


def barcode(value: str, *, bar_height: float = 12 * mm, bar_width: float = 0.33 * mm, text: bool = True) -> Barcode:
    """A Code 128 barcode flowable of `value`, `bar_width` the narrowest bar."""
    return Barcode(value, bar_height=bar_height, bar_width=bar_width, text=text)


def fit_barcode(value: str, *, max_width: float, bar_height: float, text: bool = True) -> Barcode:
    """The widest barcode of `value` that fits `max_width` (thin bars scan badly, so the
    module width is capped at 0.5 mm and floored at 0.19 mm)."""
    probe = barcode(value, bar_height=bar_height, bar_width=1.0, text=text)
    module = max(min(max_width / max(probe.width, 1.0), 0.5 * mm), 0.19 * mm)
    return barcode(value, bar_height=bar_height, bar_width=module, text=text)


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    col_widths: Sequence[float] | None = None,
    numeric_columns: Sequence[int] = (),
    footer: Sequence[object] | None = None,
) -> Table:
    """A ruled table with a grey header row; cells wrap (CJK aware); numeric columns align right.

    A cell may also be a Flowable (a barcode, a paragraph), placed as it is."""
    style = styles()

    def cell(value: object, column: int) -> object:
        if isinstance(value, Flowable):
            return value
        return Paragraph(escape(value), style["cell_right" if column in numeric_columns else "cell"])

    data: list[list[object]] = [[cell(title, -1) for title in header]]
    data += [[cell(value, index) for index, value in enumerate(row)] for row in rows]
    if footer is not None:
        data.append([cell(value, index) for index, value in enumerate(footer)])
    table = Table(data, colWidths=list(col_widths) if col_widths else None, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9ca3af")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5e7eb")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if footer is not None:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f4f6")))
    table.setStyle(TableStyle(commands))
    return table


def facts_table(pairs: Sequence[tuple[str, object]], *, columns: int = 2, width: float = 180 * mm) -> Table:
    """Label/value pairs in `columns` column pairs, unruled: the head of a form."""
    style = styles()
    cells = [
        (Paragraph(escape(label), style["small"]), Paragraph(escape(value), style["cell"])) for label, value in pairs
    ]
    rows: list[list[object]] = []
    for start in range(0, len(cells), columns):
        row: list[object] = []
        for label, value in cells[start : start + columns]:
            row += [label, value]
        row += [""] * (2 * columns - len(row))
        rows.append(row)
    label_width = 24 * mm
    value_width = width / columns - label_width
    table = Table(rows, colWidths=[label_width, value_width] * columns)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


@dataclass
class Page:
    """The frame of a printed A4 document: title, a header line and a footer with page numbers."""

    title: str
    header: str = ""
    footer: str = ""
    page_label: str = "%(page)s"  # e.g. "第 %(page)s 页"
    pagesize: tuple[float, float] = A4
    margins: tuple[float, float, float, float] = (15 * mm, 15 * mm, 18 * mm, 15 * mm)  # left right top bottom


def build(page: Page, story: Sequence[Flowable]) -> bytes:
    """Lay `story` out on `page`'s pages; the PDF bytes."""
    font = register_font()
    buffer = io.BytesIO()
    left, right, top, bottom = page.margins
    document = SimpleDocTemplate(
        buffer,
        pagesize=page.pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=page.title,
        author="sellerdesk",
    )

    def decorate(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#6b7280"))
        width, height = page.pagesize
        if page.header:
            canvas.drawString(left, height - top + 6 * mm, page.header)
        if page.footer:
            canvas.drawString(left, bottom - 8 * mm, page.footer)
        canvas.drawRightString(width - right, bottom - 8 * mm, page.page_label % {"page": doc.page})
        canvas.restoreState()

    document.build(list(story), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def spacer(height: float = 4 * mm) -> Spacer:
    return Spacer(1, height)


def keep_together(flowables: Sequence[Flowable]) -> KeepTogether:
    return KeepTogether(list(flowables))


@dataclass
class Label:
    """One sticker: a few lines of text above a Code 128 barcode."""

    lines: Sequence[str]
    barcode: str
    small_lines: Sequence[str] = field(default_factory=tuple)


def label_sheet(labels: Sequence[Label], *, width: float = 60 * mm, height: float = 40 * mm, title: str = "") -> bytes:
    """One label per page of `width` × `height` (the roll size of thermal label printers;
    60 × 40 mm by default). Long text lines are cut to fit the label."""
    font = register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(title)
    canvas.setAuthor("sellerdesk")
    margin = 2.5 * mm
    for label in labels:
        y = height - margin - 3.5 * mm
        for index, text in enumerate(label.lines):
            size = 9 if index == 0 else 8
            canvas.setFont(font, size)
            canvas.drawString(margin, y, _fit(text, font, size, width - 2 * margin))
            y -= size + 2.5
        for text in label.small_lines:
            canvas.setFont(font, 6.5)
            canvas.drawString(margin, y, _fit(text, font, 6.5, width - 2 * margin))
            y -= 8.5
        bar_height = max(y - margin - 4 * mm, 6 * mm)
        code = fit_barcode(label.barcode, max_width=width - 2 * margin, bar_height=bar_height)
        code.drawOn(canvas, (width - code.width) / 2, margin)
        canvas.showPage()
    if not labels:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
