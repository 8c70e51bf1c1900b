"""The report as an A4 PDF, laid out by reportlab's platypus: paragraphs that flow, tables that
break across pages with their header repeated, figures as PNG. reportlab's Paragraph reads a
small markup language, so every string is XML-escaped first."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from .content import FINDING_LEGEND, FINDING_MARKS, ReportContent

FIGURE_WIDTH_CM = 17.0


def render(c: ReportContent, version: str, path: Path | IO[bytes]) -> None:
    """Write the PDF to ``path``: a file, or a binary stream (a batch worker renders into
    memory and hands the bytes to whoever writes the file)."""
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
    # a heading stays on the page of what follows it
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], keepWithNext=1)
    # before a long table that may break across pages: kept with it, the two would move to the
    # next page together and leave this one half empty
    h3_flow = ParagraphStyle("h3_flow", parent=styles["Heading3"], keepWithNext=0)
    tiny = ParagraphStyle("tiny", parent=body, fontSize=6.5, leading=7.5)

    def p(text: str, style: Any = body) -> Any:
        return Paragraph(escape(text), style)

    def table(
        header: list[str],
        rows: list[list[str]],
        widths: list[float] | None,
        st: Any,
        pad: float = 6,
        grey: list[int] | None = None,
    ) -> Any:
        data = [[p(h, st) for h in header]] + [[p(v, st) for v in row] for row in rows]
        t = LongTable(data, colWidths=widths, repeatRows=1)
        style: list[Any] = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ]
        style += [
            ("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#eeeeee")) for r in grey or []
        ]
        t.setStyle(style)
        return t

    def kv(rows: list[tuple[str, str]]) -> Any:
        return table(["", ""], [[k, v] for k, v in rows], [6 * cm, 11 * cm], cell)

    story: list[Any] = [p(c.title, styles["Title"]), p("Findings", h2)]
    for sentence, where in c.findings:
        mark, kind, colour = FINDING_MARKS[where]
        weight = "<b>%s</b>" if kind == "outside" else "%s"
        story.append(
            Paragraph(f'<font color="{colour}">{mark}</font> ' + weight % escape(sentence), body)
        )
    if not c.findings:
        story.append(p("No indicator could be computed for this session (see the notes).", body))
    story.append(
        p("   ".join(f"{symbols} {meaning}" for symbols, meaning, _ in FINDING_LEGEND), small)
    )
    for fig in c.figures:
        block: list[Any] = [p(fig.title, h2)]
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
    if c.balance:
        story += [
            p("Standing balance", h2),
            p(
                "Sway of the centre of pressure while standing (low-pass filtered; AP: front to "
                "back, ML: side to side). No reference range is given: published values depend "
                "on the stance, the eyes open or closed, the duration and the device.",
                small,
            ),
            kv(c.balance),
        ]
    if c.region_rows:
        story += [
            p("Regions", h2),
            p("Per foot region of the insole's layout, over the whole session.", small),
            table(c.region_header, c.region_rows, None, cell),
        ]
    story.append(p("Indicators and their sources", h2))
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
    if c.walking:
        story.append(p(f"Steps ({len(c.step_rows)})", h2))
        if c.step_rows:
            used = c.step_header.index("used")
            story.append(
                p(
                    "Grey rows are not used for the stride statistics (a foot's first and last "
                    "stride, turns, pauses, outliers).",
                    small,
                )
            )
            # side, step and used narrow; the numbers (at most 7 characters) on one line each
            widths = [
                {0: 0.9, 1: 0.7, used: 0.8}.get(i, 14.4 / (len(c.step_header) - 3)) * cm
                for i in range(len(c.step_header))
            ]
            unused = [i for i, row in enumerate(c.step_rows) if row[used] != "yes"]
            story.append(table(c.step_header, c.step_rows, widths, tiny, pad=2, grey=unused))
        else:
            story.append(p("No complete step in this session.", body))
    story.append(p("Data quality", h2))
    story += [p(f"• {q}", body) for q in c.quality_said]
    for problem in c.problems:
        story.append(p(f"• {problem}", cell))
    story += [p("The counters", h3_flow), kv(c.quality)]
    story += [p("Session", h3_flow), kv(c.facts)]
    if c.about_file:
        story += [p("What the file says about itself", h3_flow), kv(c.about_file)]
    story += [Spacer(1, 0.4 * cm), p(c.note, note)]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(2 * cm, 1.2 * cm, f"pressure {version}: not a diagnosis")
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        path if not isinstance(path, Path) else str(path),
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=2 * cm,
        title=c.title,
        author="pressure",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
