"""The report as an A4 PDF, laid out by reportlab's platypus: paragraphs that flow, tables that
break across pages with their header repeated, figures as PNG. reportlab's Paragraph reads a
small markup language, so every string is XML-escaped first."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .content import ReportContent

FIGURE_WIDTH_CM = 17.0


def render(c: ReportContent, version: str, path: Path) -> None:
    """Write the PDF to ``path``."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        LongTable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=8.5)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=9.5)
    note = ParagraphStyle(
        "note", parent=body, backColor=colors.HexColor("#fff8e1"), borderPadding=5, spaceAfter=8
    )
    flag = ParagraphStyle("flag", parent=note, backColor=colors.HexColor("#fdecea"))

    def p(text: str, style: Any = body) -> Any:
        return Paragraph(escape(text), style)

    def table(header: list[str], rows: list[list[str]], widths: list[float] | None, st: Any) -> Any:
        data = [[p(h, st) for h in header]] + [[p(v, st) for v in row] for row in rows]
        t = LongTable(data, colWidths=widths, repeatRows=1)
        t.setStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
        return t

    def kv(rows: list[tuple[str, str]]) -> Any:
        return table(["", ""], [[k, v] for k, v in rows], [6 * cm, 11 * cm], cell)

    story: list[Any] = [
        p(c.title, styles["Title"]),
        p(c.note, note),
        p("Session", styles["Heading2"]),
        kv(c.facts),
        p("Data quality", styles["Heading3"]),
        kv(c.quality),
    ]
    for problem in c.problems:
        story.append(p(f"• {problem}", cell))
    for fig in c.figures:
        block: list[Any] = [p(fig.title, styles["Heading2"])]
        if fig.png is None:
            block.append(p(fig.missing or "", body))
        else:
            from reportlab.lib.utils import ImageReader

            reader = ImageReader(io.BytesIO(fig.png))
            w_px, h_px = reader.getSize()
            width = FIGURE_WIDTH_CM * cm
            height = width * h_px / w_px
            if height > 19 * cm:  # tall figures keep their aspect within the page
                width, height = width * 19 * cm / height, 19 * cm
            block += [Image(io.BytesIO(fig.png), width, height), p(fig.caption, small)]
        story.append(KeepTogether(block))
    story.append(p("Indicators", styles["Heading2"]))
    story.append(
        p(
            "Each value beside one study's range; 'compared' says whether it lies below, within "
            "or above that range, not what it means for this person.",
            small,
        )
    )
    story.append(
        table(
            c.indicator_header,
            c.indicator_rows,
            [3.6 * cm, 2 * cm, 2.6 * cm, 1.6 * cm, 7.2 * cm],
            small,
        )
    )
    story.append(p(f"Steps ({len(c.step_rows)})", styles["Heading2"]))
    if c.step_rows:
        story.append(table(c.step_header, c.step_rows, None, small))
    else:
        story.append(p("No complete step in this session.", body))
    story.append(Spacer(1, 0.4 * cm))
    story.append(
        KeepTogether([p(c.red_flags_intro, flag)] + [p(f"• {f}", flag) for f in c.red_flags])
    )
    story.append(p("What the file says about itself", styles["Heading2"]))
    story.append(kv(c.about_file) if c.about_file else p("Nothing.", body))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(2 * cm, 1.2 * cm, f"pressure {version}: not a diagnosis")
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=2 * cm,
        title=c.title,
        author="pressure",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
