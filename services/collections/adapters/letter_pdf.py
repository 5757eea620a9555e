"""A letter as a PDF: its Chinese template (templates/letters/<template>.zh.txt) filled and laid out on A4.

ReportLab with its built-in CID font STSong-Light (no font files; readers supply the glyphs) and
`invariant=1` (no creation time, fixed document id), so one recorded letter always renders to the
same bytes. A template's first line is its title; paragraphs are separated by blank lines; a
paragraph `{amounts}` is where the amounts table goes.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable, HRFlowable

from services.collections.domain.letter_text import Lender, amount_rows, letter_fields
from shared.contracts import collections as ev

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "letters"
FONT = "STSong-Light"
AMOUNTS = "{amounts}"


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _style(name: str, size: float, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=_font(), fontSize=size, leading=size * 1.6, wordWrap="CJK", **kw)


def template_text(template: str) -> tuple[str, list[str]]:
    """A template's title line and its paragraphs (placeholders unfilled)."""
    lines = (TEMPLATE_DIR / f"{template}.zh.txt").read_text(encoding="utf-8").strip().split("\n")
    paragraphs = "\n".join(lines[1:]).split("\n\n")
    return lines[0], [" ".join(p.split("\n")).strip() for p in paragraphs if p.strip()]


def letter_paragraphs(sent: ev.LetterSent, *, name: str, lender: Lender) -> tuple[str, list[str]]:
    """The letter's title and paragraphs with every placeholder filled (`{amounts}` kept for the table)."""
    title, paragraphs = template_text(sent.template)
    fields = {**letter_fields(sent, name=name, lender=lender), "amounts": AMOUNTS}
    return title.format_map(fields), [p.format_map(fields) for p in paragraphs]


def _amounts_table(sent: ev.LetterSent) -> Table:
    rows = [("项目", "金额（人民币元）"), *amount_rows(sent)]
    table = Table(rows, colWidths=[60 * mm, 60 * mm], hAlign="CENTER")
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), _font(), 11), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("ALIGN", (1, 1), (1, -1), "RIGHT"), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                               ("FONT", (0, -1), (-1, -1), _font(), 12)]))
    return table


def render_pdf(sent: ev.LetterSent, *, name: str, lender: Lender) -> bytes:
    """The letter's PDF bytes (the same for the same event, name and lender)."""
    title, paragraphs = letter_paragraphs(sent, name=name, lender=lender)
    body, small = _style("body", 11.5, firstLineIndent=23), _style("small", 9.5)
    story: list[Flowable] = []
    if sent.registered:
        story.append(Paragraph(escape(f"挂号信 {sent.tracking_number}"), _style("reg", 9.5, alignment=TA_RIGHT)))
    story.append(Paragraph(escape(f"收件人：{name}"), small))
    if sent.address:
        story.append(Paragraph(escape(f"地址：{sent.address}"), small))
    story += [Spacer(1, 8 * mm), Paragraph(escape(title), _style("title", 18, alignment=TA_CENTER)), Spacer(1, 6 * mm)]
    for i, p in enumerate(paragraphs):
        if p == AMOUNTS:
            story += [_amounts_table(sent), Spacer(1, 3 * mm)]
        else:
            story.append(Paragraph(escape(p), _style("first", 11.5) if i == 0 else body))
    right = _style("sign", 11.5, alignment=TA_RIGHT)
    story += [Spacer(1, 10 * mm), Paragraph(escape(f"{lender.name}（{lender.department}）"), right),
              Paragraph(escape(letter_fields(sent, name=name, lender=lender)["sent_on"]), right),
              Spacer(1, 6 * mm), Paragraph(escape(f"函件编号：{sent.letter_id}　地址：{lender.address}"), small)]
    if sent.registered and sent.template != "reminder":
        story += [Spacer(1, 8 * mm), HRFlowable(width="100%", dash=(3, 3)), Spacer(1, 3 * mm),
                  Paragraph(escape(f"回执：本人已收到{lender.name}《{title}》（函件编号：{sent.letter_id}）。"), body),
                  Paragraph(escape("借款人签字：________________　　日期：________________"), body)]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, invariant=1, title=f"{title} {sent.letter_id}", author=lender.name,
                            leftMargin=25 * mm, rightMargin=25 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    doc.build(story)
    return out.getvalue()
